/**
 * bench-mm: rmnetctl beside ModemManager's own multiplexed connect, on the same emulated EC25 in the same
 * guest (issue 12). ModemManager holds the port, enabled and registered; then, interleaved, ROUNDS times for
 * one and for two PDNs:
 *   - ModemManager: `mmcli --simple-connect=apn=...,multiplex=requested` (a second bearer for ims), each
 *     bearer's link configured as NetworkManager would (address, up), `--simple-disconnect` afterwards;
 *   - rmnetctl: `rmnetctl up --mux N --apn ...` through qmi-proxy, one per PDN, `down --all` afterwards.
 * Per sample: the time to connected (mmcli / up returned) and to the first ping answered through every new
 * link; the data format each asked (WDA Set Data Format from the QMI trace: DL aggregation protocol,
 * datagrams, size) and was granted, the parent's MTU, the receive URB usbnet posts, the links' MTU and kind.
 * In every one-PDN sample (so interleaved like the rest): the downlink packets per second through the kernel
 * (test/modem's burst: 8 and 32 QMAP datagrams of 512 bytes per transfer, 1 s each; and one second of
 * 30080-byte transfers, 20 datagrams of 1500 bytes, within the 32 KiB grant: whether the receive URB takes them). Data for docs/benchmarks.md
 * ("rmnetctl beside ModemManager"); CI runs one round of it (`bench-mm-once`). The checks say that every
 * sample connected and pinged.
 */
import { attachModem, netStat, readAttribute, run, sleep, type AttachedModem, type Recorder } from '../harness.js';
import { MM_LAB_AGGREGATION, configureBearerLink, connectedBearer, enableAndRegister, mmcli, simpleConnect, startModemManagerStack, waitForModem, waitForModemState, type MmBearer } from '../modemmanager.js';
import { buildTransfer, burst } from '../../../test/modem/usbip/burst.js';
import { waitForUdev } from './mm-connect.js';
import { cliDetail, emulator, muxLinks, rmnetctl } from './session-lib.js';

const ROUNDS = 5;
const APNS = ['internet', 'ims'];
const WDA = 0x1a;
const WDA_SET_DATA_FORMAT = 0x0020;

export interface Sample {
  tool: 'mm' | 'rmnetctl';
  pdns: number;
  round: number;
  connectedMs: number;
  firstPacketMs: number;
  ok: boolean;
  asked?: Record<string, number | undefined>;
  granted?: Record<string, unknown>;
  parentMtu?: number;
  urb?: number;
  links?: Array<{ name: string; kind: string; muxId: number; mtu: number | undefined }>;
  mode?: { rawIp?: string; passThrough?: string };
  pps?: Record<string, number>;
  error?: unknown;
}

const u32 = (v: Uint8Array | undefined) => (v && v.length >= 4 ? new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true) : undefined);

/** The last WDA Set Data Format request since frame `from`: what the host asked (libqmi's TLV numbers). */
function askedFormat(modem: AttachedModem, from: number): Sample['asked'] {
  const frame = emulator(modem).received.slice(from).filter((f) => f.service === WDA && f.messageId === WDA_SET_DATA_FORMAT).at(-1);
  if (!frame) return undefined;
  const tlv = (t: number) => frame.tlvs.find((x) => x.type === t)?.value;
  return { linkLayer: u32(tlv(0x11)), ulAggregation: u32(tlv(0x12)), dlAggregation: u32(tlv(0x13)), dlMaxDatagrams: u32(tlv(0x15)), dlMaxSize: u32(tlv(0x16)) };
}

/** Pings once a 100 ms until one answer comes back through `link` (the first packet), for 30 s at most. */
async function firstAnswer(link: string, gateway: string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await run('ping', ['-c', '1', '-W', '1', '-I', link, gateway], 5_000)).code === 0) return true;
    await sleep(100);
  }
  return false;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** DL packets per second the kernel delivers to `link` for `muxId`: 8 and 32 datagrams per transfer. */
