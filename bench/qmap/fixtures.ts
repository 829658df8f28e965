// Transfer pools for the QMAP benchmarks and the C-agreement test: aggregated transfers laid back to back in one
// buffer, with their sizes, built by the codec's own aggregator.
import { QmapAddResult, QmapAggregator, qmapFrameLength, type QmapVersion } from '../../src/qmap/index.js';

export interface TransferPool {
  /** Transfers back to back. A Buffer so the memcpy baseline can use Buffer.copy with offsets. */
  pool: Buffer;
  /** Size of each transfer. */
  lengths: Uint32Array;
  /** Start of each transfer in `pool` (lengths summed). */
  offsets: Uint32Array;
  /** Packets in the whole pool (every one deliverable unless the pool was corrupted). */
  packets: number;
  /** Packet bytes in the whole pool (headers, pad and trailers excluded). */
  payloadBytes: number;
}

export interface PoolSpec {
  /** Packet size, or a function choosing one per packet. */
  packetSize: number | ((random: () => number) => number);
  /** Datagrams per transfer (the WDA max datagrams; every transfer is filled to it). */
  datagrams: number;
  /** Stop adding transfers once the pool holds this many bytes. */
  poolBytes: number;
  version?: QmapVersion;
  seed?: number;
  /** Mux ids are drawn from 1..muxCount. */
  muxCount?: number;
}

import { seededRandom } from '../../test/support/random.js';

export { seededRandom };

export function buildTransferPool(spec: PoolSpec): TransferPool {
  const random = seededRandom(spec.seed ?? 1);
  const version = spec.version ?? 1;
  const muxCount = spec.muxCount ?? 8;
  const sizeOf = typeof spec.packetSize === 'number' ? () => spec.packetSize as number : spec.packetSize;
  const maxTransfer = spec.datagrams * qmapFrameLength(65532, version);
  const scratch = new Uint8Array(Math.min(maxTransfer, 4 * 1024 * 1024));
  const aggregator = new QmapAggregator(scratch, { maxSize: scratch.length, maxDatagrams: spec.datagrams, version, checksumValid: true });
  const chunks: Uint8Array[] = [];
  const lengths: number[] = [];
  let total = 0;
  let packets = 0;
  let payloadBytes = 0;
  const packetBuffer = new Uint8Array(65532);
  for (let i = 0; i < packetBuffer.length; i++) packetBuffer[i] = Math.floor(random() * 256);
  while (total < spec.poolBytes) {
    for (let d = 0; d < spec.datagrams; d++) {
      const size = Math.max(1, Math.min(65532, Math.floor(sizeOf(random))));
      const packet = packetBuffer.subarray(0, size);
      packet[0] = random() < 0.75 ? 0x45 : 0x60; // IPv4 / IPv6 first nibble: qmimux rules deliver both
      const result = aggregator.add(1 + Math.floor(random() * muxCount), packet);
      if (result !== QmapAddResult.added) throw new Error(`fixture: cannot aggregate a ${size}-byte packet (${result})`);
      packets++;
      payloadBytes += size;
    }
    const transfer = aggregator.take().slice();
    chunks.push(transfer);
    lengths.push(transfer.length);
    total += transfer.length;
  }
  const pool = Buffer.alloc(total);
  const offsets = new Uint32Array(lengths.length);
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    offsets[i] = at;
    pool.set(chunks[i]!, at);
    at += chunks[i]!.length;
  }
  return { pool, lengths: Uint32Array.from(lengths), offsets, packets, payloadBytes };
}
