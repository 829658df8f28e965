// deaggregate() is next() without per-packet field writes: same packets, same flags, same counters, on any
// sub-range of a buffer.
import { describe, expect, it } from 'vitest';
import {
  QMAP_PACKET_CHECKSUM_VALID,
  QMAP_PACKET_COMMAND,
  QmapReader,
  type QmapReaderOptions,
} from '../../../src/qmap/index.js';
import { buildTransferPool, seededRandom } from '../../../bench/qmap/fixtures.js';
import { randomBytes } from './helpers.js';

type Row = [number, number, number, number];

function viaNext(transfer: Uint8Array, options: QmapReaderOptions): { rows: Row[]; stats: Record<string, number> } {
  const reader = new QmapReader(options);
  reader.start(transfer);
  const rows: Row[] = [];
  while (reader.next()) {
    rows.push([reader.muxId, reader.offset, reader.length, (reader.checksumValid ? QMAP_PACKET_CHECKSUM_VALID : 0) | (reader.command ? QMAP_PACKET_COMMAND : 0)]);
  }
  return { rows, stats: reader.stats.toJSON() };
}

function viaCallback(transfer: Uint8Array, options: QmapReaderOptions): { rows: Row[]; stats: Record<string, number> } {
  const reader = new QmapReader(options);
  // inside a bigger buffer, walked through begin/end: offsets come back relative to the buffer
  const buffer = new Uint8Array(transfer.length + 10).fill(0x45);
  buffer.set(transfer, 7);
  const rows: Row[] = [];
  const delivered = reader.deaggregate(
    buffer,
    (muxId, data, offset, length, flags) => {
      expect(data).toBe(buffer);
      rows.push([muxId, offset - 7, length, flags]);
    },
    7,
    7 + transfer.length,
  );
  expect(delivered).toBe(rows.length);
  expect(reader.next()).toBe(false);
  return { rows, stats: reader.stats.toJSON() };
}

const combos: QmapReaderOptions[] = [
  { version: 1 },
  { version: 1, rules: 'rmnet' },
  { version: 4 },
  { version: 5 },
  { version: 5, deliverCommands: true },
  { version: 1, muxIds: [1, 2, 3] },
];

describe('QmapReader.deaggregate', () => {
  for (const options of combos) {
    it(`agree with next() on clean, corrupted and random transfers (${JSON.stringify(options)})`, () => {
      const random = seededRandom(5);
      for (let seed = 1; seed <= 6; seed++) {
        const pool = buildTransferPool({
          packetSize: (r) => 1 + Math.floor(r() * 700),
          datagrams: 1 + (seed * 5) % 32,
          poolBytes: 16 * 1024,
          version: options.version ?? 1,
          seed,
          muxCount: 6,
        });
        for (let t = 0; t < pool.lengths.length; t++) {
          const clean = pool.pool.subarray(pool.offsets[t]!, pool.offsets[t]! + pool.lengths[t]!);
          const corrupted = Uint8Array.from(clean);
          for (let f = 0; f < 3; f++) corrupted[Math.floor(random() * corrupted.length)] = Math.floor(random() * 256);
          // command bits on a few frames' first byte, so deliverCommands has something to deliver
          if (random() < 0.3 && corrupted.length > 0) corrupted[0] = corrupted[0]! | 0x80;
          for (const transfer of [clean, corrupted, randomBytes(random, Math.floor(random() * 200))]) {
            const expected = viaNext(transfer, options);
            expect(viaCallback(transfer, options)).toEqual(expected);
          }
        }
      }
    });
  }

  it('reports the checksum-valid flag per packet', () => {
    const pool = buildTransferPool({ packetSize: 100, datagrams: 4, poolBytes: 1, version: 5 });
    const flags: number[] = [];
    const reader = new QmapReader({ version: 5 });
    expect(reader.deaggregate(pool.pool, (_m, _d, _o, _l, f) => flags.push(f))).toBe(4);
    expect(flags).toEqual([1, 1, 1, 1]); // the fixture sets the valid bit
    expect(reader.stats.packets).toBe(4);
  });
});