async function downlinkPps(modem: AttachedModem, link: string, muxId: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const datagrams of [8, 32]) {
    const transfer = buildTransfer({ muxId, datagrams, packetSize: 508 });
    const before = netStat(link, 'rx_packets');
    const r = await burst(modem.lab.device, transfer, { durationMs: 1000 });
    await sleep(200);
    out[`x${datagrams}`] = Math.round((netStat(link, 'rx_packets') - before) / (r.elapsedMs / 1000));
  }
  // Aggregates near the granted 32 KiB (20 x 1500-byte packets, 30080 B): does the receive URB take them?
  const big = buildTransfer({ muxId, datagrams: 20, packetSize: 1500 });
  const before = netStat(link, 'rx_packets');
  const r = await burst(modem.lab.device, big, { durationMs: 1000 });
  await sleep(200);
  out.x20of1500 = Math.round((netStat(link, 'rx_packets') - before) / (r.elapsedMs / 1000));
  out.x20of1500Overflowed = r.overflowed;
  out.x20of1500Offered = r.offered;
  return out;
}

async function kernelView(modem: AttachedModem, sample: Sample): Promise<void> {
  const { wwan } = modem;
  sample.granted = { ...emulator(modem).dataFormat() };
  sample.parentMtu = Number(readAttribute(`/sys/class/net/${wwan}/mtu`));
  sample.urb = modem.lab.device.stats.lastInUrbLength;
  sample.links = (await muxLinks(wwan)).map((l) => ({ name: l.name, kind: l.kind, muxId: l.muxId, mtu: l.link.mtu }));
  sample.mode = { rawIp: readAttribute(`/sys/class/net/${wwan}/qmi/raw_ip`), passThrough: readAttribute(`/sys/class/net/${wwan}/qmi/pass_through`) };
}

async function mmSample(rec: Recorder, modem: AttachedModem, index: string, pdns: number, round: number, measurePps: boolean): Promise<Sample> {
  const from = emulator(modem).received.length;
  const started = Date.now();
  const bearers: MmBearer[] = [];
  const sample: Sample = { tool: 'mm', pdns, round, connectedMs: 0, firstPacketMs: 0, ok: false };
  try {
    for (const apn of APNS.slice(0, pdns)) {
      const connect = await simpleConnect(index, apn);
      if (!connect.bearer?.connected) {
        sample.error = { apn, out: (connect.result.stdout + connect.result.stderr).trim().slice(0, 600) };
        return sample;
      }
      bearers.push(connect.bearer);
    }
    sample.connectedMs = Date.now() - started;
    for (const b of bearers) {
      const error = await configureBearerLink(b);
      if (error) {
        sample.error = error;
        return sample;
      }
    }
    const answered = await Promise.all(bearers.map((b) => firstAnswer(b.interface!, b.ipv4!.gateway)));
    sample.firstPacketMs = Date.now() - started;
    sample.ok = answered.every(Boolean);
    sample.asked = askedFormat(modem, from);
    await kernelView(modem, sample);
    if (measurePps && sample.ok) {
      const link = sample.links?.find((l) => l.name === bearers[0]!.interface);
      if (link) sample.pps = await downlinkPps(modem, link.name, link.muxId);
    }
    return sample;
  } finally {
    const off = await mmcli('-m', index, '--simple-disconnect');
    if (off.code !== 0) rec.data[`mmDisconnect${round}x${pdns}`] = off.stderr.trim();
    await waitForModemState(index, (s) => s.state === 'registered', 20_000).catch(() => undefined);
    // ModemManager's links go with its bearers; wait so the next sample starts from a parent without links.
    for (let i = 0; i < 50 && (await muxLinks(modem.wwan)).length > 0; i++) await sleep(100);
  }
}

