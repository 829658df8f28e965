// The session commands' bad input, through the real CLI: one clear message naming what was wrong, the
// documented exit code, and nothing touched (no state file appears).
import { afterAll, describe, expect, it, vi } from 'vitest';
import { chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../support/cli.js';
import { ExitCode } from '../../src/cli/exit-codes.js';

const stateDir = mkdtempSync(join(tmpdir(), 'rmnetctl-cli-'));
const fixture = fileURLToPath(new URL('../fixtures/sysfs/rawip/sys', import.meta.url));
const common = ['--state-dir', stateDir, '--sysfs-root', fixture];
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('rmnetctl up: bad input changes nothing', () => {
  it.each([
    [['--mux', '0', '--apn', 'internet'], '--mux must be an integer in 1..254'],
    [['--mux', '255', '--apn', 'internet'], '0 and 255 are reserved'],
    [['--mux', 'x', '--apn', 'internet'], 'got "x"'],
    [['--mux', '1', '--apn', 'a'.repeat(101)], 'is 101 bytes'],
    [['--mux', '1', '--apn', 'inter\u0007net'], 'control character (U+0007)'],
    [['--mux', '1', '--apn', 'internet', '--ip-type', '5'], '--ip-type must be 4, 6 or 4v6'],
    [['--mux', '1', '--apn', 'internet', '--auth', 'chap'], '--auth chap needs --user'],
    [['--mux', '1', '--apn', 'internet', '--backend', 'qmi'], '--backend must be auto, qmimux or rmnet'],
  ])('up %j', async (args, message) => {
    const result = await cli('up', ...args, ...common, '--json');
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain(message);
    expect(JSON.parse(result.stdout).error.exitCode).toBe(ExitCode.usage);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('refuses a password on the command line without ever printing it', async () => {
    const result = await cli('up', '--mux', '1', '--apn', 'internet', '--auth', 'pap', '--user', 'u', '--password', 'hunter2-secret', ...common, '--json');
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('--password-file');
    expect(result.stdout + result.stderr).not.toContain('hunter2-secret');
  });

  it('refuses a password file others can read', async () => {
    const file = join(stateDir, '..', `rmnetctl-pw-${process.pid}`);
    writeFileSync(file, 'hunter2-secret\n');
    chmodSync(file, 0o644);
    const result = await cli('up', '--mux', '1', '--apn', 'internet', '--auth', 'chap', '--user', 'u', '--password-file', file, ...common);
    rmSync(file);
    expect(result.code).toBe(ExitCode.permission);
    expect(result.stderr).toContain('chmod 600');
    expect(result.stderr).not.toContain('hunter2-secret');
  });

  it('names the unknown modem and lists the known ones', async () => {
    const result = await cli('up', '--mux', '1', '--apn', 'internet', '-d', '/dev/cdc-wdm9', ...common);
    expect(result.code).toBe(ExitCode.notFound);
    expect(result.stderr).toContain('no modem matches "/dev/cdc-wdm9"');
    expect(result.stderr).toContain('/dev/cdc-wdm0 wwan0');
    expect(readdirSync(stateDir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('refuses to run as a user other than root, for up, down and run, touching nothing', async () => {
    // The process's effective uid as a non-root user sees it (running the checkout as "nobody" would depend
    // on where CI clones it: a 0700 temporary directory is not traversable by nobody).
    const euid = vi.spyOn(process, 'geteuid').mockReturnValue(65534);
    const config = join(stateDir, 'ok.conf');
    writeFileSync(config, '[pdn]\nmux = 1\napn = internet\n');
    try {
      for (const args of [['up', '--mux', '1', '--apn', 'internet', ...common], ['down', '--all', ...common], ['run', 'ok', '--config', config]]) {
        const result = await cli(...args);
        expect(result.stderr).toContain('run it as root');
        expect(result.code).toBe(ExitCode.permission);
      }
    } finally {
      euid.mockRestore();
      rmSync(config);
    }
    expect(readdirSync(stateDir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});

describe('rmnetctl down / run: bad input', () => {
  it('down needs exactly one of --mux and --all', async () => {
    expect((await cli('down', ...common)).code).toBe(ExitCode.usage);
    expect((await cli('down', '--mux', '1', '--all', ...common)).stderr).toContain('exactly one of LINK, --mux N or --all');
    expect((await cli('down', '--mux', '300', ...common)).code).toBe(ExitCode.usage);
  });

  it('run names a missing config file and a bad config line', async () => {
    const missing = await cli('run', 'nope', '--config', join(stateDir, 'missing.conf'));
    expect(missing.code).toBe(ExitCode.usage); // BAD_CONFIG is 2, as documented (issue 15: it was 3)
    expect(missing.stderr).toContain('missing.conf');
    const bad = join(stateDir, 'bad.conf');
    writeFileSync(bad, '[pdn]\nmux = 1\napn = internet\npassword = hunter2-secret\n');
    const result = await cli('run', 'bad', '--config', bad);
    rmSync(bad);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('bad.conf:4: passwords do not go in the config');
    expect(result.stderr).not.toContain('hunter2-secret');
    expect((await cli('run', '../etc/passwd')).code).toBe(ExitCode.usage);
  });

  // Issue 10: a config root reads must be root's and writable by nobody else, as sshd requires of its own.
  it('run refuses a config file writable by group or others, or not owned by root, naming file and mode', async () => {
    const loose = join(stateDir, 'loose.conf');
    writeFileSync(loose, '[pdn]\nmux = 1\napn = internet\n');
    chmodSync(loose, 0o666);
    const writable = await cli('run', 'loose', '--config', loose);
    expect(writable.code).toBe(ExitCode.permission);
    expect(writable.stderr).toContain(`${loose} is writable by group or others (mode 666): chmod 644 ${loose}`);
    chmodSync(loose, 0o644);
    chownSync(loose, 65534, 65534);
    const foreign = await cli('run', 'loose', '--config', loose);
    rmSync(loose);
    expect(foreign.code).toBe(ExitCode.permission);
    expect(foreign.stderr).toContain(`${loose} is owned by uid 65534, not root`);
  });
});
