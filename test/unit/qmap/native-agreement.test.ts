// The benchmark's C loop (native/bench/qmap_walk.c) must mean the same as QmapReader, or its numbers compare
// nothing: same packets, same bytes, same counters, on clean and corrupted transfers.
// Both are also held to the kernel model in kernel-differential.test.ts (random malformed transfers).
import { describe, expect, it } from 'vitest';
import { QmapReader, type QmapRules, type QmapVersion } from '../../../src/qmap/index.js';
import { benchAddonPath, loadBenchAddon } from '../../../bench/lib/bench-addon.js';
import { buildTransferPool, seededRandom, type TransferPool } from '../../../bench/qmap/fixtures.js';

const addon = loadBenchAddon();

function walkInTypeScript(pool: TransferPool, version: QmapVersion, rules: QmapRules, muxIds?: number[]) {
  const reader = new QmapReader(muxIds ? { version, rules, muxIds } : { version, rules });
  let firstBytes = 0;
  for (let i = 0; i < pool.lengths.length; i++) {
    const begin = pool.offsets[i]!;
    reader.start(pool.pool, begin, begin + pool.lengths[i]!);
    while (reader.next()) firstBytes += pool.pool[reader.offset]!;
  }
  return { ...reader.stats.toJSON(), firstBytes };
}

function walkWithCallback(pool: TransferPool, version: QmapVersion, rules: QmapRules) {
  const reader = new QmapReader({ version, rules });
  let firstBytes = 0;
  const onPacket = (_mux: number, data: Uint8Array, offset: number) => {
    firstBytes += data[offset]!;
  };
  for (let i = 0; i < pool.lengths.length; i++) {
    const begin = pool.offsets[i]!;
    reader.deaggregate(pool.pool, onPacket, begin, begin + pool.lengths[i]!);
  }
  return { ...reader.stats.toJSON(), firstBytes };
}

function corrupt(pool: TransferPool, seed: number, flips: number): TransferPool {
  const random = seededRandom(seed);
  const bytes = Buffer.from(pool.pool);
  for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
  return { ...pool, pool: bytes };
}

describe.skipIf(!addon)(`C bench loop agrees with QmapReader (${benchAddonPath()})`, () => {
  const combos: Array<[QmapVersion, QmapRules]> = [
    [1, 'qmimux'],
    [1, 'rmnet'],
    [4, 'rmnet'],
    [5, 'rmnet'],
  ];
  for (const [version, rules] of combos) {
    it(`v${version} ${rules}: random mixes, clean and corrupted`, () => {
      for (let seed = 1; seed <= 12; seed++) {
        const clean = buildTransferPool({
          packetSize: (r) => 20 + Math.floor(r() * 1481),
          datagrams: 1 + (seed % 32),
          poolBytes: 64 * 1024,
          version,
          seed,
          muxCount: 254,
        });
        for (const pool of [clean, corrupt(clean, seed, 50), corrupt(clean, seed + 100, 2000)]) {
          const typescript = walkInTypeScript(pool, version, rules);
          const native = addon!.walk(pool.pool, pool.lengths, 1, version, rules === 'rmnet');
          expect(native).toEqual(typescript);
          expect(native).toEqual(walkWithCallback(pool, version, rules));
          let perTransfer = 0;
          for (let i = 0; i < pool.lengths.length; i++) {
            perTransfer += addon!.walkRange(pool.pool, pool.offsets[i]!, pool.offsets[i]! + pool.lengths[i]!, version, rules === 'rmnet');
          }
          expect(perTransfer).toBe(typescript.firstBytes);
          if (pool === clean) {
            expect(native.packets).toBe(clean.packets);
            expect(native.bytes).toBe(clean.payloadBytes);
          }
        }
      }
    });
  }

  it('agrees with a mux filter, and sums over rounds', () => {
    const pool = buildTransferPool({ packetSize: 64, datagrams: 8, poolBytes: 32 * 1024, seed: 9, muxCount: 4 });
    const accepted = new Uint8Array(256);
    accepted[1] = accepted[3] = 1;
    const typescript = walkInTypeScript(pool, 1, 'qmimux', [1, 3]);
    const native = addon!.walk(pool.pool, pool.lengths, 1, 1, false, accepted);
    expect(native).toEqual(typescript);
    expect(native.unknownMux).toBeGreaterThan(0);
    const three = addon!.walk(pool.pool, pool.lengths, 3, 1, false);
    expect(three.packets).toBe(3 * pool.packets);
  });
});
