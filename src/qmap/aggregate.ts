// Packing packets into aggregated transfers under the limits WDA granted (max size, max datagrams), in a
// buffer the caller owns. The modem does this for downlink; the host for uplink when UL aggregation is on.
// No allocation per packet: each add() encodes straight into the buffer.
import { encodeQmapCommand, encodeQmapPacket, QmapEncodeError, type QmapEncodeOptions } from './encode.js';
import { QMAP_MAX_MUX_ID, QMAP_MIN_MUX_ID, qmapFrameLength, type QmapVersion } from './format.js';

export interface QmapAggregationLimits {
  /** Largest transfer in bytes (WDA DL/UL max size). Capped at the buffer's length. */
  maxSize: number;
  /** Most frames per transfer (WDA DL/UL max datagrams). */
  maxDatagrams: number;
  /** 1 (default), 4 or 5. */
  version?: QmapVersion;
  /** Checksum-valid bit written into every v4/v5 data frame. Default false. */
  checksumValid?: boolean;
}

/** What add() did. */
export const QmapAddResult = {
  /** The frame is in the transfer. */
  added: 0,
  /** The frame does not fit (size or datagram count): take() the transfer, then add it again. */
  full: 1,
  /** The frame can never fit a transfer under these limits (or exceeds the 16-bit length): drop it. */
  tooLarge: 2,
  /** Mux id outside 1..254 (commands: 0..255). */
  badMuxId: 3,
} as const;
export type QmapAddResult = (typeof QmapAddResult)[keyof typeof QmapAddResult];

export class QmapAggregator {
  private readonly buffer: Uint8Array;
  private readonly maxSize: number;
  private readonly maxDatagrams: number;
  private readonly encodeOptions: QmapEncodeOptions;
  private used = 0;
  private count = 0;

  constructor(buffer: Uint8Array, limits: QmapAggregationLimits) {
    this.buffer = buffer;
    this.maxSize = Math.max(0, Math.min(Math.floor(limits.maxSize), buffer.length));
    this.maxDatagrams = Math.max(1, Math.floor(limits.maxDatagrams));
    this.encodeOptions = { version: limits.version ?? 1, checksumValid: limits.checksumValid === true };
  }

  /** Bytes in the current transfer. */
  get length(): number {
    return this.used;
  }

  /** Frames in the current transfer. */
  get datagrams(): number {
    return this.count;
  }

  /** Appends one data frame for `packet` on `muxId`. */
  add(muxId: number, packet: Uint8Array): QmapAddResult {
    return this.append(muxId, packet, false);
  }

  /** Appends one command frame (flow control, ...) whose payload is `body`. */
  addCommand(muxId: number, body: Uint8Array): QmapAddResult {
    return this.append(muxId, body, true);
  }

  /**
   * The transfer built so far, as a view of the buffer (no copy), and starts a new one. The view is valid until
   * the next add(): send or copy it first.
   */
  take(): Uint8Array {
    const transfer = this.buffer.subarray(0, this.used);
    this.used = 0;
    this.count = 0;
    return transfer;
  }

  /** Drops the transfer built so far. */
  reset(): void {
    this.used = 0;
    this.count = 0;
  }

  private append(muxId: number, payload: Uint8Array, command: boolean): QmapAddResult {
    const maxMuxId = command ? 0xff : QMAP_MAX_MUX_ID;
    const minMuxId = command ? 0 : QMAP_MIN_MUX_ID;
    if (!(muxId >= minMuxId && muxId <= maxMuxId) || (muxId | 0) !== muxId) return QmapAddResult.badMuxId;
    const frameLength = qmapFrameLength(payload.length, this.encodeOptions.version, command);
    if (frameLength > this.maxSize) return QmapAddResult.tooLarge;
    if (this.count >= this.maxDatagrams || this.used + frameLength > this.maxSize) {
      // A frame that would not fit an empty transfer was refused above, so "full" always makes progress.
      return QmapAddResult.full;
    }
    const target = this.buffer;
    const written = command
      ? encodeQmapCommand(target, this.used, muxId, payload, this.encodeOptions)
      : encodeQmapPacket(target, this.used, muxId, payload, this.encodeOptions);
    if (written < 0) return written === QmapEncodeError.badMuxId ? QmapAddResult.badMuxId : QmapAddResult.tooLarge;
    this.used += written;
    this.count++;
    return QmapAddResult.added;
  }
}

/** One packet to aggregate. */
export interface QmapOutgoingPacket {
  muxId: number;
  packet: Uint8Array;
}

/**
 * Aggregates `packets` in order into as many transfers as the limits need, handing each to `onTransfer` (a view
 * of `buffer`, valid during the call). Packets that can never fit or have a bad mux id are counted in the
 * result and skipped.
 */
export function aggregatePackets(
  packets: Iterable<QmapOutgoingPacket>,
  buffer: Uint8Array,
  limits: QmapAggregationLimits,
  onTransfer: (transfer: Uint8Array, datagrams: number) => void,
): { transfers: number; packets: number; rejected: number } {
  const aggregator = new QmapAggregator(buffer, limits);
  let transfers = 0;
  let added = 0;
  let rejected = 0;
  const flush = () => {
    const datagrams = aggregator.datagrams;
    onTransfer(aggregator.take(), datagrams);
    transfers++;
  };
  for (const { muxId, packet } of packets) {
    let result = aggregator.add(muxId, packet);
    if (result === QmapAddResult.full) {
      flush();
      result = aggregator.add(muxId, packet);
    }
    if (result === QmapAddResult.added) added++;
    else rejected++;
  }
  if (aggregator.datagrams > 0) flush();
  return { transfers, packets: added, rejected };
}
