// `up` and `down` end to end: the emulated modem (real QMI bytes through QmiDevice) and the test kernel
// model (test/support/kernel) loaded from the sysfs tree recorded on the real 6.1 kernel, reached through
// its sysfs view and through production's RtNetlink over its request socket (one state, rmnet's refusals). The same flows run against the real drivers in the lab.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { EmulatedModem, memoryTransport } from '../../modem/index.js';
import { QmiDevice } from '../../../src/qmi/device.js';
import { up } from '../../../src/session/up.js';
import { down } from '../../../src/session/down.js';
import { renderUp } from '../../../src/cli/commands/up.js';
import { renderDown } from '../../../src/cli/commands/down.js';
import type { PdnRequest } from '../../../src/session/request.js';
import { RmnetError } from '../../../src/errors.js';
import { makeRig, type Rig } from './rig.js';
import { rejection } from '../../support/rejection.js';

const failure = (promise: Promise<unknown>) => rejection(promise, RmnetError);

let rig: Rig;

// Default routes as the CLI gives them: metric 100 + mux id - 1, so PDNs do not collide.
const request = (overrides: Partial<PdnRequest> = {}): PdnRequest => ({ muxId: 1, apn: 'internet', ipType: '4', auth: 'none', backend: 'auto', noIp: false, routeMetric: 100 + (overrides.muxId ?? 1) - 1, ...overrides });
const options = { proxy: 'no' as const };

beforeEach(() => (rig = makeRig()));
afterEach(() => rig.cleanup());


