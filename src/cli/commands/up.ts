// rmnetctl up: one PDN on its own mux link, ready to route (src/session/up.ts does the work).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { defineCommand } from '../define.js';
import { proxyChoice, requireRoot, sessionEnv, type CommonSessionOptions } from '../session-options.js';
import type { UpResult } from '../../session/up.js';
import type { DryRun } from '../../session/dry-run.js';

interface UpOptions extends CommonSessionOptions {
  mux: string;
  apn?: string;
  profile?: string;
  ipType?: string;
  auth?: string;
  user?: string;
  passwordFile?: string;
  password?: string;
  backend?: string;
  ifname?: string;
  ip: boolean;
  metric?: string;
  defaultRoute: boolean;
  timeout?: number;
  dryRun?: boolean;
}

export function register(program: Command, context: CliContext): void {
  defineCommand(program, 'up').action(async (options: UpOptions) => {
    await context.run(options, async () => {
      const { Category, RmnetError } = await import('../../errors.js');
      if (options.password !== undefined) {
        // Never echo it: it is already in the shell history and visible in ps.
        throw new RmnetError('PASSWORD_ON_COMMAND_LINE', 'refusing --password: a password on the command line is visible to every user (ps, shell history); put it in a file with mode 600 and use --password-file', Category.usage);
      }
      const { buildPdnRequest } = await import('../../session/request.js');
      const request = buildPdnRequest({
        mux: options.mux,
        apn: options.apn,
        profile: options.profile,
        ipType: options.ipType,
        auth: options.auth,
        user: options.user,
        passwordFile: options.passwordFile,
        backend: options.backend,
        ifname: options.ifname,
        ip: options.ip,
        defaultRoute: options.defaultRoute,
        metric: options.metric,
      });
      if (options.dryRun) {
        const env = await sessionEnv(options);
        const { dryRunUp } = await import('../../session/dry-run.js');
        const { emit } = await import('../output.js');
        try {
          emit(await dryRunUp(env, request, { selector: options.device, proxy: proxyChoice(options) }), options, renderDryRun);
        } finally {
          env.netlink.close();
        }
        return;
      }
      requireRoot('up');
      const env = await sessionEnv(options);
      const { up } = await import('../../session/up.js');
      const { emit } = await import('../output.js');
      // Ctrl-C or SIGTERM stops at the current step and rolls back what was done; a second one kills.
      const stop = new AbortController();
      const onSignal = () => {
        process.stderr.write('rmnetctl: interrupted: rolling back (again to abort at once)\n');
        stop.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        emit(await up(env, request, { selector: options.device, proxy: proxyChoice(options), timeoutMs: options.timeout, signal: stop.signal }), options, renderUp);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        env.netlink.close();
      }
    });
  });
}

export function renderDryRun(r: DryRun): string {
  if (r.alreadyUp) return `already up with these settings on ${r.parent}: up would change nothing`;
  const lines = [`dry run: nothing was asked of ${r.modem} (${r.via}) and nothing was changed on ${r.parent}`];
  lines.push(`  ladder       ${r.rungs.join(', ') || 'no usable rung'}`);
  for (const s of r.skipped) lines.push(`  ruled out    ${s.rung}: ${s.reason}`);
  if (r.asks) lines.push(`  would ask    ${r.asks.rung}: DL ${r.asks.dlMaxDatagrams ?? '-'} datagrams / ${r.asks.dlMaxSize ?? '-'} bytes (the modem may grant less; up plans for what it grants)`);
  r.steps.forEach((s, i) => lines.push(`  step ${i + 1}/${r.steps.length}   ${s.action} (${s.why})`));
  for (const note of r.notes) lines.push(`  note         ${note}`);
  return lines.join('\n');
}

export function renderUp(r: UpResult): string {
  const lines = [
    r.alreadyUp ? `mux ${r.muxId} is already up on ${r.link} with these settings: nothing changed` : `mux ${r.muxId} is up on ${r.link}`,
    `  modem        ${r.modem} (${r.parent})`,
    `  backend      ${r.backend}, ${r.dataFormat?.rung ?? '?'}: DL ${r.dataFormat?.dlMaxDatagrams ?? '?'} datagrams / ${r.dataFormat?.dlMaxSize ?? '?'} bytes`,
    ...r.sessions.map((s) => `  IPv${s.family}         WDS client ${s.clientId}, packet data handle 0x${(s.packetDataHandle ?? 0).toString(16)}`),
    ...r.addresses.map((a) => `  address      ${a.address}/${a.prefixLength}`),
    ...r.routes.map((rt) => `  route        ${rt.destination} dev ${r.link} metric ${rt.metric ?? '-'}${rt.gateway ? ` (network gateway ${rt.gateway})` : ''}`),
  ];
  if (r.mtu !== undefined) lines.push(`  mtu          ${r.mtu}`);
  if (r.dnsApplied === 'not applied: --no-ip') {
    // Nothing was applied: say what the network offered, for whoever configures the link.
    for (const a of r.offered.addresses) lines.push(`  offered      ${a.address}/${a.prefixLength}${a.gateway ? ` gateway ${a.gateway}` : ''} (not applied: --no-ip)`);
    if (r.offered.mtu !== undefined) lines.push(`  offered mtu  ${r.offered.mtu} (not applied: --no-ip)`);
    if (r.dns.length > 0) lines.push(`  dns          ${r.dns.join(' ')} (not applied: --no-ip)`);
  } else if (r.dns.length > 0) {
    lines.push(`  dns          ${r.dns.join(' ')}${r.dnsApplied === 'not applied' ? ' (not applied: neither systemd-resolved nor resolvconf; configure your resolver)' : ` (${r.dnsApplied})`}`);
  }
  return lines.join('\n');
}
