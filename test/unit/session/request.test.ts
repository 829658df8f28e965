import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPdnRequest, checkRequest, parseApn, parseIpType, parseIfname, readSecret, settingsDiffer, type PdnRequest } from '../../../src/session/request.js';
import { parseConfig } from '../../../src/session/config.js';
import { thrown } from '../../support/rejection.js';
import { RmnetError } from '../../../src/errors.js';
import { ExitCode, exitCodeOf } from '../../../src/cli/exit-codes.js';

const errorOf = (fn: () => unknown) => thrown(fn, RmnetError);

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'rmnetctl-request-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: PdnRequest = { muxId: 1, apn: 'internet', ipType: '4', auth: 'none', backend: 'auto', noIp: false };

describe('PDN request validation', () => {
  it('a [pdn] takes profile = N instead of apn, and names the line when both or neither are there', () => {
    expect(parseConfig(['[pdn]', 'mux = 2', 'profile = 3'].join('\n'), 'lte.conf').pdns[0]).toMatchObject({ muxId: 2, apn: '', profile: 3 });
    expect(errorOf(() => parseConfig(['[pdn]', 'mux = 2'].join('\n'), 'lte.conf')).message).toBe('lte.conf:1: [pdn] needs apn = NAME or profile = N');
    expect(errorOf(() => parseConfig(['[pdn]', 'mux = 2', 'apn = x', 'profile = 3'].join('\n'), 'lte.conf')).message).toMatch(/^lte\.conf:\d: apn and profile both name the APN: give one$/);
  });

  it('[modem] timeout = MS bounds every request of `run` as up --timeout does (100..600000), and names the line', () => {
    expect(parseConfig(['[modem]', 'timeout = 30000', '[pdn]', 'mux = 1', 'apn = internet'].join('\n'), 'lte.conf').modem.timeoutMs).toBe(30000);
    expect(parseConfig(['[pdn]', 'mux = 1', 'apn = internet'].join('\n'), 'lte.conf').modem.timeoutMs).toBeUndefined();
    expect(errorOf(() => parseConfig(['[modem]', 'timeout = 50', '[pdn]', 'mux = 1', 'apn = internet'].join('\n'), 'lte.conf')).message).toBe('lte.conf:2: timeout must be an integer in 100..600000, got "50"');
  });

  it('takes exactly one of --apn and --profile; a profile is an index 1..255 (issue 16)', () => {
    expect(buildPdnRequest({ mux: '1', profile: '3' })).toMatchObject({ apn: '', profile: 3 });
    expect(errorOf(() => buildPdnRequest({ mux: '1', apn: 'internet', profile: '3' })).message).toBe('--apn and --profile both name the APN: give one');
    expect(errorOf(() => buildPdnRequest({ mux: '1' })).message).toBe('--apn NAME or --profile N is required (--apn "" leaves the APN to the network)');
    for (const bad of ['0', '256', '0x3', ' 3']) expect(errorOf(() => buildPdnRequest({ mux: '1', profile: bad })).message).toContain('--profile must be a profile index 1..255');
    expect(settingsDiffer({ request: { ...base, apn: '', profile: 3 }, backend: 'rmnet' }, { ...base, apn: '', profile: 4 })).toEqual(['profile 3 vs 4']);
  });

  it('refuses an APN over 100 bytes and names its length', () => {
    const longest = `${'a'.repeat(63)}.${'b'.repeat(36)}`; // labels are at most 63 (TS 23.003), the APN 100
    expect(parseApn(longest)).toHaveLength(100);
    expect(errorOf(() => parseApn(`${longest}c`)).message).toContain('101 bytes');
  });

  // Issue 15: a space was refused as "not printable ASCII"; ".." and a leading dot were accepted.
  it('follows TS 23.003 label rules for APNs and says which rule failed', () => {
    for (const apn of ['internet', 'fast.t-mobile.com', 'web.vodafone.de', 'VZWINTERNET', 'three.co.uk', '']) expect(parseApn(apn)).toBe(apn);
    expect(errorOf(() => parseApn('my apn')).message).toBe('--apn label 1 ("my apn") has a space; labels are letters, digits and \'-\' only (TS 23.003 9.1)');
    expect(errorOf(() => parseApn('a..b')).message).toMatch(/empty label/);
    expect(errorOf(() => parseApn('.internet')).message).toMatch(/empty label/);
    expect(errorOf(() => parseApn('internet.')).message).toMatch(/empty label/);
    expect(errorOf(() => parseApn('m2m_data')).message).toMatch(/label 1 \("m2m_data"\) has "_"/);
    expect(errorOf(() => parseApn('-internet')).message).toMatch(/begins or ends with '-'/);
    expect(errorOf(() => parseApn('x'.repeat(64))).message).toMatch(/64 characters; a label is at most 63/);
  });

  it('refuses control characters in the APN and says where', () => {
    const error = errorOf(() => parseApn('inter\nnet'));
    expect(error.message).toMatch(/control character \(U\+000a\) at position 6/);
  });

  it('refuses unknown ip types and interface names', () => {
    expect(errorOf(() => parseIpType('ipv4')).message).toContain('4, 6 or 4v6');
    expect(errorOf(() => parseIfname('a'.repeat(16))).message).toContain('not a valid interface name');
    expect(errorOf(() => parseIfname('a/b')).code).toBe('BAD_ARGUMENT');
    // Issue 10: a name helper programs would read as an option.
    expect(errorOf(() => parseIfname('-rf')).message).toContain("starts with '-'");
  });

  it('needs a user and a root-only password file for pap/chap', () => {
    expect(errorOf(() => checkRequest({ ...base, auth: 'chap' })).message).toContain('--user');
    const loose = join(dir, 'loose');
    writeFileSync(loose, 'secret\n');
    chmodSync(loose, 0o644);
    const error = errorOf(() => checkRequest({ ...base, auth: 'chap', user: 'u', passwordFile: loose }));
    expect(error.code).toBe('INSECURE_SECRET');
    expect(error.message).toContain('chmod 600');
    const tight = join(dir, 'tight');
    writeFileSync(tight, 's3cret\nignored');
    chmodSync(tight, 0o600);
    expect(checkRequest({ ...base, auth: 'chap', user: 'u', passwordFile: tight }).passwordFile).toBe(tight);
    expect(readSecret(tight)).toBe('s3cret');
  });

  it('compares settings for the idempotent up', () => {
    const live = { request: base, backend: 'rmnet', link: { name: 'wwan0.1' } };
    expect(settingsDiffer(live, { ...base, backend: 'rmnet' })).toEqual([]);
    expect(settingsDiffer(live, { ...base, apn: 'ims' })).toEqual(['APN "internet" vs "ims"']);
  });

  it('counts every field that changes the result: the interface name and an explicit backend too', () => {
    const live = { request: base, backend: 'rmnet', link: { name: 'wwan0.1' } };
    expect(settingsDiffer(live, { ...base, ifname: 'other' })).toEqual(['interface "wwan0.1" vs "other"']);
    expect(settingsDiffer(live, { ...base, ifname: 'wwan0.1' })).toEqual([]);
    expect(settingsDiffer(live, { ...base, backend: 'qmimux' })).toEqual(['backend "rmnet" vs "qmimux"']);
    expect(settingsDiffer(live, { ...base, routeMetric: 7 })).toEqual(['default route metric null vs 7']);
    expect(settingsDiffer(live, { ...base, ipType: '4v6' })).toHaveLength(1);
  });
});