describe('up', () => {
  it('brings mux 1 up on rmnet with QMAPv5, the address the modem assigned, and a record', async () => {
    const result = await up(rig.env, request(), options);
    const rmnet = rig.model.list().find((l) => l.kind === 'rmnet');
    expect(rmnet?.muxId).toBe(1);
    expect(result.link).toBe(rmnet?.name);
    expect(result.backend).toBe('rmnet');
    expect(result.dataFormat.rung).toBe('rmnet+qmapv5');
    expect(rmnet?.rmnetFlags?.flags).toBe(0x31);
    expect(rig.rxChecksum).toEqual([{ ifname: rmnet?.name, on: true }]); // QMAPv5: trust the modem's checksum mark // deaggregation + v5 checksum offload both ways
    const [session] = rig.modem.sessions();
    expect(session).toMatchObject({ muxId: 1, apn: 'internet', ipFamily: 4 });
    expect(result.addresses).toEqual([{ family: 4, address: session!.ipv4!.address, prefixLength: session!.ipv4!.prefixLength }]);
    expect(rig.addresses().map((a) => a.address)).toEqual([session!.ipv4!.address]);
    expect(rig.routes()).toEqual([expect.objectContaining({ destination: 'default', family: 4, metric: 100, outputIndex: rmnet?.index })]);
    expect(rig.modem.clients().filter((c) => c.service === 1)).toEqual([{ service: 1, clientId: session!.clientId }]);
    expect(rig.modem.clients().filter((c) => c.service === 0x1a)).toEqual([]); // WDA client released
    const record = rig.env.store.read('cdc-wdm0');
    expect(record?.pdns[0]).toMatchObject({ state: 'up', backend: 'rmnet', clients: [{ family: 4, clientId: session!.clientId, packetDataHandle: session!.packetDataHandle }] });
    expect(record?.kernelBefore).toEqual({ rawIp: true, passThrough: false, mtu: 1500 });
    expect(await rig.sysfs.read('class/net/wwan0/qmi/pass_through')).toBe('Y');
  });

  it('brings a parent another tool left up down before switching its mode (raw_ip on a running device is EBUSY)', async () => {
    // One kernel state behind both doors: netlink's "up" is what the raw_ip store handler checks.
    await rig.netlink.setLinkUp('wwan0', true);
    const result = await up(rig.env, request(), options);
    expect(result.link).toBeDefined();
    const steps = rig.model.log.map((s) => s.what);
    const down = steps.indexOf('RTM_NEWLINK wwan0 down');
    expect(down).toBeGreaterThan(0);
    expect(steps.findIndex((s) => s.startsWith('write class/net/wwan0/qmi/raw_ip'))).toBeGreaterThan(down);
    expect(rig.model.isUp(rig.model.get('wwan0'))).toBe(true);
  });

  it('names the running parent when the kernel still refuses the mode switch with EBUSY, and rolls back', async () => {
    rig.model.fail({ match: /qmi\/raw_ip/, errno: 'EBUSY' });
    const error = await failure(up(rig.env, request(), options));
    expect(error).toMatchObject({ code: 'INTERFACE_UP' });
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
    expect(await rig.sysfs.read('class/net/wwan0/qmi/raw_ip')).toBe('Y');
  });

  it('uses the DL size the modem granted, not the one asked for', async () => {
    rig.modem.behaviour.downlinkMaxDatagrams = 10;
    rig.modem.behaviour.downlinkMaxSize = 4096;
    const result = await up(rig.env, request(), options);
    expect([result.dataFormat.dlMaxDatagrams, result.dataFormat.dlMaxSize]).toEqual([10, 4096]);
    expect(rig.model.list().find((l) => l.name === 'wwan0')!.mtu).toBeGreaterThanOrEqual(4096);
  });

  it('falls down the ladder when the modem does not support QMAPv5, and says so', async () => {
    rig.modem.behaviour.supportedAggregation = [0, 5];
    const result = await up(rig.env, request(), options);
    expect(result.dataFormat.rung).toBe('rmnet+qmap');
    expect(result.decision).toContain('rmnet+qmapv5 refused by the modem');
    expect(rig.model.list().find((l) => l.name === result.link)?.rmnetFlags?.flags).toBe(0x01);
    expect(rig.rxChecksum).toEqual([]); // QMAP v1 carries no checksum mark
  });

  it('uses qmimux when rmnet is missing, mapping the mux id from qmap/mux_id', async () => {
    rig.model.rmnetLoaded = false;
    rig.modem.behaviour.supportedAggregation = [0, 5, 9];
    const result = await up(rig.env, request({ muxId: 7 }), options);
    expect(result.backend).toBe('qmimux');
    expect(result.dataFormat.rung).toBe('qmimux+qmap');
    expect(await rig.sysfs.read(`class/net/${result.link}/qmap/mux_id`)).toBe('0x07');
    expect(result.decision).toContain('modprobe rmnet');
  });

  it('brings up dual-stack with one WDS client per family bound to the same mux', async () => {
    const result = await up(rig.env, request({ ipType: '4v6' }), options);
    const sessions = rig.modem.sessions();
    expect(sessions.map((s) => [s.muxId, s.ipFamily]).sort()).toEqual([[1, 4], [1, 6]]);
    expect(new Set(sessions.map((s) => s.clientId)).size).toBe(2);
    expect(result.addresses.map((a) => a.family).sort()).toEqual([4, 6]);
    expect(rig.routes().map((r) => r.family).sort()).toEqual([4, 6]);
  });

  it('keeps the format for a second PDN and runs both at once', async () => {
    await up(rig.env, request(), options);
    const second = await up(rig.env, request({ muxId: 2, apn: 'ims', routeMetric: undefined }), options);
    expect(second.decision).toContain('kept');
    expect(rig.modem.sessions().map((s) => [s.muxId, s.apn]).sort()).toEqual([[1, 'internet'], [2, 'ims']]);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet').map((l) => l.muxId).sort()).toEqual([1, 2]);
  });

  it('is a no-op for the same settings and refuses different ones', async () => {
    await up(rig.env, request(), options);
    const again = await up(rig.env, request(), options);
    expect(again.alreadyUp).toBe(true);
    expect(rig.modem.sessions()).toHaveLength(1);
    const error = await failure(up(rig.env, request({ apn: 'other' }), options));
    expect(error.code).toBe('MUX_IN_USE');
    expect(error.message).toContain('already up with other settings');
  });

  it('rolls back everything when Start Network fails, reporting the call end reason', async () => {
    rig.modem.behaviour.startNetworkFailure = { callEndReason: 2, verbose: { type: 6, reason: 33 } } as never;
    const error = await failure(up(rig.env, request(), options));
    expect(error.message).toMatch(/failed at "start the data sessions"/);
    expect(error.message).toContain('everything it had done was undone');
    expect(error.details.rolledBack).toBe(true);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
    expect(rig.modem.clients()).toEqual([]);
    expect(rig.modem.sessions()).toEqual([]);
    expect(existsSync(rig.env.store.path('cdc-wdm0'))).toBe(false);
    expect(await rig.sysfs.read('class/net/wwan0/qmi/pass_through')).toBe('N');
  });

  it('on a kernel that keeps usbnet\'s max_mtu cap, asks the modem for what the kernel receives and says so (issue 11)', async () => {
    const wwan = rig.model.list().find((l) => l.name === 'wwan0')!;
    wwan.qmi!.cappedMaxMtu = 1500; // c7159e960f14 without qmi_wwan lifting it on the raw_ip Y -> N switch
    wwan.maxMtu = 1500;
    const result = await up(rig.env, request(), options);
    expect(rig.modem.dataFormat().downlinkMaxSize).toBe(1500);
    expect(result.dataFormat.dlMaxSize).toBe(1500);
    expect(result.decision).toMatch(/asked 32 \/ 1500: wwan0's kernel receives at most 1500 bytes per transfer/);
    expect(rig.log.some((l) => /asking the modem for DL transfers of at most 1500 bytes/.test(l))).toBe(true);
    // The receive URBs cover every transfer the modem may now send; the link carries a full 1496-byte packet.
    expect(wwan.qmi!.urbSize).toBeGreaterThanOrEqual(1500);
    expect(rig.model.list().find((l) => l.kind === 'rmnet')?.mtu).toBe(1496);
    await down(rig.env, { all: true, proxy: 'no' });
    expect(rig.modem.clients()).toEqual([]);
  });

  it('--dry-run says what up would ask and do, and asks and changes nothing (issue 15)', async () => {
    const { dryRunUp } = await import('../../../src/session/dry-run.js');
    const { renderDryRun } = await import('../../../src/cli/commands/up.js');
    const steps = rig.model.log.length;
    const result = await dryRunUp(rig.env, request(), options);
    expect(rig.model.log.length).toBe(steps);
    expect(rig.modem.received).toEqual([]);
    expect(existsSync(rig.env.store.path('cdc-wdm0'))).toBe(false);
    expect(result.rungs[0]).toBe('rmnet+qmapv5');
    expect(result.asks).toEqual({ rung: 'rmnet+qmapv5', dlMaxDatagrams: 32, dlMaxSize: 32768 });
    // The same plan `up` then runs for that grant.
    await up(rig.env, request(), options);
    const done = rig.model.log.slice(steps).map((s) => s.what);
    expect(result.steps.length).toBeGreaterThan(4);
    expect(done.length).toBeGreaterThanOrEqual(result.steps.length);
    expect(renderDryRun(result)).toMatch(/^dry run: nothing was asked of \/dev\/cdc-wdm0/);
    expect((await dryRunUp(rig.env, request(), options)).alreadyUp).toBe(true);
  });

  it('--profile N starts the call from the stored profile (its APN), and an unknown one is refused and rolled back (issue 16)', async () => {
    const result = await up(rig.env, request({ apn: '', profile: 1 }), options);
    expect(rig.modem.sessions()).toEqual([expect.objectContaining({ muxId: 1, apn: 'internet' })]);
    expect(rig.modem.received.find((f) => f.service === 1 && f.messageId === 0x20)?.tlvs.map((t) => t.type)).toContain(0x31);
    expect(result.link).toBeTruthy();
    await down(rig.env, { all: true, proxy: 'no' });
    const error = await failure(up(rig.env, request({ apn: '', profile: 9 }), options));
    expect(error.message).toMatch(/WDS Start Network failed: QMI error InvalidProfile \(10\)/);
    expect(rig.modem.clients()).toEqual([]);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
  });

  it('--timeout bounds Start Network too, and rolls everything back; without it Start Network has its own 120 s', async () => {
    rig.modem.behaviour.messageDelaysMs['wds:Start Network'] = 800;
    const started = Date.now();
    const error = await failure(up(rig.env, request(), { ...options, timeoutMs: 200 }));
    expect(Date.now() - started).toBeLessThan(700);
    expect(error.code).toBe('QMI_TIMEOUT');
    expect(error.message).toMatch(/Start Network within 200 ms/);
    await new Promise((r) => setTimeout(r, 900)); // the late answer arrives: nothing may come back with it
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
    expect(rig.modem.clients()).toEqual([]);
    expect(rig.modem.sessions()).toEqual([]);
    expect(existsSync(rig.env.store.path('cdc-wdm0'))).toBe(false);
    // The rig's port waits 2000 ms per request; Start Network is not held to that.
    rig.modem.behaviour.messageDelaysMs['wds:Start Network'] = 2300;
    expect((await up(rig.env, request(), options)).link).toBeTruthy();
  });

  it('refuses a default route metric already taken before touching anything, naming --metric (found in the lab)', async () => {
    // The kernel refuses a second default route with the same metric (EEXIST): the model does too.
    await up(rig.env, request(), options);
    const clientsBefore = rig.modem.clients();
    const error = await failure(up(rig.env, request({ muxId: 2, apn: 'ims', routeMetric: 100 }), options));
    expect(error.code).toBe('ROUTE_EXISTS');
    expect(error.message).toMatch(/mux 2: an IPv4 default route with metric 100 already exists \(via wwan0\.1\); give this PDN another --metric, or --no-default-route/);
    expect(rig.modem.clients()).toEqual(clientsBefore);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet').map((l) => l.muxId)).toEqual([1]);
    await up(rig.env, request({ muxId: 2, apn: 'ims' }), options); // the default metric for mux 2 is free
    expect(rig.routes().map((r) => r.metric).sort()).toEqual([100, 101]);
  });

  it('refuses the second of two PDNs asking for the same metric in one run', async () => {
    
    // Two PDNs asking for the same metric in one run: the second one is refused up front.
    const { upMany } = await import('../../../src/session/up.js');
    const outcomes = await upMany(rig.env, [request({ muxId: 1 }), request({ muxId: 2, apn: 'ims', routeMetric: 100 })], options);
    expect(outcomes.map((o) => (o instanceof Error ? o.code : o.link))).toEqual(['wwan0.1', 'ROUTE_EXISTS']);
    expect(rig.modem.sessions().map((s) => s.muxId)).toEqual([1]);
  });

  it('does not claim a clean rollback when undoing a shared kernel step fails (found in the lab)', async () => {
    rig.modem.behaviour.startNetworkFailure = { callEndReason: 1013, verbose: { type: 6, reason: 27 } };
    rig.model.fail({ match: /mtu 16385$/, errno: 'EDOM' }); // the undo of the raise to 32769 (the links were created at 16384)
    const error = await failure(up(rig.env, request(), options));
    expect(error.message).toMatch(/failed at "start the data sessions"/);
    expect(error.message).toMatch(/ROLLBACK INCOMPLETE \(.*16385.*\); run "rmnetctl down --mux 1"/);
    expect(error.message).not.toContain('everything it had done was undone');
    expect(error.details.rolledBack).toBe(false);
    // Issue 15: the `down` the error asks for used to say "not up". It finishes the rollback instead.
    rig.model.clearFaults();
    const result = await down(rig.env, { muxId: 1, all: false, proxy: 'no' });
    expect(result.kernelRestored).toBe(true);
    expect(existsSync(rig.env.store.path('cdc-wdm0'))).toBe(false);
    expect(rig.model.get('wwan0').mtu).toBe(1500);
  });

  // Issue 15: `up --no-ip --json` reported no addresses or MTU, and the DNS line blamed systemd-resolved.
  it('with --no-ip reports what the network offered (addresses, gateway, MTU, DNS) without applying it', async () => {
    const result = await up(rig.env, request({ noIp: true, routeMetric: undefined, ipType: '4v6' }), options);
    expect(result.addresses).toEqual([]);
    expect(rig.addresses().filter((a) => a.index === rig.model.get(result.link).index)).toEqual([]);
    expect(result.offered.addresses.map((a) => a.family)).toEqual([4, 6]);
    expect(result.offered.addresses[0]).toMatchObject({ address: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/), prefixLength: expect.any(Number) });
    expect(result.offered.mtu).toBeGreaterThanOrEqual(576);
    expect(result.dnsApplied).toBe('not applied: --no-ip');
    const text = renderUp(result);
    expect(text).toContain(`offered      ${result.offered.addresses[0]!.address}/`);
    expect(text).toContain('(not applied: --no-ip)');
    expect(text).not.toContain('systemd-resolved');
  });

  it('refuses a mux id held by a link it did not create, touching nothing', async () => {
    rig.model.rmnetLoaded = false;
    await rig.sysfs.write('class/net/wwan0/qmi/add_mux', '3');
    const error = await failure(up(rig.env, request({ muxId: 3 }), options));
    expect(error.code).toBe('MUX_IN_USE');
    expect(error.message).toContain('qmimux0');
    expect(rig.modem.clients()).toEqual([]);
  });
});

