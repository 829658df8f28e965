// `rmnetctl status` through the real CLI when the modem cannot be asked (issue 10): the record and the
// kernel are still reported, exit 0, and each recorded session's modem state is null with the reason
// beside it (the JSON keeps every key). This host has no /dev/cdc-wdm0, which the recorded tree names.
// A modem that answers but refuses the question: test/unit/session/refusing-firmware.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../support/cli.js';
import { StateStore, type ModemRecord } from '../../src/session/state.js';

const fixture = fileURLToPath(new URL('../fixtures/sysfs/rawip/sys', import.meta.url));
const stateDir = mkdtempSync(join(tmpdir(), 'rmnetctl-status-'));
const common = ['--state-dir', stateDir, '--sysfs-root', fixture, '--no-proxy'];
const NOT_ASKED = 'not asked: cannot open /dev/cdc-wdm0';

beforeAll(() => {
  const record: ModemRecord = {
    version: 1,
    device: '/dev/cdc-wdm0',
    netInterface: 'wwan0',
    pdns: [
      {
        request: { muxId: 3, apn: 'internet', ipType: '4v6', auth: 'none', backend: 'auto', noIp: false, routeMetric: 102 },
        state: 'up',
        backend: 'rmnet',
        link: { name: 'wwan0.3', ifindex: 40, created: true },
        clients: [{ family: 4, clientId: 7, packetDataHandle: 1 }, { family: 6, clientId: 8, packetDataHandle: 2 }],
        addresses: [],
        routes: [],
        dns: [],
        startedAt: new Date(0).toISOString(),
      },
    ],
  };
  new StateStore(stateDir).write('cdc-wdm0', record);
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

// On a host with a real modem at that path the premise does not hold.
describe.skipIf(existsSync('/dev/cdc-wdm0'))('rmnetctl status, modem not reachable', () => {
  it('--json: every key present, the session states null with the reason, the kernel side as the kernel says', async () => {
    const result = await cli('status', ...common, '--json');
    expect(result.code, result.stderr).toBe(0);
    const [modem] = JSON.parse(result.stdout).modems;
    expect(Object.keys(modem)).toEqual(['device', 'parent', 'dataFormat', 'kernelMode', 'radio', 'radioUnavailable', 'muxes', 'peers', 'warnings', 'health']);
    expect(modem.radio).toBeNull();
    expect(modem.radioUnavailable).toBe('not asked: cannot open /dev/cdc-wdm0');
    expect(modem.health).toBeNull(); // no rmnetctl run for this modem
    expect(Object.keys(modem.peers)).toEqual(['modemManager', 'portHolders', 'modemManagerBearer']);
    expect(modem.peers.modemManagerBearer).toBeNull(); // the recorded tree's wwan0 has no link rmnetctl does not know
    expect(modem).toMatchObject({ device: '/dev/cdc-wdm0', parent: 'wwan0', kernelMode: { rawIp: true, passThrough: false } });
    expect(modem.warnings).toEqual([expect.stringMatching(/^cannot ask the modem at \/dev\/cdc-wdm0: .*\/dev\/cdc-wdm0/)]);
    const [mux] = modem.muxes;
    expect(Object.keys(mux)).toEqual(['muxId', 'link', 'backend', 'recorded', 'kernel', 'addresses', 'modem', 'disagreements']);
    expect(mux).toMatchObject({ muxId: 3, link: 'wwan0.3', recorded: { apn: 'internet', ipType: '4v6', state: 'up' }, kernel: { present: false } });
    expect(mux.modem).toEqual([
      { family: 4, clientId: 7, status: null, unavailable: { status: NOT_ASKED } },
      { family: 6, clientId: 8, status: null, unavailable: { status: NOT_ASKED } },
    ]);
    // The kernel disagrees with the record; the modem's silence is no disagreement.
    expect(mux.disagreements).toEqual(['recorded, but the kernel has no link with mux id 3']);
  });

  it('prints the states as unavailable, with the reason below the table', async () => {
    const result = await cli('status', ...common);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\s+3\s+wwan0\.3\s+rmnet\s+absent\s+internet \(up\)\s+v4 unavailable, v6 unavailable\s/m);
    expect(result.stdout).toContain(`  - mux 3: IPv4 session state unavailable (${NOT_ASKED})`);
    expect(result.stdout).toContain(`  - mux 3: IPv6 session state unavailable (${NOT_ASKED})`);
    expect(result.stdout).toContain('  ! mux 3: recorded, but the kernel has no link with mux id 3');
  });

  it('--check prints the same result and exits 10 (conflict) because something is not as recorded (issue 15)', async () => {
    const plain = await cli('status', ...common, '--json');
    const checked = await cli('status', ...common, '--json', '--check');
    expect(checked.code).toBe(10);
    expect(JSON.parse(checked.stdout)).toEqual(JSON.parse(plain.stdout)); // one document, no error document
  });

  it('-br (as ip -br): one line per mux link; LINK and --mux filter (issue 16)', async () => {
    const brief = await cli('status', '-br', ...common);
    expect(brief.code, brief.stderr).toBe(0);
    expect(brief.stdout.trim()).toMatch(/^wwan0\.3\s+ABSENT\s+mux 3\s+rmnet\s+v4 unavailable,v6 unavailable\s+- !$/);
    expect(JSON.parse((await cli('status', 'wwan0.3', ...common, '--json')).stdout).modems[0].muxes.map((x: { muxId: number }) => x.muxId)).toEqual([3]);
    expect(JSON.parse((await cli('status', '--mux', '4', ...common, '--json')).stdout).modems).toEqual([]);
    expect((await cli('status', '--mux', '0x3', ...common)).code).toBe(2);
  });
});

