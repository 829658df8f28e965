// The health record `rmnetctl run` leaves for `rmnetctl status`: ignored once its writer is gone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../../src/session/state.js';
import { healthRecordPath, readHealthRecord, removeHealthRecord, writeHealthRecord, type HealthRecord } from '../../../src/session/health-record.js';

const dir = mkdtempSync(join(tmpdir(), 'rmnetctl-health-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (pid: number): HealthRecord => ({
  version: 1, pid, updated: '2026-12-03T19:00:00.000Z',
  ladder: { rung: 0, action: null, counts: [0, 0, 0, 0], summary: 'recovery idle; climbed 1:0 2:0 3:0 4:0' },
  pdns: [{ muxId: 1, link: 'wwan0.1', state: 'healthy', failures: 0, successes: 4, reached: 0 }],
});

describe('health record', () => {
  it('reads back what a running supervisor wrote, beside (not as) a modem record', () => {
    const store = new StateStore(dir);
    writeHealthRecord(store, 'cdc-wdm0', record(process.pid));
    expect(readHealthRecord(store, 'cdc-wdm0')).toEqual(record(process.pid));
    expect(store.list()).toEqual([]); // not taken for a modem's record by status or down --all
    removeHealthRecord(store, 'cdc-wdm0');
    expect(readHealthRecord(store, 'cdc-wdm0')).toBeUndefined();
  });

  it('ignores the record of a supervisor that is gone, and an unreadable one', () => {
    const store = new StateStore(dir);
    writeHealthRecord(store, 'cdc-wdm1', record(12345));
    expect(readHealthRecord(store, 'cdc-wdm1', () => false)).toBeUndefined();
    expect(readHealthRecord(store, 'cdc-wdm1', (pid) => pid === 12345)?.pid).toBe(12345);
    writeFileSync(healthRecordPath(store, 'cdc-wdm1'), '{ not json');
    expect(readHealthRecord(store, 'cdc-wdm1', () => true)).toBeUndefined();
  });
});
