// rmnetctl doctor: the checks of src/doctor/checks.ts over what src/doctor/evidence.ts collected, each with
// its verdict, evidence and fix. Exit 12 (unhealthy) when any check fails; warnings alone exit 0.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { defineCommand } from '../define.js';
import { proxyChoice, sessionEnv, type CommonSessionOptions } from '../session-options.js';
import type { Verdict } from '../../doctor/checks.js';
import { Category, RmnetError } from '../../errors.js';

/** Seconds between the two counter readings of the RX-stall check; 0 skips that check. */
export function parseInterval(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n >= 0 && n <= 60)) {
    throw new RmnetError('BAD_ARGUMENT', `--interval must be a number of seconds in 0..60, got "${value}"`, Category.usage, { option: '--interval', value });
  }
  return n;
}

export function register(program: Command, context: CliContext): void {
  defineCommand(program, 'doctor', { interval: parseInterval }).action(async (options: CommonSessionOptions & { interval: number }) => {
    await context.run(options, async () => {
      const env = await sessionEnv(options);
      const { collectEvidence } = await import('../../doctor/evidence.js');
      const { runChecks, summarize } = await import('../../doctor/checks.js');
      const { emit } = await import('../output.js');
      try {
        const root = typeof process.geteuid === 'function' && process.geteuid() === 0;
        // Who holds the port and whether ModemManager runs: the one detection (src/session/peers.ts).
        const { findPeers } = await import('../../session/peers.js');
        const findPortHolders = async (port: string) => (await findPeers(env.procRoot, port)).portHolders;
        const evidence = await collectEvidence(env, { selector: options.device, proxy: proxyChoice(options), intervalSeconds: options.interval, root, findPortHolders });
        const checks = runChecks(evidence);
        const summary = summarize(checks);
        emit({ root, checks, summary }, options, (v) => renderDoctor(v.checks, v.root));
        return summary.fail > 0 ? Category.unhealthy : undefined;
      } finally {
        env.netlink.close();
      }
    });
  });
}

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export function renderDoctor(checks: readonly Verdict[], root: boolean): string {
  const lines = checks.flatMap((c) => [
    `${MARK[c.verdict]}  ${c.check} ${c.subject}: ${c.summary}`,
    ...c.evidence.map((e) => `        read: ${e}`),
    ...(c.fix ? [`        fix:  ${c.fix}${c.needsRoot ? ' (as root)' : ''}`] : []),
  ]);
  const fails = checks.filter((c) => c.verdict === 'fail').length;
  const warns = checks.filter((c) => c.verdict === 'warn').length;
  lines.push('', `${checks.length} checks: ${checks.length - fails - warns} ok, ${warns} warn, ${fails} fail${root ? '' : ' (not root: the control port and the records may not be readable; fixes marked "as root" need it)'}`);
  return lines.join('\n');
}