describe('down', () => {
  it('--all leaves no link, no client id, no session, no state file, and restores the kernel mode', async () => {
    await up(rig.env, request({ ipType: '4v6' }), options);
    await up(rig.env, request({ muxId: 2, apn: 'ims' }), options);
    const result = await down(rig.env, { all: true, proxy: 'no' });
    expect(result.removed.map((r) => [r.muxId, r.stoppedSessions, r.releasedClients])).toEqual([[1, 2, 2], [2, 1, 1]]);
    expect(result.warnings).toEqual([]);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
    expect(rig.addresses()).toEqual([]);
    expect(rig.routes()).toEqual([]);
    expect(rig.modem.clients()).toEqual([]);
    expect(rig.modem.sessions()).toEqual([]);
    expect(existsSync(rig.env.store.path('cdc-wdm0'))).toBe(false);
    expect(result.kernelRestored).toBe(true);
    expect(await rig.sysfs.read('class/net/wwan0/qmi/pass_through')).toBe('N');
  });

  it('--mux takes one PDN down and leaves the other running', async () => {
    await up(rig.env, request(), options);
    await up(rig.env, request({ muxId: 2, apn: 'ims' }), options);
    await down(rig.env, { muxId: 1, all: false, proxy: 'no' });
    expect(rig.modem.sessions().map((s) => s.muxId)).toEqual([2]);
    expect(rig.env.store.read('cdc-wdm0')?.pdns.map((p) => p.request.muxId)).toEqual([2]);
  });

  it('cleans up what the kernel shows when the state file is gone', async () => {
    await up(rig.env, request(), options);
    rig.env.store.remove('cdc-wdm0');
    const result = await down(rig.env, { muxId: 1, all: false, proxy: 'no' });
    expect(result.removed).toEqual([expect.objectContaining({ muxId: 1, recorded: false })]);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
  });

  it('cleans up after an up that died half-way (record in "starting", client allocated, no session)', async () => {
    rig.modem.behaviour.dropResponses = ['wds:Start Network'];
    // A killed process: its port goes away mid Start Network, so nothing it would undo reaches the modem.
    let transport: ReturnType<typeof memoryTransport> | undefined;
    const env = { ...rig.env, openQmi: async (path: string) => new QmiDevice((transport = memoryTransport(rig.modem, path))) };
    const crashed = up(env, request(), options);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const midway = rig.env.store.read('cdc-wdm0');
    expect(midway?.pdns[0]?.state).toBe('starting');
    expect(midway?.pdns[0]?.clients).toHaveLength(1);
    transport!.hangUp();
    await failure(crashed);
    rig.env.store.write('cdc-wdm0', midway!); // what the killed process left on disk
    expect(rig.modem.clients().filter((c) => c.service === 1)).toHaveLength(1);
    rig.modem.behaviour.dropResponses = [];
    const result = await down(rig.env, { muxId: 1, all: false, proxy: 'no' });
    expect(result.removed[0]).toMatchObject({ muxId: 1, recorded: true, releasedClients: 1 });
    expect(existsSync(rig.env.store.path('cdc-wdm0'))).toBe(false);
    expect(rig.modem.clients()).toEqual([]);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
  });

  it('shows a foreign rmnet link in status and says what down --all did with it (issue 16)', async () => {
    const { status } = await import('../../../src/session/status.js');
    await up(rig.env, request(), options);
    // As a user would with ip(8): rmnet takes a new link only while the parent MTU is at most 16388.
    const parentMtu = (await rig.netlink.getLink('wwan0')).mtu!;
    await rig.netlink.setMtu('wwan0', 16388);
    await rig.netlink.createRmnetLink({ name: 'rmnet_foreign', parent: 'wwan0', muxId: 9 });
    await rig.netlink.setMtu('wwan0', parentMtu);
    const [modem] = await status(rig.env, { proxy: 'no' });
    expect(modem?.muxes.map((m) => m.muxId)).toEqual([1, 9]);
    expect(modem?.muxes.find((m) => m.muxId === 9)).toMatchObject({ link: 'rmnet_foreign' });
    const result = await down(rig.env, { all: true, proxy: 'no' });
    expect(result.removed).toEqual([expect.objectContaining({ muxId: 1, recorded: true }), expect.objectContaining({ muxId: 9, link: 'rmnet_foreign', recorded: false })]);
    expect(renderDown(result)).toContain('mux 9 down (rmnet_foreign deleted) [not recorded: removed from kernel truth]');
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
  });

  it('takes one PDN down by its link name, as ip(8) names it (issue 15)', async () => {
    await up(rig.env, request(), options);
    const second = await up(rig.env, request({ muxId: 2 }), options);
    const result = await down(rig.env, { link: second.link, all: false, proxy: 'no' });
    expect(result.removed).toEqual([expect.objectContaining({ muxId: 2, link: second.link, recorded: true })]);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet').map((l) => l.muxId)).toEqual([1]);
    const error = await failure(down(rig.env, { link: 'nosuch0', all: false, proxy: 'no' }));
    expect(error.code).toBe('NOT_UP');
    expect(error.message).toContain('no mux link named nosuch0 on wwan0');
  });

  it('says a mux that is not up is not up', async () => {
    const error = await failure(down(rig.env, { muxId: 9, all: false, proxy: 'no' }));
    expect(error.code).toBe('NOT_UP');
  });
});

