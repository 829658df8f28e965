// Issue 10: every firmware profile of test/modem/services/firmware.ts through `up`, `status` and `down --all`
// (the session layer over the emulated modem and the test kernel model). Each row says what the profile's
// firmware grants and what rmnetctl must make of it: the rung, the decision line, the links, or the error
// naming what the modem did. After `down --all` nothing may be left: no client id or session on the modem,
// no mux link in the kernel, no file in the state directory.
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { up } from '../../../src/session/up.js';
import { down } from '../../../src/session/down.js';
import { status } from '../../../src/session/status.js';
import { ExitCode, exitCodeOf } from '../../../src/cli/exit-codes.js';
import type { PdnRequest } from '../../../src/session/request.js';
import { RmnetError } from '../../../src/errors.js';
import { FIRMWARE_PROFILES } from '../../modem/services/firmware.js';
import { rejection } from '../../support/rejection.js';
import { makeRig, type Rig } from './rig.js';

const request = (overrides: Partial<PdnRequest> = {}): PdnRequest => ({ muxId: 1, apn: 'internet', ipType: '4v6', auth: 'none', backend: 'auto', noIp: false, routeMetric: 100 + (overrides.muxId ?? 1) - 1, ...overrides });
const options = { proxy: 'no' as const };

let rig: Rig | undefined;
afterEach(() => rig?.cleanup());

const muxLinks = (r: Rig) => r.model.list().filter((l) => l.kind === 'rmnet' || l.kind === 'qmimux');

/** `down --all` leaves nothing on the modem, in the kernel or in the state directory. */
async function downAllAndCheckClean(r: Rig): Promise<void> {
  await down(r.env, { all: true, proxy: 'no' });
  expect(r.modem.clients(), 'client ids left on the modem').toEqual([]);
  expect(r.modem.sessions(), 'sessions left on the modem').toEqual([]);
  expect(muxLinks(r), 'mux links left in the kernel').toEqual([]);
  expect(readdirSync(r.env.store.dir), 'state, temp or lock files left').toEqual([]);
}

interface Works {
  profile: string;
  rung: string;
  /** What the modem holds after up, as Get Data Format reads it. */
  granted: { downlinkAggregation: string; uplinkAggregation: string; downlinkMaxDatagrams: number; downlinkMaxSize: number };
  /** The decision line, in full: what was chosen and why the better rungs were not. */
  decision: string;
  rmnetFlags: number;
}

const WORKS: Works[] = [
  {
    profile: 'ec25-e-qmap-v1',
    rung: 'rmnet+qmap',
    granted: { downlinkAggregation: 'qmap', uplinkAggregation: 'qmap', downlinkMaxDatagrams: 10, downlinkMaxSize: 4096 },
    decision: 'data format: rmnet+qmap; raw-ip skipped (raw-ip alone cannot multiplex a mux id); rmnet+qmapv5 refused by the modem (QMI error InvalidArgument (48)); DL 10 datagrams / 4096 bytes (asked 32 / 32768)',
    rmnetFlags: 0x01, // deaggregation only: QMAPv1 has no checksum offload
  },
  {
    profile: 'sdx55-qmapv5',
    rung: 'rmnet+qmapv5',
    granted: { downlinkAggregation: 'qmapv5', uplinkAggregation: 'qmapv5', downlinkMaxDatagrams: 32, downlinkMaxSize: 32768 },
    decision: 'data format: rmnet+qmapv5; raw-ip skipped (raw-ip alone cannot multiplex a mux id); DL 32 datagrams / 32768 bytes (asked 32 / 32768)',
    rmnetFlags: 0x31,
  },
  {
    profile: 'dl-grant-one',
    rung: 'rmnet+qmapv5',
    granted: { downlinkAggregation: 'qmapv5', uplinkAggregation: 'qmapv5', downlinkMaxDatagrams: 1, downlinkMaxSize: 32768 },
    decision: 'data format: rmnet+qmapv5; raw-ip skipped (raw-ip alone cannot multiplex a mux id); the modem granted 1 DL datagram per transfer: one packet per transfer, aggregation gains nothing; DL 1 datagrams / 32768 bytes (asked 32 / 32768)',
    rmnetFlags: 0x31,
  },
  {
    profile: 'reordered-tlvs',
    rung: 'rmnet+qmapv5',
    granted: { downlinkAggregation: 'qmapv5', uplinkAggregation: 'qmapv5', downlinkMaxDatagrams: 32, downlinkMaxSize: 32768 },
    decision: 'data format: rmnet+qmapv5; raw-ip skipped (raw-ip alone cannot multiplex a mux id); DL 32 datagrams / 32768 bytes (asked 32 / 32768)',
    rmnetFlags: 0x31,
  },
  {
    profile: 'wds-8-clients',
    rung: 'rmnet+qmapv5',
    granted: { downlinkAggregation: 'qmapv5', uplinkAggregation: 'qmapv5', downlinkMaxDatagrams: 32, downlinkMaxSize: 32768 },
    decision: 'data format: rmnet+qmapv5; raw-ip skipped (raw-ip alone cannot multiplex a mux id); DL 32 datagrams / 32768 bytes (asked 32 / 32768)',
    rmnetFlags: 0x31,
  },
];