async function rmnetctlSample(project: string, modem: AttachedModem, pdns: number, round: number, measurePps: boolean): Promise<Sample> {
  const emu = emulator(modem);
  const from = emu.received.length;
  const started = Date.now();
  const sample: Sample = { tool: 'rmnetctl', pdns, round, connectedMs: 0, firstPacketMs: 0, ok: false };
  try {
    const links: Array<{ link: string; muxId: number }> = [];
    for (const [i, apn] of APNS.slice(0, pdns).entries()) {
      const up = await rmnetctl(project, ['up', '--mux', String(i + 1), '--apn', apn, '--json']);
      if (up.code !== 0) {
        sample.error = cliDetail(up);
        return sample;
      }
      links.push({ link: (up.json as { link: string }).link, muxId: i + 1 });
    }
    sample.connectedMs = Date.now() - started;
    const answered = await Promise.all(links.map((l) => firstAnswer(l.link, emu.sessions().find((s) => s.muxId === l.muxId && s.ipv4)?.ipv4?.gateway ?? '')));
    sample.firstPacketMs = Date.now() - started;
    sample.ok = answered.every(Boolean);
    sample.asked = askedFormat(modem, from);
    await kernelView(modem, sample);
    if (measurePps && sample.ok) sample.pps = await downlinkPps(modem, links[0]!.link, links[0]!.muxId);
    return sample;
  } finally {
    await rmnetctl(project, ['down', '--all', '--json']);
  }
}

/** The benchmark for docs/benchmarks.md: 5 interleaved rounds (about 8 minutes, not in CI). */
export const benchMmScenario = (rec: Recorder, project: string): Promise<void> => benchMm(rec, project, ROUNDS);

/** CI's run of the same benchmark: one round of each, so both paths, their formats and sizes are checked every time. */
export const benchMmOnceScenario = (rec: Recorder, project: string): Promise<void> => benchMm(rec, project, 1);

async function benchMm(rec: Recorder, project: string, rounds: number): Promise<void> {
  const stack = await startModemManagerStack(rec);
  const modem = await attachModem(rec);
  const emu = emulator(modem);
  // Disabled and QMAPv1, like a real EC25 (and ModemManager 1.20.4 cannot carry QMAPv5: modemmanager.ts).
  emu.behaviour.supportedAggregation = [...MM_LAB_AGGREGATION];
  const samples: Sample[] = [];
  rec.data.samples = samples;
  try {
    await waitForUdev(`/dev/${modem.cdcWdm}`);
    const index = await waitForModem(90_000);
    if (!rec.check('ModemManager lists the modem', index !== undefined)) return;
    await waitForModemState(index!, (s) => s.state !== undefined && !['unknown', 'initializing', 'locked'].includes(s.state), 90_000);
    await enableAndRegister(rec, index!, 'bench');
    rec.data.modemManager = (await run('ModemManager', ['--version'])).stdout.split('\n')[0];
    for (let round = 0; round < rounds; round++) {
      for (const pdns of [1, 2]) {
        // Interleaved, and which tool goes first alternates: neither always meets a warmer guest.
        const order = (round + pdns) % 2 === 0 ? ['mm', 'rmnetctl'] : ['rmnetctl', 'mm'];
        for (const tool of order) {
          const pps = pdns === 1;
          const sample = tool === 'mm' ? await mmSample(rec, modem, index!, pdns, round, pps) : await rmnetctlSample(project, modem, pdns, round, pps);
          samples.push(sample);
          process.stdout.write(`bench-mm: ${JSON.stringify(sample)}\n`);
          rec.check(`${tool} ${pdns} PDN(s) round ${round + 1}: connected and pinged through every link`, sample.ok, sample.error ?? sample);
        }
      }
    }
    const summary: Record<string, unknown> = {};
    for (const pdns of [1, 2]) {
      const of = (tool: Sample['tool'], pick: (s: Sample) => number) => median(samples.filter((s) => s.tool === tool && s.pdns === pdns && s.ok).map(pick));
      const row = (pick: (s: Sample) => number) => ({ mm: of('mm', pick), rmnetctl: of('rmnetctl', pick), ratio: Number((of('rmnetctl', pick) / of('mm', pick)).toFixed(2)) });
      summary[`${pdns}pdn`] = { connectedMs: row((s) => s.connectedMs), firstPacketMs: row((s) => s.firstPacketMs) };
      if (pdns === 1) for (const key of ['x8', 'x32', 'x20of1500']) summary[`pps ${key}`] = { mm: of('mm', (s) => s.pps?.[key] ?? 0), rmnetctl: of('rmnetctl', (s) => s.pps?.[key] ?? 0) };
    }
    rec.data.summary = summary;
    rec.data.stillRegistered = (await connectedBearer(index!)) === undefined;
  } finally {
    await stack.stop();
  }
}
