// A PCIe/MHI modem end to end on the kernel doubles: the synthesized MHI tree (test/fixtures/sysfs/mhi, values
// from the kernel's mhi_net.c, mhi_wwan_ctrl.c and pci_generic.c: /dev/wwan0qmi0, mhi_hwip0 always raw IP, no
// qmi/ group, MTU 16384, max_mtu 65535) in the kernel model, the emulated modem behind the control port. No
// emulator can attach a PCIe modem, so this is the only place `up`, `status` and `down` run on one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { up } from '../../../src/session/up.js';
import { down } from '../../../src/session/down.js';
import { status } from '../../../src/session/status.js';
import { discoverModems } from '../../../src/sysfs/discovery.js';
import { collectEvidence } from '../../../src/doctor/evidence.js';
import { runChecks } from '../../../src/doctor/checks.js';
import type { PdnRequest } from '../../../src/session/request.js';
import { RmnetError } from '../../../src/errors.js';
import { rejection } from '../../support/rejection.js';
import { makeRig, type Rig } from './rig.js';

const failure = (promise: Promise<unknown>) => rejection(promise, RmnetError);
const request = (overrides: Partial<PdnRequest> = {}): PdnRequest => ({ muxId: 1, apn: 'internet', ipType: '4', auth: 'none', backend: 'auto', noIp: false, routeMetric: 100 + (overrides.muxId ?? 1) - 1, ...overrides });
const options = { proxy: 'no' as const };

/** The endpoint TLV (u32 type, u32 interface number) of every request `messageId` of `service` the modem received. */
function endpointsOnTheWire(rig: Rig, service: number, messageId: number, tlv: number): Array<[number, number]> {
  return rig.modem.received
    .filter((f) => f.service === service && f.messageId === messageId)
    .map((f) => {
      const value = f.tlvs.find((t) => t.type === tlv)?.value;
      if (!value) return [-1, -1] as [number, number];
      const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
      return [view.getUint32(0, true), view.getUint32(4, true)] as [number, number];
    });
}
const WDA = 0x1a;
const WDS = 0x01;

let rig: Rig;
beforeEach(() => {
  rig = makeRig('mhi');
  // mhi_net_setup: min_mtu ETH_MIN_MTU (68); max_mtu 65535 comes from fixture-info's ip -d link block.
  rig.model.get('mhi_hwip0').minMtu = 68;
});
afterEach(() => rig.cleanup());

describe('the synthesized MHI tree in the kernel model', () => {
  it('holds mhi_net\'s values: raw IP (519), POINTOPOINT|NOARP, MTU 16384, max_mtu 65535, no qmi/ group', async () => {
    const parent = await rig.netlink.getLink('mhi_hwip0');
    expect(parent).toMatchObject({ mtu: 16384, maxMtu: 65535, up: false });
    expect(await rig.sysfs.read('class/net/mhi_hwip0/type')).toBe('519');
    expect(await rig.sysfs.read('class/net/mhi_hwip0/flags')).toBe('0x90');
    await expect(rig.sysfs.read('class/net/mhi_hwip0/qmi/raw_ip')).rejects.toMatchObject({ code: 'ENOENT' });
    const [modem] = await discoverModems(rig.sysfs);
    expect(modem).toMatchObject({ controlPort: 'wwan0qmi0', netInterface: 'mhi_hwip0', driver: 'mhi_net', endpointType: 'pcie', vendorProduct: '17cb:0306', rawIp: null, passThrough: null });
  });
});

