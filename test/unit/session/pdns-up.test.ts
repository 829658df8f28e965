// What `format set` warns about: the PDNs its record holds and the mux links the kernel shows on the
// modem's parent (issue 15), read from a recorded sysfs tree and a state directory.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSysfs } from '../../../src/sysfs/sysfs.js';
import { discoverModems } from '../../../src/sysfs/discovery.js';
import { formatChangeWarnings, pdnsUpOn } from '../../../src/session/pdns-up.js';
import { StateStore, type ModemRecord } from '../../../src/session/state.js';
import { buildPdnRequest } from '../../../src/session/request.js';

const tree = (name: string) => new FileSysfs(fileURLToPath(new URL(`../../fixtures/sysfs/${name}/sys`, import.meta.url)));
const stateDir = mkdtempSync(join(tmpdir(), 'rmnetctl-pdns-up-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('pdnsUpOn', () => {
  it('finds nothing on a parent without mux links and without a record', async () => {
    const sysfs = tree('rawip');
    const [modem] = await discoverModems(sysfs);
    expect(await pdnsUpOn({ sysfs, netlink: null, stateDir }, modem!)).toEqual([]);
  });

  it('lists the kernel\'s qmimux links and the recorded PDNs, each once, by mux id', async () => {
    const sysfs = tree('qmimux');
    const [modem] = await discoverModems(sysfs);
    const record: ModemRecord = {
      version: 1,
      device: '/dev/cdc-wdm0',
      netInterface: 'wwan0',
      pdns: [
        { request: buildPdnRequest({ mux: '5', apn: 'internet' }), state: 'up', backend: 'qmimux', link: { name: 'qmimux1', ifindex: 9, created: true }, clients: [], addresses: [], routes: [], dns: [], startedAt: '2026-01-01T00:00:00Z' },
        { request: buildPdnRequest({ mux: '7', apn: 'ims' }), state: 'starting', backend: 'qmimux', clients: [], addresses: [], routes: [], dns: [], startedAt: '2026-01-01T00:00:00Z' },
      ],
    };
    new StateStore(stateDir).write('cdc-wdm0', record);
    const up = await pdnsUpOn({ sysfs, netlink: null, stateDir }, modem!);
    expect(up).toEqual([
      { muxId: 1, link: 'qmimux0', recorded: false, inKernel: true },
      { muxId: 5, link: 'qmimux1', recorded: true, inKernel: true },
      { muxId: 7, link: null, recorded: true, inKernel: false },
    ]);
    const warnings = formatChangeWarnings('/dev/cdc-wdm0', up);
    expect(warnings).toHaveLength(3);
    expect(warnings[1]).toBe('mux 5 (qmimux1) is up on /dev/cdc-wdm0 (recorded, in the kernel): a new data format breaks its traffic; take it down first (rmnetctl down --mux 5) or bring it up again afterwards');
  });
});
