// Random bytes in: no throw, no read outside the transfer, every packet inside it, counters consistent.
import { describe, expect, it } from 'vitest';
import { aggregatePackets, QmapReader, type QmapRules, type QmapVersion } from '../../../src/qmap/index.js';
import { randomBytes, randomInt, randomIpPacket, seededRandom } from './helpers.js';

/** A Uint8Array stand-in that throws on any index read outside [0, length). */
function guarded(bytes: Uint8Array): Uint8Array {
  return new Proxy(bytes, {
    get(target, key) {
      if (typeof key === 'string' && String(Number(key)) === key) {
        const index = Number(key);
        if (!Number.isInteger(index) || index < 0 || index >= target.length) {
          throw new RangeError(`out-of-bounds read at ${key} (length ${target.length})`);
        }
        return target[index];
      }
      const value = (target as unknown as Record<string | symbol, unknown>)[key];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const combos: Array<[QmapVersion, QmapRules]> = [
  [1, 'qmimux'],
  [1, 'rmnet'],
  [4, 'rmnet'],
  [5, 'rmnet'],
  [5, 'qmimux'],
];

function walk(reader: QmapReader, transfer: Uint8Array, length: number): void {
  // the callback form first, then the cursor
  reader.deaggregate(transfer, (_mux, data, offset, packetLength) => {
    expect(data).toBe(transfer);
    expect(offset + packetLength).toBeLessThanOrEqual(length);
  });
  reader.start(transfer);
  let previousEnd = 0;
  let delivered = 0;
  while (reader.next()) {
    expect(reader.offset).toBeGreaterThanOrEqual(previousEnd + 4);
    expect(reader.length).toBeGreaterThan(0);
    expect(reader.offset + reader.length).toBeLessThanOrEqual(length);
    expect(reader.muxId).toBeGreaterThanOrEqual(0);
    expect(reader.muxId).toBeLessThanOrEqual(255);
    previousEnd = reader.offset + reader.length;
    delivered++;
    if (delivered > length) throw new Error('reader does not make progress');
  }
}

describe('QMAP fuzz', () => {
  for (const [version, rules] of combos) {
    it(`v${version} ${rules}: random bytes never throw or read out of bounds`, () => {
      const random = seededRandom(42 + version * 10 + (rules === 'rmnet' ? 1 : 0));
      const reader = new QmapReader({ version, rules, deliverCommands: random() < 0.5 });
      for (let i = 0; i < 3000; i++) {
        const length = randomInt(random, 0, i < 1000 ? 16 : 600);
        const bytes = randomBytes(random, length);
        // bias toward plausible lengths so walks go past the first frame
        for (let at = 0; at + 4 <= length; at += randomInt(random, 4, 40)) {
          if (random() < 0.7) {
            bytes[at + 2] = 0;
            bytes[at + 3] = randomInt(random, 0, 48);
          }
        }
        walk(reader, guarded(bytes), length);
      }
      const s = reader.stats;
      expect(s.transfers).toBe(6000);
      expect(s.packets).toBeGreaterThan(0);
    });

    it(`v${version} ${rules}: valid transfers with random corruption never throw or read out of bounds`, () => {
      const random = seededRandom(7 + version + (rules === 'rmnet' ? 100 : 0));
      const reader = new QmapReader({ version, rules });
      const buffer = new Uint8Array(8192);
      for (let i = 0; i < 300; i++) {
        const packets = Array.from({ length: randomInt(random, 1, 12) }, () => ({
          muxId: randomInt(random, 1, 254),
          packet: randomIpPacket(random, randomInt(random, 1, 700)),
        }));
        aggregatePackets(packets, buffer, { maxSize: 8192, maxDatagrams: 32, version }, (transfer) => {
          const copy = transfer.slice();
          const flips = randomInt(random, 1, 4);
          for (let f = 0; f < flips; f++) copy[randomInt(random, 0, copy.length - 1)] = randomInt(random, 0, 255);
          const cut = random() < 0.3 ? copy.subarray(0, randomInt(random, 0, copy.length)) : copy;
          walk(reader, guarded(cut), cut.length);
        });
      }
    });
  }

  it('the guard itself catches an out-of-bounds read', () => {
    expect(() => guarded(new Uint8Array(2))[2]).toThrow(RangeError);
  });
});