describe('service config', () => {
  it('parses a modem and two PDNs', () => {
    const config = parseConfig(
      ['# lte uplink', '[modem]', 'device = /dev/cdc-wdm0', 'backend = rmnet', '', '[pdn]', 'mux = 1', 'apn = internet', 'ip-type = 4v6', 'metric = 100', '[pdn]', 'mux = 2', 'apn = "ims"', 'no-ip = yes'].join('\n'),
      'lte.conf',
    );
    expect(config.modem).toEqual({ device: '/dev/cdc-wdm0', backend: 'rmnet', proxy: 'auto' });
    expect(config.pdns.map((p) => [p.muxId, p.apn, p.ipType, p.noIp, p.routeMetric, p.backend])).toEqual([
      [1, 'internet', '4v6', false, 100, 'rmnet'],
      [2, 'ims', '4', true, undefined, 'rmnet'],
    ]);
  });

  it.each([
    ['[pdn]\nmux = 1\napn = a\npassword = x', 'lte.conf:4: passwords do not go in the config'],
    ['[pdn]\nmux = 0\napn = a', 'lte.conf:2: mux must be an integer in 1..254'],
    ['[pdn]\nmux = 1\napn = a\n[pdn]\nmux = 1\napn = b', 'lte.conf:4: mux 1 is already used'],
    ['[pdn]\napn = a', 'lte.conf:1: [pdn] needs mux'],
    ['[modem]\ndevice = x', 'no [pdn] section'],
    ['[pdn]\nmux = 1\napn = a\ncolour = red', 'unknown key "colour"'],
    ['mux = 1', 'a key before any'],
    // Issue 15: an unterminated quote was kept in the value; two PDNs on one ifname were accepted.
    ['[pdn]\nmux = 1\napn = "ims', 'lte.conf:3: unterminated quote in the value of "apn"'],
    ['[pdn]\nmux = 1\napn = a\nifname = lte0\n[pdn]\nmux = 2\napn = b\nifname = lte0', 'lte.conf:8: ifname lte0 is already the link of the [pdn] at line 4'],
  ])('names file and line for bad config %#', (text, message) => {
    const error = errorOf(() => parseConfig(text, 'lte.conf'));
    expect(error.code).toBe('BAD_CONFIG');
    expect(error.message).toContain(message);
  });
});

