/**
 * Burst mode for the DL data plane: many QMAP-aggregated bulk-IN transfers, as fast as the host takes them.
 * A wrapper around UsbQmiDevice.sendBulkIn (data-plane.ts builds one transfer per call and allocates its
 * packets each time, which would be what gets measured): one transfer is built once with src/qmap's
 * aggregator and offered again and again, keeping at most `window` transfers waiting for a URB (the device's
 * backlog holds 512), and yielding to the event loop so the USB/IP socket keeps moving.
 */
import { QmapAddResult, QmapAggregator, type QmapVersion } from '../../../src/qmap/index.js';
import type { UsbQmiDevice } from './device.js';
import { udp4Packet } from './ip.js';

export interface BurstTransfer {
  muxId: number;
  datagrams: number;
  /** IP packet size, bytes (each QMAP frame adds its header). */
  packetSize: number;
  version?: QmapVersion;
  destination?: string;
}

/** One QMAP transfer of `datagrams` UDP/IPv4 packets of `packetSize` bytes for `muxId`. */
export function buildTransfer(t: BurstTransfer): Uint8Array {
  const buffer = new Uint8Array(65536);
  const aggregator = new QmapAggregator(buffer, { maxSize: buffer.length, maxDatagrams: 255, version: t.version ?? 1 });
  for (let i = 0; i < t.datagrams; i++) {
    const packet = udp4Packet('198.51.100.7', t.destination ?? `10.${64 + (t.muxId & 0x3f)}.0.2`, t.packetSize, i);
    if (aggregator.add(t.muxId, packet) !== QmapAddResult.added) throw new Error(`${t.datagrams} x ${t.packetSize} B do not fit one transfer`);
  }
  return new Uint8Array(aggregator.take());
}

export interface BurstOptions {
  /** Stop offering new transfers after this long, ms. */
  durationMs: number;
  /** Transfers offered but not yet completed by the host, at most (default 256). */
  window?: number;
  /** After the last offer, wait at most this long for the host to take the rest, ms (default 5000). */
  drainMs?: number;
}

export interface BurstResult {
  /** transfers offered */
  offered: number;
  /** transfers completed into URBs with data */
  delivered: number;
  /** transfers answered -EOVERFLOW (URB smaller than the transfer) */
  overflowed: number;
  /** transfers dropped because the backlog was full (should stay 0: the window is below the backlog) */
  dropped: number;
  /** from the first offer to the last completion, ms */
  elapsedMs: number;
}

// A 1 ms timer, not setImmediate: the guest has one vCPU, and a spinning event loop would take it from the
// kernel threads that complete the URBs being measured. The backlog (window) covers the millisecond.
const yieldToLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/** Offers `transfer` to the host repeatedly for `durationMs`; resolves when the host has taken them all. */
export async function burst(device: Pick<UsbQmiDevice, 'sendBulkIn' | 'stats'>, transfer: Uint8Array, options: BurstOptions): Promise<BurstResult> {
  const window = options.window ?? 256;
  const stats = device.stats;
  const base = { delivered: stats.inTransfers, overflowed: stats.inOverflows, dropped: stats.inBacklogDrops };
  const completed = () => stats.inTransfers - base.delivered + (stats.inOverflows - base.overflowed);
  let offered = 0;
  let dropped = 0;
  const start = performance.now();
  let lastCompletion = start;
  let lastCompleted = 0;
  const note = () => {
    const c = completed();
    if (c !== lastCompleted) {
      lastCompleted = c;
      lastCompletion = performance.now();
    }
  };
  while (performance.now() - start < options.durationMs) {
    while (offered - completed() < window) {
      if (device.sendBulkIn(transfer) === 'dropped') dropped++;
      offered++;
    }
    note();
    await yieldToLoop();
  }
  const drainUntil = performance.now() + (options.drainMs ?? 5000);
  while (completed() + dropped < offered && performance.now() < drainUntil) {
    await yieldToLoop();
    note();
  }
  note();
  return {
    offered,
    delivered: stats.inTransfers - base.delivered,
    overflowed: stats.inOverflows - base.overflowed,
    dropped,
    elapsedMs: lastCompletion - start,
  };
}
