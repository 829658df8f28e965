/**
 * bench-kernel: packets per second the real kernel (qmi_wwan + usbnet, then qmimux or rmnet) delivers to a
 * mux link, with 1, 8 and 32 datagrams per DL transfer and receive sizes (bulk-IN URB) of about 16, 32 and
 * 64 KiB. Data for bench/kernel (docs/benchmarks.md); the checks are only that it worked (every cell
 * delivered packets, no transfer met a smaller URB). Everything runs on the guest's one vCPU under TCG with
 * the modem on USB/IP over loopback: ratios between cells mean something, absolute numbers do not.
 *
 * Transfers come from test/modem/usbip/burst.ts: one transfer built once, offered as fast as the host posts
 * URBs, for DURATION_MS, ROUNDS times per cell (the median is reported), after one warm-up burst. Packets are 508-byte UDP/IPv4 (512-byte QMAP v1 frames), so 32 of them fit
 * the smallest receive size and every cell moves the same packets.
 */
import { attachModem, ip, netStat, readAttribute, sleep, waitFor, writeAttribute, type Recorder } from '../harness.js';
import { addMux, linkUp, rawIp, setReceiveSize } from '../steps.js';
import { buildTransfer, burst } from '../../../test/modem/usbip/burst.js';

const DURATION_MS = 1000;
/** Each cell is measured ROUNDS times (datagram counts interleaved); the median goes to the docs. */
const ROUNDS = 3;
const PACKET_SIZE = 508;
const DATAGRAMS = [1, 8, 32];
/** qmimux: 802.3 MTU (URB = MTU + 14; a multiple of 512 is EDOM); rmnet: raw-ip MTU (URB = MTU). */
const SIZES = [
  { label: '16 KiB', qmimuxMtu: 16384, rawMtu: 16385 },
  { label: '32 KiB', qmimuxMtu: 32768, rawMtu: 32769 },
  { label: '64 KiB', qmimuxMtu: 65521, rawMtu: 65535 },
];

export interface KernelCell {
  backend: 'qmimux' | 'rmnet';
  receiveSize: string;
  urbBytes: number;
  datagrams: number;
  packetSize: number;
  transferBytes: number;
  offered: number;
  transfers: number;
  overflowed: number;
  dropped: number;
  packets: number;
  elapsedMs: number;
  pps: number;
  /** pps of every round, in order */
  samples: number[];
  rxOverErrors: number;
  parentRxDropped: number;
  linkRxDropped: number;
  softnetDropped: number;
}

/** Sum of the "dropped" column of /proc/net/softnet_stat (packets the backlog queue refused). */
function softnetDropped(): number {
  const text = readAttribute('/proc/net/softnet_stat') ?? '';
  return text.split('\n').filter(Boolean).reduce((sum, line) => sum + parseInt(line.split(/\s+/)[1] ?? '0', 16), 0);
}

