// The supervisor's health state, for `rmnetctl status`: a file beside the modem's record
// (/run/rmnetctl/<port>.health), rewritten by `run` whenever a PDN's health or the ladder changes and
// removed when it stops. One whose writer is no longer running is ignored (a crashed supervisor says nothing).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { HealthState } from '../health/judge.js';
import type { FailoverMode, FailoverPolicy, Role } from '../health/failover.js';
import { ensureStateDir, readNoFollow, writeAtomically } from './files.js';
import type { StateStore } from './state.js';
import type { RepairCounts } from './drift-repair.js';

export interface HealthRecord {
  version: 1;
  /** The supervisor that wrote it. */
  pid: number;
  updated: string;
  ladder: { rung: number; action: string | null; counts: number[]; summary: string };
  pdns: Array<{
    muxId: number; link: string | null; state: HealthState; failures: number; successes: number; reached: number;
    /** Its default routes under the failover policy: the role per family, and whether it carries the traffic. */
    routes?: Array<{ family: 4 | 6; role: Role | null; carries: boolean }>;
  }>;
  /** The run's default-route failover as this modem sees it (src/session/route-failover.ts). */
  failover?: { modem: string; policy: FailoverPolicy; mode: FailoverMode; changes: number; notes: string[]; lastApplyMs: number | null };
  /** Kernel-mode drift repaired by `run` (drift-repair.ts); absent from a record of an older `run`. */
  driftRepairs?: RepairCounts | undefined;
}

export const healthRecordPath = (store: StateStore, modemKey: string): string => join(store.dir, `${modemKey}.health`);

export function writeHealthRecord(store: StateStore, modemKey: string, record: HealthRecord): void {
  ensureStateDir(store.dir);
  writeAtomically(healthRecordPath(store, modemKey), `${JSON.stringify(record, null, 2)}\n`);
}

export function removeHealthRecord(store: StateStore, modemKey: string): void {
  rmSync(healthRecordPath(store, modemKey), { force: true });
}

/** The record of a running supervisor; undefined when there is none, it is unreadable, or its writer is gone. */
export function readHealthRecord(store: StateStore, modemKey: string, running: (pid: number) => boolean = processRunning): HealthRecord | undefined {
  const text = readNoFollow(healthRecordPath(store, modemKey));
  if (text === undefined) return undefined;
  try {
    const record = JSON.parse(text) as HealthRecord;
    if (record.version !== 1 || !Array.isArray(record.pdns) || !running(record.pid)) return undefined;
    return record;
  } catch {
    return undefined;
  }
}

function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