describe('status', () => {
  it('carries the radio context per modem (registration, signal, SIM, mode) and says it in one line (issue 13)', async () => {
    const { status } = await import('../../../src/session/status.js');
    const { radioLine } = await import('../../../src/cli/commands/status.js');
    await up(rig.env, request(), options);
    const [modem] = await status(rig.env, { proxy: 'no' });
    expect(modem?.radioUnavailable).toBeNull();
    expect(modem?.radio?.registration.value).toMatchObject({ state: 'registered', mcc: '001', mnc: '01' });
    expect(modem?.radio?.sim.value?.state).toBe('ready');
    expect(modem?.radio?.signal.value?.lte).toMatchObject({ rsrpDbm: -95, rsrqDb: -9 });
    expect(radioLine(modem!)).toMatch(/^registered \S+ 001\/01; LTE RSRP -95 dBm RSRQ -9 dB SINR 13 dB; SIM ready; online$/);
  });

  it('asks the modem on the owning client and reports disagreements between record, kernel and modem', async () => {
    const { status } = await import('../../../src/session/status.js');
    await up(rig.env, request({ ipType: '4v6' }), options);
    let [modem] = await status(rig.env, { proxy: 'no' });
    expect(modem?.muxes).toEqual([
      expect.objectContaining({ muxId: 1, backend: 'rmnet', recorded: { apn: 'internet', ipType: '4v6', state: 'up' }, disagreements: [] }),
    ]);
    expect(modem?.muxes[0]?.modem.map((s) => [s.family, s.status])).toEqual([[4, 'connected'], [6, 'connected']]);

    rig.modem.dropSession(1);
    await rig.sysfs.write('class/net/wwan0/qmi/pass_through', 'Y'); // unchanged, keeps the tree consistent
    rig.model.add({ index: 40, name: 'stray', kind: 'rmnet', type: 519, parentIndex: 2, muxId: 9, rmnetFlags: { flags: 0, mask: 0 } });
    [modem] = await status(rig.env, { proxy: 'no' });
    const mux1 = modem!.muxes.find((m) => m.muxId === 1)!;
    expect(mux1.disagreements.join('\n')).toMatch(/the modem reports IPv4 disconnected \(recorded up\)/);
    expect(modem!.muxes.find((m) => m.muxId === 9)?.disagreements).toEqual(['the kernel has stray for mux 9, but rmnetctl did not record it']);
  });
});

