// What the tests of `rmnetctl run` share: waiting for a condition, and a supervisor on the rig with the
// short timers those tests use (backoff, modem polls, config seconds of a few milliseconds).
import { runService, type SupervisorOptions } from '../../../src/session/supervisor.js';
import type { ServiceConfig } from '../../../src/session/config.js';
import { makeRig, type Rig } from './rig.js';

/** Waits until `check` holds; throws naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A running supervisor: its sd_notify messages, the last STATUS= line, and a stop that waits for it. */
export function startRun(r: Rig, config: ServiceConfig, secondMs: number, extra: Partial<SupervisorOptions> = {}) {
  const notes: string[] = [];
  const stop = new AbortController();
  const running = runService(r.env, config, {
    signal: stop.signal, notify: (m) => notes.push(m), backoff: { initialMs: 10, maxMs: 50 }, healthCheckMs: 0, secondMs,
    resetSettleMs: 0, modemPollMs: 5, giveUpRetryMs: 60_000, ...extra,
  });
  return {
    notes,
    status: () => notes.filter((n) => n.startsWith('STATUS=')).at(-1) ?? '',
    async stop() {
      stop.abort();
      await running;
    },
  };
}

/** The rig as the tests of `run` use it (rmnet loaded), cleaned up through the file's `cleanups`. */
export function runRig(cleanups: Array<() => void>): Rig {
  const made = makeRig();
  cleanups.push(() => made.cleanup());
  made.model.rmnetLoaded = true;
  return made;
}

/** Moves the counters of mux `muxId`'s rmnet link every few ms, as traffic would; returns the stop. */
export function linkTraffic(r: Rig, muxId: number, per: { rxPackets?: number; txPackets?: number }, cleanups: Array<() => void>): () => void {
  const timer = setInterval(() => {
    const link = r.model.list().find((l) => l.kind === 'rmnet' && l.muxId === muxId);
    if (link) r.model.count(link.name, per);
  }, 3);
  const stop = () => clearInterval(timer);
  cleanups.push(stop);
  return stop;
}
