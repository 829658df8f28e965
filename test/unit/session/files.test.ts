// Issue 10: the state directory, its records and lock files handled like sshd's and systemd's.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore, type ModemRecord } from '../../../src/session/state.js';
import { lockModem } from '../../../src/session/lock.js';
import { RmnetError } from '../../../src/errors.js';
import { rejection, thrown } from '../../support/rejection.js';

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'rmnetctl-files-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const record: ModemRecord = { version: 1, device: '/dev/cdc-wdm0', netInterface: 'wwan0', pdns: [] };

describe('the state directory', () => {
  it('is created 0700 when missing', () => {
    const dir = join(scratch(), 'run', 'rmnetctl');
    new StateStore(dir).write('cdc-wdm0', record);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'cdc-wdm0.json')).mode & 0o777).toBe(0o600);
  });

  it('is refused when it is a symlink or writable by group or others, naming the fix', () => {
    const base = scratch();
    const real = join(base, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(base, 'link'));
    expect(thrown(() => new StateStore(join(base, 'link')).write('cdc-wdm0', record), RmnetError)).toMatchObject({ code: 'INSECURE_STATE_DIR', category: 'permission', message: expect.stringContaining('is a symbolic link') });
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(thrown(() => new StateStore(open).write('cdc-wdm0', record), RmnetError).message).toContain('writable by group or others (mode 777): chmod 700');
  });

  it('never reads a record through a symlink, and never writes through one', () => {
    const dir = join(scratch(), 'state');
    const store = new StateStore(dir);
    store.write('cdc-wdm0', record);
    const victim = join(dirs[0]!, 'victim');
    writeFileSync(victim, 'precious\n');
    rmSync(store.path('cdc-wdm0'));
    symlinkSync(victim, store.path('cdc-wdm0'));
    expect(thrown(() => store.read('cdc-wdm0'), RmnetError)).toMatchObject({ code: 'INSECURE_STATE_DIR' });
    // A planted temp file is not written through either: the record replaces the link, the victim is untouched.
    symlinkSync(victim, `${store.path('cdc-wdm1')}.${process.pid}.tmp`);
    store.write('cdc-wdm1', record);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(store.path('cdc-wdm1')).isFile()).toBe(true);
  });
});

describe('lock files', () => {
  it('refuses a lock file that is a symlink', async () => {
    const dir = join(scratch(), 'state');
    mkdirSync(dir, { mode: 0o700 });
    symlinkSync(join(dirs[0]!, 'elsewhere'), join(dir, 'cdc-wdm0.lock'));
    await expect(rejection(lockModem(dir, 'cdc-wdm0'), RmnetError)).resolves.toMatchObject({ code: 'INSECURE_STATE_DIR', message: expect.stringContaining('symbolic link') });
    expect(existsSync(join(dirs[0]!, 'elsewhere'))).toBe(false);
  });

  it('is removed on release when nothing is left, and a waiter then locks the new file, not the removed one', async () => {
    const dir = join(scratch(), 'state');
    const first = await lockModem(dir, 'cdc-wdm0');
    const second = lockModem(dir, 'cdc-wdm0', 2000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    first.release({ remove: true });
    const held = await second;
    // The waiter found the path gone and locked a fresh file: a third one must wait for it.
    expect(existsSync(join(dir, 'cdc-wdm0.lock'))).toBe(true);
    await expect(rejection(lockModem(dir, 'cdc-wdm0', 100), RmnetError)).resolves.toMatchObject({ code: 'LOCK_TIMEOUT' });
    held.release({ remove: true });
    expect(existsSync(join(dir, 'cdc-wdm0.lock'))).toBe(false);
  });
});
