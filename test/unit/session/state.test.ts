import { describe, expect, it, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore, type ModemRecord } from '../../../src/session/state.js';
import { lockModem } from '../../../src/session/lock.js';

const dir = mkdtempSync(join(tmpdir(), 'rmnetctl-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('state store', () => {
  it('writes atomically with mode 600 and reads back', () => {
    const store = new StateStore(dir);
    const record: ModemRecord = { version: 1, device: '/dev/cdc-wdm0', netInterface: 'wwan0', pdns: [] };
    store.write('cdc-wdm0', record);
    expect(store.read('cdc-wdm0')).toEqual(record);
    expect(statSync(store.path('cdc-wdm0')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(store.list()).toEqual(['cdc-wdm0']);
    store.remove('cdc-wdm0');
    expect(store.read('cdc-wdm0')).toBeUndefined();
  });

  it('names the file and the way out when the record is corrupt', () => {
    const store = new StateStore(dir);
    writeFileSync(store.path('bad'), '{"version":');
    expect(() => store.read('bad')).toThrow(/bad\.json is unreadable.*down --all/);
  });
});

describe('modem lock', () => {
  it('serializes one modem and lets another through', async () => {
    const first = await lockModem(dir, 'cdc-wdm0');
    const other = await lockModem(dir, 'cdc-wdm1', 100);
    await expect(lockModem(dir, 'cdc-wdm0', 100)).rejects.toThrow(/another rmnetctl holds/);
    first.release();
    const again = await lockModem(dir, 'cdc-wdm0', 100);
    again.release();
    other.release();
  });
});