describe('one request model for the command line and the config file', () => {
  const cli = (input: Partial<Parameters<typeof buildPdnRequest>[0]>) => buildPdnRequest({ mux: '3', apn: 'internet', ...input });
  const conf = (lines: string[]) => parseConfig(['[pdn]', 'mux = 3', 'apn = internet', ...lines].join('\n'), 'lte.conf').pdns[0];

  it('gives both the same defaults: a default route at metric 100 + mux id - 1', () => {
    expect(cli({})).toEqual(conf([]));
    expect(cli({}).routeMetric).toBe(102);
    expect(cli({ defaultRoute: false })).toEqual(conf(['default-route = no']));
    expect(cli({ ip: false })).toEqual(conf(['no-ip = yes']));
    expect(cli({ metric: '7', ipType: '4v6' })).toEqual(conf(['metric = 7', 'ip-type = 4v6']));
    expect(cli({ ip: false }).routeMetric).toBeUndefined();
  });

  it('refuses a metric together with no default route, naming both in the words of each source', () => {
    expect(errorOf(() => cli({ metric: '7', defaultRoute: false })).message).toMatch(/--metric .*--no-default-route/);
    const error = errorOf(() => conf(['metric = 7', 'default-route = no']));
    expect(error.code).toBe('BAD_CONFIG');
    expect(error.message).toMatch(/lte\.conf:4: metric .*default-route/);
  });

  it('accepts spaces inside a section header, as INI files do', () => {
    expect(parseConfig('[ pdn ]\nmux = 1\napn = a', 'lte.conf').pdns[0]!.muxId).toBe(1);
  });

  it('names the config line of the key that was wrong', () => {
    expect(errorOf(() => conf(['', 'ip-type = 5'])).message).toMatch(/^lte\.conf:5: ip-type must be 4, 6 or 4v6/);
    expect(errorOf(() => conf(['auth = chap'])).message).toMatch(/^lte\.conf:4: auth chap needs user/);
  });
});

describe('password files, held to what sshd holds its keys to (issues 10 and 16)', () => {
  const request = (passwordFile: string) => ({ mux: '1', apn: 'internet', auth: 'chap', user: 'u', passwordFile });
  const file = (name: string, content: string, mode = 0o600) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };

  it('refuses a FIFO at once instead of blocking on it', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    const started = Date.now();
    const error = errorOf(() => buildPdnRequest(request(fifo)));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toMatchObject({ code: 'BAD_ARGUMENT', category: 'usage', message: expect.stringContaining('is a FIFO') });
  });

  it('refuses a directory, a symlink, an empty file and a file not owned by root, each saying why', () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub, { mode: 0o700 });
    expect(errorOf(() => buildPdnRequest(request(sub)))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('is a directory') });
    const target = file('target', 'secret\n');
    const link = join(dir, 'link');
    symlinkSync(target, link);
    expect(errorOf(() => buildPdnRequest(request(link)))).toMatchObject({ code: 'INSECURE_SECRET', category: 'permission', message: expect.stringContaining('symbolic link') });
    expect(errorOf(() => buildPdnRequest(request(file('empty', ''))))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('is empty') });
    const foreign = file('foreign', 'secret\n');
    chownSync(foreign, 65534, 65534);
    expect(errorOf(() => buildPdnRequest(request(foreign)))).toMatchObject({ code: 'INSECURE_SECRET', message: expect.stringContaining('owned by uid 65534, not root: chown root:root') });
    expect(buildPdnRequest(request(target)).passwordFile).toBe(target);
  });

  // Issue 15: an insecure password file gave 2 through a config and 5 on the command line.
  it('refuses an insecure password file the same way through a config (INSECURE_SECRET, file and line)', () => {
    const loose = file('loose-conf', 'secret\n', 0o640);
    const error = errorOf(() => parseConfig(`[pdn]\nmux = 1\napn = a\nauth = pap\nuser = u\npassword-file = ${loose}\n`, 'lte.conf'));
    expect(error).toMatchObject({ code: 'INSECURE_SECRET', category: 'permission', message: expect.stringMatching(/^lte\.conf:6: password file .* chmod 600/) });
  });

  it('refuses a socket as a usage error, not an internal one', async () => {
    const path = join(dir, 'sock');
    const server = createServer().listen(path);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      expect(errorOf(() => buildPdnRequest(request(path)))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('socket') });
    } finally {
      server.close();
    }
  });
});

describe('usage errors found before anything is touched (issue 16)', () => {
  it('refuses --ifname with --backend qmimux while building the request', () => {
    expect(errorOf(() => buildPdnRequest({ mux: '1', apn: 'x', backend: 'qmimux', ifname: 'foo' }))).toMatchObject({ code: 'BAD_ARGUMENT', category: 'usage', message: expect.stringMatching(/--ifname names rmnet links; qmimux links are named by the kernel/) });
    expect(buildPdnRequest({ mux: '1', apn: 'x', backend: 'rmnet', ifname: 'foo' }).ifname).toBe('foo');
  });
});