describe('upMany', () => {
  it('brings several PDNs up together and reports a refused one without touching the others', async () => {
    const { upMany } = await import('../../../src/session/up.js');
    await up(rig.env, request({ muxId: 3, apn: 'theirs' }), options);
    const record = rig.env.store.read('cdc-wdm0')!;
    rig.env.store.write('cdc-wdm0', { ...record, pdns: [] }); // mux 3's link now belongs to someone else
    const outcomes = await upMany(rig.env, [request({ muxId: 1, ipType: '4v6' }), request({ muxId: 2, apn: 'ims' }), request({ muxId: 3, apn: 'x' })], options);
    expect(outcomes.map((o) => (o instanceof Error ? o.code : o.link))).toEqual(['wwan0.1', 'wwan0.2', 'MUX_IN_USE']);
    expect(rig.modem.sessions().filter((s) => s.apn !== 'theirs').map((s) => `${s.muxId}/${s.ipFamily}`).sort()).toEqual(['1/4', '1/6', '2/4']);
    expect(rig.env.store.read('cdc-wdm0')?.pdns.map((p) => p.request.muxId).sort()).toEqual([1, 2]);
  });

  it('rolls back only the PDN whose session fails, naming its call end reason', async () => {
    const { upMany } = await import('../../../src/session/up.js');
    rig.modem.behaviour.startNetworkFailure = { apn: 'ims', callEndReason: 1013, verbose: { type: 6, reason: 27 } };
    const outcomes = await upMany(rig.env, [request({ muxId: 1 }), request({ muxId: 2, apn: 'ims', ipType: '4v6' })], options);
    expect(outcomes[0]).toMatchObject({ link: 'wwan0.1', muxId: 1 });
    const failed = outcomes[1] as RmnetError;
    expect(failed.code).toBe('QMI_ERROR');
    expect(failed.message).toMatch(/up mux 2 on wwan0 failed at "start the data sessions".*unknown-apn.*everything it had done was undone/);
    expect(rig.modem.sessions().map((s) => s.muxId)).toEqual([1]);
    expect(rig.modem.clients().filter((c) => c.service === 1)).toHaveLength(1);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet').map((l) => l.muxId)).toEqual([1]);
    expect(rig.env.store.read('cdc-wdm0')?.pdns.map((p) => p.request.muxId)).toEqual([1]);
  });

  it('runs 8 dual-stack PDNs on one modem at once, each on its own link and client ids', async () => {
    const { upMany } = await import('../../../src/session/up.js');
    // 16 WDS clients: more than the model's default limit of 15 (firmware limits vary).
    rig.modem.behaviour.maxClientsPerService = 32;
    const requests = Array.from({ length: 8 }, (_, i) => request({ muxId: i + 1, apn: `apn${i + 1}`, ipType: '4v6', routeMetric: 100 + i }));
    const outcomes = await upMany(rig.env, requests, options);
    expect(outcomes.filter((o) => o instanceof Error)).toEqual([]);
    const sessions = rig.modem.sessions();
    expect(sessions).toHaveLength(16);
    expect(new Set(sessions.map((s) => s.clientId)).size).toBe(16);
    for (let mux = 1; mux <= 8; mux++) expect(sessions.filter((s) => s.muxId === mux && s.apn === `apn${mux}`).map((s) => s.ipFamily).sort()).toEqual([4, 6]);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet').map((l) => l.muxId).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const down_ = await down(rig.env, { all: true, proxy: 'no' });
    expect(down_.removed).toHaveLength(8);
    expect(rig.modem.clients()).toEqual([]);
  });

  it('names ClientIdsExhausted when the firmware runs out of WDS clients, rolling back only that PDN', async () => {
    const { upMany } = await import('../../../src/session/up.js');
    rig.modem.behaviour.maxClientsPerService = 3;
    const outcomes = await upMany(rig.env, [request({ muxId: 1, ipType: '4v6' }), request({ muxId: 2, apn: 'ims', ipType: '4v6' })], options);
    const failed = outcomes.filter((o): o is RmnetError => o instanceof Error);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toContain('ClientIdsExhausted');
    expect(rig.modem.clients().filter((c) => c.service === 1)).toHaveLength(2);
    expect(rig.modem.sessions()).toHaveLength(2);
  });
});

describe('interrupting up', () => {
  it('stops at the current step and rolls everything back, including what arrives afterwards', async () => {
    rig.modem.behaviour.messageDelaysMs = { 'wds:Start Network': 300 };
    const stop = new AbortController();
    const pending = up(rig.env, request({ ipType: '4v6' }), { ...options, signal: stop.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rig.env.store.read('cdc-wdm0')?.pdns[0]?.state).toBe('starting');
    stop.abort();
    const error = await failure(pending);
    expect(error.code).toBe('INTERRUPTED');
    expect(error.message).toMatch(/failed at "start the data sessions": interrupted; everything it had done was undone/);
    // The Start Network answers arrive after the rollback: nothing may survive them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(rig.modem.sessions()).toEqual([]);
    expect(rig.modem.clients()).toEqual([]);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
    expect(existsSync(rig.env.store.path('cdc-wdm0'))).toBe(false);
    expect(await rig.sysfs.read('class/net/wwan0/qmi/pass_through')).toBe('N');
  });
});