export async function benchKernelScenario(rec: Recorder): Promise<void> {
  const { lab, wwan } = await attachModem(rec);
  const device = lab.device;
  const cells: KernelCell[] = [];
  rec.data.cells = cells;
  rec.data.settings = { durationMs: DURATION_MS, packetSize: PACKET_SIZE, qmapVersion: 1 };

  const once = async (link: string, datagrams: number) => {
    const transfer = buildTransfer({ muxId: 1, datagrams, packetSize: PACKET_SIZE });
    const before = { rx: netStat(link, 'rx_packets'), over: netStat(wwan, 'rx_over_errors'), pdrop: netStat(wwan, 'rx_dropped'), ldrop: netStat(link, 'rx_dropped'), soft: softnetDropped() };
    const r = await burst(device, transfer, { durationMs: DURATION_MS });
    await sleep(200);
    const packets = netStat(link, 'rx_packets') - before.rx;
    return {
      transferBytes: transfer.length,
      r,
      packets,
      pps: packets / (r.elapsedMs / 1000),
      rxOverErrors: netStat(wwan, 'rx_over_errors') - before.over,
      parentRxDropped: netStat(wwan, 'rx_dropped') - before.pdrop,
      linkRxDropped: netStat(link, 'rx_dropped') - before.ldrop,
      softnetDropped: softnetDropped() - before.soft,
    };
  };
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

  const measure = async (backend: KernelCell['backend'], link: string, size: (typeof SIZES)[number]) => {
    const runs = new Map<number, Array<Awaited<ReturnType<typeof once>>>>(DATAGRAMS.map((d) => [d, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const datagrams of DATAGRAMS) runs.get(datagrams)!.push(await once(link, datagrams));
    }
    for (const datagrams of DATAGRAMS) {
      const list = runs.get(datagrams)!;
      const sum = (pick: (x: (typeof list)[number]) => number) => list.reduce((n, x) => n + pick(x), 0);
      const cell: KernelCell = {
        backend,
        receiveSize: size.label,
        urbBytes: device.stats.lastInUrbLength,
        datagrams,
        packetSize: PACKET_SIZE,
        transferBytes: list[0]!.transferBytes,
        offered: sum((x) => x.r.offered),
        transfers: sum((x) => x.r.delivered),
        overflowed: sum((x) => x.r.overflowed),
        dropped: sum((x) => x.r.dropped),
        packets: sum((x) => x.packets),
        elapsedMs: Math.round(sum((x) => x.r.elapsedMs)),
        pps: Math.round(median(list.map((x) => x.pps))),
        samples: list.map((x) => Math.round(x.pps)),
        rxOverErrors: sum((x) => x.rxOverErrors),
        parentRxDropped: sum((x) => x.parentRxDropped),
        linkRxDropped: sum((x) => x.linkRxDropped),
        softnetDropped: sum((x) => x.softnetDropped),
      };
      cells.push(cell);
      process.stdout.write(`bench-kernel: ${JSON.stringify(cell)}\n`);
      rec.check(`${backend} ${size.label} x${datagrams}: packets delivered, no transfer above the URB`, cell.packets > 0 && cell.overflowed === 0, {
        pps: cell.pps,
        samples: cell.samples,
        urb: cell.urbBytes,
        overflowed: cell.overflowed,
      });
    }
  };

  // qmimux: raw-ip, one qmimux child, the receive size set with KERNEL.md's procedure (802.3 MTU).
  await ip(rec, 'link', 'set', wwan, 'down');
  rec.check('raw_ip=Y', rawIp(wwan, 'Y') === undefined);
  const qmimux = await addMux(rec, wwan, 1);
  for (const size of SIZES) {
    const error = await setReceiveSize(rec, wwan, size.qmimuxMtu);
    rec.check(`qmimux: receive size procedure, MTU ${size.qmimuxMtu}`, error === undefined, error);
    await linkUp(rec, wwan);
    await linkUp(rec, qmimux);
    const urb = size.qmimuxMtu + 14;
    await waitFor(`bulk-IN URBs of ${urb} B`, () => device.stats.pendingInUrbs > 0 && device.stats.lastInUrbLength === urb, 10_000).catch(() => false);
    // The URB usbnet posts is what counts (it does not always follow the MTU: see KERNEL.md); recorded per cell.
    rec.check(`qmimux: bulk-IN URBs of at least 16 KiB for ${size.label}`, device.stats.lastInUrbLength >= 16384, { urb: device.stats.lastInUrbLength, asked: urb });
    if (size === SIZES[0]) {
      // Warm-up, not recorded: the emulated modem's JIT and the guest's caches.
      await once(qmimux, 8);
      await once(qmimux, 1);
    }
    await measure('qmimux', qmimux, size);
  }

  // rmnet: drop the qmimux child, parent MTU 16384 while the link is made (rmnet refuses a parent above
  // 16388), pass_through Y, then the parent's raw-ip MTU is the URB size (not a multiple of 512: EDOM).
  await ip(rec, 'link', 'set', wwan, 'down');
  const del = writeAttribute(`/sys/class/net/${wwan}/qmi/del_mux`, '1');
  rec.check('del_mux 1', del === undefined, del);
  const error = await setReceiveSize(rec, wwan, 16384);
  rec.check('rmnet: parent MTU 16384 between the raw_ip toggles', error === undefined, error);
  const passThrough = writeAttribute(`/sys/class/net/${wwan}/qmi/pass_through`, 'Y');
  rec.check('pass_through=Y', passThrough === undefined, passThrough);
  const rmnet = 'rmnet_bench1';
  const add = await ip(rec, 'link', 'add', 'link', wwan, 'name', rmnet, 'type', 'rmnet', 'mux_id', '1');
  rec.check('ip link add rmnet mux_id 1', add.code === 0, add.stderr.trim() || undefined);
  await linkUp(rec, wwan);
  await linkUp(rec, rmnet);
  for (const size of SIZES) {
    const set = await ip(rec, 'link', 'set', wwan, 'mtu', String(size.rawMtu));
    rec.check(`rmnet: parent raw-ip MTU ${size.rawMtu}`, set.code === 0, set.stderr.trim() || undefined);
    await waitFor(`bulk-IN URBs of ${size.rawMtu} B`, () => device.stats.pendingInUrbs > 0 && device.stats.lastInUrbLength === size.rawMtu, 10_000).catch(() => false);
    rec.check(`rmnet: bulk-IN URBs of at least 16 KiB for ${size.label}`, device.stats.lastInUrbLength >= 16384, { urb: device.stats.lastInUrbLength, asked: size.rawMtu });
    await measure('rmnet', rmnet, size);
  }
  rec.data.deviceStats = { ...device.stats };
}
