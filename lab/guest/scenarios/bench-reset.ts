/**
 * bench-reset: how long `rmnetctl run` takes to bring two PDNs back after the modem resets (CTL Sync: every
 * client id, session and the data format gone), over RESETS resets in one run, each at another phase of the
 * supervisor's timers (a fixed pseudo-random pause between resets). Per reset: the time until both PDNs have
 * new sessions, links up with addresses and the supervisor said "up" for both, the attempts that failed and
 * had to be retried, and, for a slow one, the QMI trace after the reset. Data for docs/benchmarks.md
 * ("Recovery after a modem reset"); the checks say only that every reset was recovered from.
 */
import { writeFileSync } from 'node:fs';
import { attachModem, sleep, waitFor, type Recorder } from '../harness.js';
import { emulator, exited, globalAddresses, muxLinks, spawnRmnetctl } from './session-lib.js';
import { CONFIG, traceQmi } from './session-run.js';

const RESETS = 20;
/** A recovery slower than this keeps its QMI trace and supervisor lines (a normal one takes 2-3 s under TCG). */
const SLOW_MS = 5000;

export interface ResetRun {
  ms: number;
  retries: string[];
  lines?: string[];
  trace?: string[];
}

export async function benchResetScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec);
  const emu = emulator(modem);
  const configPath = '/tmp/rmnetctl-lab.conf';
  writeFileSync(configPath, CONFIG);
  const service = spawnRmnetctl(project, ['run', 'lab', '--config', configPath]);
  const runs: ResetRun[] = [];
  rec.data.resets = runs;
  try {
    const up = await waitFor('run to bring both PDNs up', () => (/mux 1: up on/.test(service.output()) && /mux 2: up on/.test(service.output())) || service.child.exitCode !== null, 90_000).catch(() => false);
    if (!rec.check('run brought both PDNs up', up === true && service.child.exitCode === null, { output: service.output().slice(-1500) })) return;
    let seed = 12345;
    const pause = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return 500 + (seed % 3000);
    };
    for (let i = 0; i < RESETS; i++) {
      await sleep(pause());
      const before = emu.sessions().map((s) => s.packetDataHandle);
      const offset = service.output().length;
      const scratch = { data: {} as Record<string, unknown> } as Recorder;
      const resetAt = Date.now();
      traceQmi(modem, resetAt, scratch);
      emu.reset();
      const after = () => service.output().slice(offset);
      const recovered = async (): Promise<boolean> => {
        const s = emu.sessions();
        const fresh = s.some((x) => x.muxId === 1) && s.filter((x) => x.muxId === 2).length === 2 && s.every((x) => !before.includes(x.packetDataHandle));
        if (!fresh || !/mux 1: up on/.test(after()) || !/mux 2: up on/.test(after())) return false;
        const links = await muxLinks(modem.wwan);
        const ready = await Promise.all(links.map(async (l) => l.up && (await globalAddresses(l.name)).length > 0));
        return links.length === 2 && ready.every(Boolean);
      };
      let back = false;
      while (!back && Date.now() - resetAt < 60_000 && service.child.exitCode === null) {
        back = await recovered();
        if (!back) await sleep(50);
      }
      const ms = Date.now() - resetAt;
      const lines = after().split('\n').filter(Boolean);
      const run: ResetRun = { ms, retries: lines.filter((l) => /retrying in/.test(l)) };
      if (ms > SLOW_MS || back !== true) Object.assign(run, { lines, trace: scratch.data.qmiTraceAfterReset as string[] });
      runs.push(run);
      if (!rec.check(`reset ${i + 1}: both PDNs recovered`, back === true, run)) break;
    }
    const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    rec.data.summary = { resets: runs.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1), slow: runs.filter((r) => r.ms > SLOW_MS).length, retried: runs.filter((r) => r.retries.length > 0).length };
  } finally {
    service.child.kill('SIGTERM');
    rec.check('run exits 0 on SIGTERM', (await exited(service.child, 60_000)) === 0);
  }
}