describe('up, status and down on a PCIe/MHI modem', () => {
  it('up: rmnet on mhi_hwip0, no raw_ip/pass_through step, WDA and WDS endpoint PCIe (3) interface 4 on the wire', async () => {
    const result = await up(rig.env, request(), options);
    expect(result.backend).toBe('rmnet');
    expect(result.dataFormat.rung).toBe('rmnet+qmapv5');
    const link = rig.model.byName(result.link!)!;
    expect(link).toMatchObject({ kind: 'rmnet', muxId: 1, parentIndex: rig.model.get('mhi_hwip0').index });
    // rmnet sizes its link from the real device: 16384 - the 4-byte QMAP header.
    expect(link.mtu).toBeLessThanOrEqual(16384 - 4);
    // Set Data Format (0x0020, endpoint TLV 0x17) and Bind Mux Data Port (0x00a2, TLV 0x10), as the modem read them.
    const sets = endpointsOnTheWire(rig, WDA, 0x0020, 0x17);
    expect(sets.length).toBeGreaterThan(0);
    expect(sets.every(([type, iface]) => type === 3 && iface === 4)).toBe(true);
    expect(endpointsOnTheWire(rig, WDS, 0x00a2, 0x10)).toEqual([[3, 4]]);
    expect(rig.modem.dataFormat().endpoint).toEqual({ type: 'pcie', interfaceNumber: 4 });
    // mhi_net has no mode switches and the receive size is its own (MRU or MTU): the parent is only brought up.
    expect(rig.sysfs.writes.filter((w) => /qmi\/|\/mtu=/.test(w))).toEqual([]);
    expect(rig.model.log.map((s) => s.what).filter((w) => /mhi_hwip0 mtu/.test(w))).toEqual([]);
    expect(await rig.netlink.getLink('mhi_hwip0')).toMatchObject({ mtu: 16384, up: true });
    const record = rig.env.store.read('wwan0qmi0');
    expect(record?.pdns[0]).toMatchObject({ state: 'up', backend: 'rmnet', request: expect.objectContaining({ muxId: 1 }) });
    expect(record?.kernelBefore).toEqual({ rawIp: true, passThrough: true, mtu: 16384 });
    expect(rig.routes()).toEqual([expect.objectContaining({ destination: 'default', metric: 100, outputIndex: link.index })]);
  });

  it('up --backend qmimux is refused before anything is touched, naming mhi_hwip0 and why', async () => {
    const error = await failure(up(rig.env, request({ backend: 'qmimux' }), options));
    expect(error).toMatchObject({ code: 'NOT_QMI_WWAN', details: { interface: 'mhi_hwip0', muxId: 1 } });
    expect(error.message).toBe('mhi_hwip0: --backend qmimux needs a qmi_wwan parent, and mhi_hwip0 is driven by mhi_net (a PCIe/MHI modem): use --backend rmnet');
    // Not even a WDA or WDS client was asked for.
    expect(rig.modem.received.filter((f) => f.service !== 0)).toEqual([]);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet' || l.qmimuxParent !== null)).toEqual([]);
    expect(rig.modem.sessions()).toEqual([]);
    expect(rig.modem.received.filter((f) => f.service === WDA && f.messageId === 0x0020)).toEqual([]);
    expect(existsSync(rig.env.store.path('wwan0qmi0'))).toBe(false);
  });

  it('status reports the PDN on mhi_hwip0 with its PCIe endpoint', async () => {
    const result = await up(rig.env, request(), options);
    const [modem] = await status(rig.env, options);
    expect(modem).toBeDefined();
    expect(modem).toMatchObject({ device: '/dev/wwan0qmi0', parent: 'mhi_hwip0', kernelMode: { rawIp: null, passThrough: null }, warnings: [], dataFormat: { rung: 'rmnet+qmapv5', linkLayer: 'raw-ip' } });
    expect(modem!.muxes).toEqual([expect.objectContaining({ muxId: 1, link: result.link, backend: 'rmnet', kernel: expect.objectContaining({ present: true, up: true }), modem: [expect.objectContaining({ family: 4, status: 'connected' })], disagreements: [] })]);
  });

  it('down --mux 1 ends the session, deletes the link and leaves mhi_hwip0 as it found it; nothing is left', async () => {
    const result = await up(rig.env, request(), options);
    await down(rig.env, { muxId: 1, all: false, proxy: 'no' });
    expect(rig.model.byName(result.link!)).toBeUndefined();
    expect(rig.modem.sessions()).toEqual([]);
    expect(rig.modem.clients()).toEqual([]);
    expect(rig.addresses()).toEqual([]);
    expect(rig.routes()).toEqual([]);
    expect(existsSync(rig.env.store.path('wwan0qmi0'))).toBe(false);
    expect(await rig.netlink.getLink('mhi_hwip0')).toMatchObject({ mtu: 16384 });
    expect(rig.sysfs.writes.filter((w) => /qmi\//.test(w))).toEqual([]);
  });

  it('down --all after two PDNs leaves no link, session, client, route or record', async () => {
    await up(rig.env, request(), options);
    await up(rig.env, request({ muxId: 2, apn: 'ims', routeMetric: undefined }), options);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet').map((l) => l.muxId).sort()).toEqual([1, 2]);
    await down(rig.env, { all: true, proxy: 'no' });
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
    expect(rig.modem.sessions()).toEqual([]);
    expect(rig.modem.clients()).toEqual([]);
    expect(rig.routes()).toEqual([]);
    expect(existsSync(rig.env.store.path('wwan0qmi0'))).toBe(false);
    const [modem] = await status(rig.env, options);
    expect(modem!.muxes).toEqual([]);
  });
});

describe('doctor on a PCIe/MHI modem with a PDN up', () => {
  it('the driver check names mhi_net and the PCIe function; no qmi_wwan check applies', async () => {
    const result = await up(rig.env, request(), options);
    rig.model.byName(result.link!)!.stats = { rxPackets: 10, txPackets: 10, rxBytes: 0, txBytes: 0 };
    const verdicts = runChecks(await collectEvidence(rig.env, { proxy: 'no', intervalSeconds: 0.01, root: true, modinfo: async () => 'found', wait: async () => void (rig.model.byName(result.link!)!.stats = { rxPackets: 20, txPackets: 15, rxBytes: 0, txBytes: 0 }) }));
    expect(verdicts.find((v) => v.check === 'driver')).toMatchObject({ verdict: 'ok', summary: expect.stringContaining('mhi_net binds mhi_hwip0 of PCIe modem 0000:01:00.0') });
    expect(verdicts.filter((v) => v.check === 'qmi-wwan-mode')).toEqual([]);
    expect(verdicts.filter((v) => v.verdict === 'fail').map((v) => `${v.check}: ${v.summary}`)).toEqual([]);
  });
});
