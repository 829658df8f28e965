// Who else uses the modem (src/session/peers.ts), over a fake /proc and the test kernel model: ModemManager,
// the port's holders, ModemManager's own bearer read from kernel truth, and `up` refusing beside that bearer
// before the modem or the kernel is touched.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findModemManager, findPeers } from '../../../src/session/peers.js';
import { up } from '../../../src/session/up.js';
import { status } from '../../../src/session/status.js';
import { renderStatus } from '../../../src/cli/commands/status.js';
import { exitCodeOf, ExitCode } from '../../../src/cli/exit-codes.js';
import type { PdnRequest } from '../../../src/session/request.js';
import { RmnetError } from '../../../src/errors.js';
import { parseIpv4 } from '../../../src/ip-address.js';
import { FakeProc } from '../../support/fake-proc.js';
import { rejection } from '../../support/rejection.js';
import { makeRig, type Rig } from './rig.js';

const request = (overrides: Partial<PdnRequest> = {}): PdnRequest => ({ muxId: 1, apn: 'internet', ipType: '4', auth: 'none', backend: 'auto', noIp: false, routeMetric: 100, ...overrides });
const options = { proxy: 'no' as const };
const MM_PID = 812;
const PROXY_PID = 840;

let rig: Rig;
beforeEach(() => (rig = makeRig()));
afterEach(() => rig.cleanup());

/** ModemManager as it runs on Debian: it talks to the modem through qmi-proxy, which holds the port. */
function modemManagerRuns(): void {
  rig.proc.add(MM_PID, 'ModemManager', ['/dev/null', 'socket:[1234]']);
  rig.proc.add(PROXY_PID, 'qmi-proxy', ['/dev/null', '/dev/cdc-wdm0', 'socket:[1240]']);
}

/** What ModemManager's multiplexed bearer leaves in the kernel: an rmnet link on wwan0, up. */
function modemManagerMuxBearer(name = 'qmapmux0.0', muxId = 1): void {
  const parent = rig.model.get('wwan0');
  rig.model.setUp(parent, true);
  rig.model.createLink({ name, kind: 'rmnet', parentIndex: parent.index, muxId, up: true });
}

describe('findPeers', () => {
  let proc: FakeProc;
  beforeEach(() => (proc = new FakeProc()));
  afterEach(() => proc.cleanup());

  it('finds ModemManager by its name and the holders of the control port by their descriptors', async () => {
    proc.add(1, 'init', ['/dev/console']);
    proc.add(MM_PID, 'ModemManager', ['socket:[1]']);
    proc.add(PROXY_PID, 'qmi-proxy', ['/dev/null', '/dev/cdc-wdm0']);
    proc.add(900, 'qmicli', ['/dev/cdc-wdm1']); // another modem's port
    proc.add(901, 'ModemManagerX', ['/dev/cdc-wdm0x']); // neither the name nor the path
    expect(await findPeers(proc.root, '/dev/cdc-wdm0', 0)).toEqual({
      modemManager: { pid: MM_PID, name: 'ModemManager' },
      portHolders: [{ pid: PROXY_PID, name: 'qmi-proxy' }],
    });
  });

  it('findModemManager: the ModemManager process alone (run\'s log lines), undefined without one', async () => {
    proc.add(901, 'ModemManagerX');
    expect(await findModemManager(proc.root, 0)).toBeUndefined();
    proc.add(MM_PID, 'ModemManager', ['socket:[1]']);
    expect(await findModemManager(proc.root, 0)).toEqual({ pid: MM_PID, name: 'ModemManager' });
  });

  it('leaves out this process, and processes that exited half-way through the walk (no comm)', async () => {
    proc.add(700, 'node', ['/dev/cdc-wdm0']);
    proc.add(701, 'gone', ['/dev/cdc-wdm0']);
    proc.remove(701);
    proc.add(702, 'qmicli', ['/dev/cdc-wdm0']);
    expect(await findPeers(proc.root, '/dev/cdc-wdm0', 700)).toEqual({ modemManager: undefined, portHolders: [{ pid: 702, name: 'qmicli' }] });
  });

  it('reads no peers from a missing proc root (no /proc mounted)', async () => {
    expect(await findPeers(`${proc.root}/absent`, '/dev/cdc-wdm0')).toEqual({ modemManager: undefined, portHolders: [] });
  });
});