describe('firmware profiles: up, status, down --all', () => {
  it('every profile has a test here, and a description', () => {
    const tested = [...WORKS.map((w) => w.profile), 'dl-grant-zero', 'no-wda', 'refuses-optional'];
    expect(Object.keys(FIRMWARE_PROFILES).sort()).toEqual([...new Set(tested)].sort());
    for (const profile of Object.values(FIRMWARE_PROFILES)) expect(profile.description.length).toBeGreaterThan(20);
  });

  it.each(WORKS)('$profile: $rung, the granted sizes, the decision line', async ({ profile, rung, granted, decision, rmnetFlags }) => {
    const r = (rig = makeRig('rawip', profile));
    const result = await up(r.env, request(), options);
    expect(result.dataFormat).toMatchObject({ rung, dlMaxDatagrams: granted.downlinkMaxDatagrams, dlMaxSize: granted.downlinkMaxSize });
    expect(result.decision).toBe(decision);
    expect(r.log).toContain(decision);
    expect(r.modem.dataFormat()).toMatchObject({ linkLayer: 'raw-ip', ...granted });
    // The kernel: one rmnet link for mux 1, its flags from the rung, a parent whose receive size covers the grant.
    const links = muxLinks(r);
    expect(links.map((l) => ({ name: l.name, kind: l.kind, muxId: l.muxId }))).toEqual([{ name: result.link, kind: 'rmnet', muxId: 1 }]);
    expect(links[0]!.rmnetFlags?.flags).toBe(rmnetFlags);
    expect(r.model.get('wwan0').mtu).toBeGreaterThanOrEqual(granted.downlinkMaxSize);
    // Dual-stack: both families up with the emulated network's addresses.
    expect(r.modem.sessions().map((s) => s.ipFamily).sort()).toEqual([4, 6]);
    expect(r.addresses().map((a) => a.address).sort()).toEqual(['10.1.0.2', 'fd00:1::2']);

    const [modem] = await status(r.env, { proxy: 'no' });
    expect(modem!.dataFormat).toMatchObject({ rung, dlMaxDatagrams: granted.downlinkMaxDatagrams, dlMaxSize: granted.downlinkMaxSize });
    expect(modem!.muxes).toEqual([
      expect.objectContaining({ muxId: 1, link: result.link, backend: 'rmnet', recorded: { apn: 'internet', ipType: '4v6', state: 'up' }, disagreements: [] }),
    ]);
    expect(modem!.muxes[0]!.modem.map((c) => [c.family, c.status])).toEqual([[4, 'connected'], [6, 'connected']]);
    expect(modem!.muxes[0]!.kernel).toMatchObject({ present: true, up: true });

    await downAllAndCheckClean(r);
  });

  it('dl-grant-zero: every aggregating rung is granted 0-byte DL transfers, so none is usable; up refuses naming the grant, and leaves nothing', async () => {
    const r = (rig = makeRig('rawip', 'dl-grant-zero'));
    const error = await rejection(up(r.env, request(), options), RmnetError);
    expect(error.code).toBe('NO_DATA_FORMAT');
    expect(exitCodeOf(error)).toBe(ExitCode.qmiError);
    const unusable = 'the modem granted 0-byte DL transfers, below the 1288 even a 1280-byte packet (the IPv6 minimum MTU) needs with its QMAP header';
    expect(error.message).toContain('data format: none of the candidate formats was granted; raw-ip skipped (raw-ip alone cannot multiplex a mux id)');
    expect(error.message).toContain(`rmnet+qmapv5 not usable (${unusable})`);
    expect(error.message).toContain('rmnet+qmap not usable (the modem granted 0-byte DL transfers, below the 1284 even a 1280-byte packet (the IPv6 minimum MTU) needs with its QMAP header)');
    expect(error.message).toContain('qmimux+qmap not usable (the modem granted 0-byte DL transfers, below the 1284');
    // Each rung was asked, then the format in force before (802.3, no aggregation) restored.
    const sets = r.modem.received.filter((f) => f.service === 0x1a && f.messageId === 0x20);
    expect(sets).toHaveLength(4);
    expect(r.modem.dataFormat()).toMatchObject({ linkLayer: '802-3', downlinkAggregation: 'disabled' });
    expect(muxLinks(r)).toEqual([]);
    expect(r.env.store.read('cdc-wdm0')).toBeUndefined();

    const [modem] = await status(r.env, { proxy: 'no' });
    expect(modem!.muxes).toEqual([]);
    expect(modem!.dataFormat).toBeNull();
    await downAllAndCheckClean(r);
  });

  it('no-wda: up refuses naming the refused Allocate CID and what such firmware can do; status and down find nothing', async () => {
    const r = (rig = makeRig('rawip', 'no-wda'));
    const error = await rejection(up(r.env, request(), options), RmnetError);
    expect(error.code).toBe('QMI_ERROR');
    expect(exitCodeOf(error)).toBe(ExitCode.qmiError);
    expect(error.message).toContain('CTL Allocate CID (WDA) failed: QMI error InvalidServiceType (31)');
    expect(error.message).toContain('the modem has no WDA service, so it cannot multiplex PDNs on mux links; such firmware carries one PDN in raw-ip on wwan0 itself');
    expect(error.details).toMatchObject({ forService: 'wda', qmiError: 'InvalidServiceType', noWda: true });
    expect(r.modem.dataFormat()).toMatchObject({ linkLayer: '802-3' }); // nothing was set
    const [modem] = await status(r.env, { proxy: 'no' });
    expect(modem!.muxes).toEqual([]);
    await downAllAndCheckClean(r);
  });

  it('wds-8-clients: 8 IPv4 PDNs come up, the 9th family fails naming ClientIdsExhausted, the others stay up; down --all clears all', async () => {
    const r = (rig = makeRig('rawip', 'wds-8-clients'));
    const ups = [];
    for (let muxId = 1; muxId <= 8; muxId++) ups.push(await up(r.env, request({ muxId, ipType: '4' }), options));
    expect(ups.map((u) => u.dataFormat.rung)).toEqual(new Array(8).fill('rmnet+qmapv5'));
    expect(r.modem.clients().filter((c) => c.service === 1)).toHaveLength(8);

    const error = await rejection(up(r.env, request({ muxId: 9, ipType: '4' }), options), RmnetError);
    expect(error.code).toBe('QMI_ERROR');
    expect(error.message).toContain('CTL Allocate CID (WDS) failed: QMI error ClientIdsExhausted (5)');
    expect(error.details).toMatchObject({ muxId: 9, qmiError: 'ClientIdsExhausted', rolledBack: true });

    // The eight are untouched: sessions, links and records.
    expect(r.modem.sessions().map((s) => s.muxId).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(muxLinks(r).map((l) => l.muxId).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const [modem] = await status(r.env, { proxy: 'no' });
    expect(modem!.muxes.map((m) => [m.muxId, m.recorded?.state, m.modem[0]?.status, m.disagreements.length])).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((muxId) => [muxId, 'up', 'connected', 0]),
    );
    await downAllAndCheckClean(r);
  });

  it('wds-8-clients: a dual-stack 5th PDN fails on its family beyond the 8th client, and is rolled back whole', async () => {
    const r = (rig = makeRig('rawip', 'wds-8-clients'));
    for (let muxId = 1; muxId <= 4; muxId++) await up(r.env, request({ muxId }), options);
    const error = await rejection(up(r.env, request({ muxId: 5 }), options), RmnetError);
    expect(error.message).toContain('ClientIdsExhausted (5)');
    expect(r.modem.sessions()).toHaveLength(8);
    expect(r.modem.sessions().some((s) => s.muxId === 5)).toBe(false);
    expect(muxLinks(r).map((l) => l.muxId).sort()).toEqual([1, 2, 3, 4]);
    expect(r.env.store.read('cdc-wdm0')?.pdns.map((p) => p.request.muxId)).toEqual([1, 2, 3, 4]);
    await downAllAndCheckClean(r);
  });

  it('reordered-tlvs: the answers up reads really are reordered (Result TLV last) and carry vendor TLVs, and up works from them', async () => {
    const r = (rig = makeRig('rawip', 'reordered-tlvs'));
    const answers: Array<{ service: number; messageId: number; types: number[] }> = [];
    const { decodeFrame, isFrameError } = await import('../../../src/qmi/framing.js');
    const modem = r.modem;
    const attach = modem.attach.bind(modem);
    modem.attach = (send) =>
      attach((frame) => {
        const decoded = decodeFrame(frame);
        if (!isFrameError(decoded) && decoded.kind === 'response') answers.push({ service: decoded.service, messageId: decoded.messageId, types: decoded.tlvs.map((t) => t.type) });
        send(frame);
      });
    const result = await up(r.env, request(), options);
    expect(result.addresses.map((a) => a.address).sort()).toEqual(['10.1.0.2', 'fd00:1::2']);
    const of = (service: number, messageId: number) => answers.filter((a) => a.service === service && a.messageId === messageId);
    expect(of(0x1a, 0x20)[0]!.types).toEqual([0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0xe0, 0xe1, 0x16, 0x17, 0x18, 0x1a, 0x1b, 0x02]);
    expect(of(0x01, 0x20).map((a) => a.types)).toEqual([[0x01, 0xe2, 0x02], [0x01, 0xe2, 0x02]]);
    for (const answer of of(0x01, 0x2d)) {
      expect(answer.types).toEqual(expect.arrayContaining([0xe3, 0xe4]));
      expect(answer.types.at(-1)).toBe(0x02); // the Result TLV last
    }
    await downAllAndCheckClean(r);
  });

  it('flash: another profile on the same modem (the lab runs two in one boot) replaces the whole behaviour and restarts it', async () => {
    const r = (rig = makeRig('rawip', 'ec25-e-qmap-v1'));
    expect((await up(r.env, request({ ipType: '4' }), options)).dataFormat.rung).toBe('rmnet+qmap');
    await downAllAndCheckClean(r);
    r.modem.flash('sdx55-qmapv5');
    expect(r.modem.behaviour).toMatchObject({ model: 'FM150-AE', unsupportedAggregation: 'grant-disabled', downlinkMaxDatagrams: 32, downlinkMaxSize: 32768 });
    expect(r.modem.radio.behaviour).toMatchObject({ manufacturer: 'Fibocom', nr5g: true });
    expect(r.modem.dataFormat()).toMatchObject({ linkLayer: '802-3', downlinkAggregation: 'disabled' }); // restarted
    expect((await up(r.env, request({ ipType: '4' }), options)).dataFormat).toMatchObject({ rung: 'rmnet+qmapv5', dlMaxSize: 32768 });
    await downAllAndCheckClean(r);
  });
});
