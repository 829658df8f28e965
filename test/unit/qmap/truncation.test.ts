// A transfer cut at any byte (a short URB, a buggy modem) yields a prefix of its packets, never a packet that
// runs past the cut, and counts the damage; nothing is thrown.
import { describe, expect, it } from 'vitest';
import { aggregatePackets, deaggregateAll, qmapFrameLength, type QmapVersion } from '../../../src/qmap/index.js';
import { randomInt, randomIpPacket, seededRandom } from './helpers.js';

describe('QMAP truncation at every byte', () => {
  for (const version of [1, 4, 5] as QmapVersion[]) {
    it(`v${version}: every prefix of a transfer gives a prefix of its packets`, () => {
      const random = seededRandom(31 + version);
      const input = Array.from({ length: 6 }, () => ({ muxId: randomInt(random, 1, 254), packet: randomIpPacket(random, randomInt(random, 1, 90)) }));
      const buffer = new Uint8Array(4096);
      let transfer = new Uint8Array(0);
      aggregatePackets(input, buffer, { maxSize: 4096, maxDatagrams: 32, version }, (t) => {
        transfer = t.slice();
      });
      // frame boundaries: a cut exactly there loses nothing but the frames after it
      const boundaries = [0];
      for (const { packet } of input) boundaries.push(boundaries[boundaries.length - 1]! + qmapFrameLength(packet.length, version));
      expect(boundaries[boundaries.length - 1]).toBe(transfer.length);

      for (let cut = 0; cut <= transfer.length; cut++) {
        const { packets, stats } = deaggregateAll(transfer.subarray(0, cut), { version });
        const whole = boundaries.filter((b) => b > 0 && b <= cut).length;
        expect(packets.length).toBe(whole);
        packets.forEach((p, i) => {
          expect(p.muxId).toBe(input[i]!.muxId);
          expect(Buffer.from(p.packet).equals(Buffer.from(input[i]!.packet))).toBe(true);
        });
        const onBoundary = boundaries.includes(cut);
        // a cut inside a frame is a bogus length (or trailing bytes when too short for a header) and is counted
        expect(stats.truncated + stats.trailingBytes > 0).toBe(!onBoundary);
        expect(stats.packets).toBe(whole);
      }
    });
  }
});