describe('up beside ModemManager', () => {
  it("refuses beside ModemManager's multiplexed bearer, naming its pid, its link and what to do, and touches nothing", async () => {
    modemManagerRuns();
    modemManagerMuxBearer();
    const stepsBefore = rig.model.log.length;
    const error = await rejection(up(rig.env, request({ muxId: 2 }), options), RmnetError);
    expect(error.code).toBe('MODEM_MANAGER_BEARER');
    expect(exitCodeOf(error)).toBe(ExitCode.conflict);
    expect(error.message).toContain(`ModemManager (pid ${MM_PID})`);
    expect(error.message).toContain('link qmapmux0.0');
    expect(error.message).toContain('mmcli -m any --simple-disconnect');
    expect(error.details).toMatchObject({ device: '/dev/cdc-wdm0', parent: 'wwan0', pid: MM_PID, links: ['qmapmux0.0'], addresses: [] });
    expect(rig.model.log.length).toBe(stepsBefore); // no kernel step
    expect(rig.modem.received).toEqual([]); // no QMI message
    expect(rig.env.store.list()).toEqual([]); // no record
    expect(rig.model.byName('qmapmux0.0')).toBeDefined();
  });

  it('refuses beside a bearer without multiplexing: the parent up with a global address rmnetctl did not put there', async () => {
    modemManagerRuns();
    const parent = rig.model.get('wwan0');
    rig.model.setUp(parent, true);
    rig.model.addAddress({ index: parent.index, family: 4, bytes: parseIpv4('10.64.12.7')!, prefixLength: 30, flags: 0 });
    const error = await rejection(up(rig.env, request(), options), RmnetError);
    expect(error.code).toBe('MODEM_MANAGER_BEARER');
    expect(error.message).toContain('address 10.64.12.7/30 on wwan0');
    expect(rig.modem.received).toEqual([]);
  });

  it('goes ahead beside a registered ModemManager without a bearer, and logs who else is there', async () => {
    modemManagerRuns();
    const result = await up(rig.env, request(), options);
    expect(result.link).toBeDefined();
    expect(rig.log).toContain(`ModemManager runs (pid ${MM_PID}); /dev/cdc-wdm0 is held by qmi-proxy (pid ${PROXY_PID})`);
  });

  it("does not take rmnetctl's own links for ModemManager's: a second up beside ModemManager works", async () => {
    modemManagerRuns();
    await up(rig.env, request(), options);
    const second = await up(rig.env, request({ muxId: 2, routeMetric: 101 }), options);
    expect(second.muxId).toBe(2);
  });

  it("without ModemManager, a link of someone else is not called ModemManager's (the kernel steps' own checks answer)", async () => {
    modemManagerMuxBearer('foreign0', 1);
    const taken = await rejection(up(rig.env, request({ muxId: 1 }), options), RmnetError);
    expect(taken.code).toBe('MUX_IN_USE');
    const beside = await rejection(up(rig.env, request({ muxId: 2, routeMetric: 101 }), options), RmnetError);
    expect(beside.code).not.toBe('MODEM_MANAGER_BEARER');
  });
});

describe('status beside ModemManager', () => {
  it("names ModemManager, the port's holder and ModemManager's bearer, and marks its link as ModemManager's", async () => {
    modemManagerRuns();
    modemManagerMuxBearer();
    const [modem] = await status(rig.env, { proxy: 'no' });
    expect(modem?.peers).toEqual({
      modemManager: { pid: MM_PID, name: 'ModemManager' },
      portHolders: [{ pid: PROXY_PID, name: 'qmi-proxy' }],
      modemManagerBearer: { links: ['qmapmux0.0'], addresses: [] },
    });
    expect(modem?.warnings).toContain(`ModemManager (pid ${MM_PID}) has its own bearer on this modem: link qmapmux0.0`);
    expect(modem?.muxes[0]?.disagreements).toEqual([`the kernel has qmapmux0.0 for mux 1, but rmnetctl did not record it (ModemManager's bearer, pid ${MM_PID})`]);
    expect(renderStatus([modem!])).toContain(`ModemManager runs (pid ${MM_PID}); /dev/cdc-wdm0 is held by qmi-proxy (pid ${PROXY_PID})`);
  });

  it('says when the parent\'s mode changed under live rmnet links (ModemManager re-opening the port resets pass_through)', async () => {
    modemManagerRuns();
    await up(rig.env, request(), options);
    expect((await status(rig.env, { proxy: 'no' }))[0]?.warnings).toEqual([]);
    rig.model.setPassThrough(rig.model.get('wwan0'), false);
    const [modem] = await status(rig.env, { proxy: 'no' });
    expect(modem?.warnings).toEqual([expect.stringContaining(`wwan0: pass_through is N, but the recorded rmnet links need raw_ip Y and pass_through Y: the kernel mode changed under them (ModemManager, pid ${MM_PID}, may have reset it)`)]);
  });

  it('reports no peers on a machine without them', async () => {
    const [modem] = await status(rig.env, { proxy: 'no' });
    expect(modem?.peers).toEqual({ modemManager: null, portHolders: [], modemManagerBearer: null });
  });
});
