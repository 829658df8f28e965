// Aggregate random packet mixes, deaggregate them, and get exactly what went in, in order.
import { describe, expect, it } from 'vitest';
import {
  aggregatePackets,
  deaggregateAll,
  QmapAddResult,
  QmapAggregator,
  qmapFrameLength,
  QmapReader,
  type QmapOutgoingPacket,
  type QmapRules,
  type QmapVersion,
} from '../../../src/qmap/index.js';
import { randomInt, randomIpPacket, seededRandom } from './helpers.js';

const versions: QmapVersion[] = [1, 4, 5];
const rulesFor: QmapRules[] = ['qmimux', 'rmnet'];

function randomMix(random: () => number, count: number, minSize = 20, maxSize = 1500): QmapOutgoingPacket[] {
  const packets: QmapOutgoingPacket[] = [];
  for (let i = 0; i < count; i++) {
    packets.push({ muxId: randomInt(random, 1, 254), packet: randomIpPacket(random, randomInt(random, minSize, maxSize)) });
  }
  return packets;
}

describe('QMAP round trip', () => {
  for (const version of versions) {
    for (const rules of rulesFor) {
      it(`v${version} under ${rules} rules: deaggregating the aggregated mixes gives back every packet`, () => {
        const random = seededRandom(1000 * version + (rules === 'qmimux' ? 1 : 2));
        for (let round = 0; round < 200; round++) {
          const maxDatagrams = randomInt(random, 1, 40);
          const maxSize = randomInt(random, 1600, 32768);
          const input = randomMix(random, randomInt(random, 1, 64));
          const buffer = new Uint8Array(maxSize + randomInt(random, 0, 100)); // limits below the buffer size
          const output: QmapOutgoingPacket[] = [];
          let transfers = 0;
          const result = aggregatePackets(input, buffer, { maxSize, maxDatagrams, version, checksumValid: true }, (transfer, datagrams) => {
            transfers++;
            expect(transfer.length).toBeLessThanOrEqual(maxSize);
            expect(datagrams).toBeLessThanOrEqual(maxDatagrams);
            const { packets, stats } = deaggregateAll(transfer, { version, rules });
            expect(packets.length).toBe(datagrams);
            expect(stats.malformed + stats.trailingBytes + stats.unknownMux + stats.commands).toBe(0);
            for (const p of packets) {
              expect(p.checksumValid).toBe(version !== 1);
              // copy: the buffer is reused for the next transfer
              output.push({ muxId: p.muxId, packet: p.packet.slice() });
            }
          });
          expect(result).toEqual({ transfers, packets: input.length, rejected: 0 });
          expect(output.length).toBe(input.length);
          for (let i = 0; i < input.length; i++) {
            expect(output[i]!.muxId).toBe(input[i]!.muxId);
            expect(Buffer.from(output[i]!.packet).equals(Buffer.from(input[i]!.packet))).toBe(true);
          }
        }
      });
    }
  }

  it('fills a transfer up to the datagram limit, then says full', () => {
    const aggregator = new QmapAggregator(new Uint8Array(4096), { maxSize: 4096, maxDatagrams: 3 });
    const packet = new Uint8Array(20).fill(0x45);
    expect([1, 2, 3, 4].map(() => aggregator.add(7, packet))).toEqual([0, 0, 0, QmapAddResult.full]);
    expect(aggregator.datagrams).toBe(3);
    expect(aggregator.take().length).toBe(72);
    expect(aggregator.add(7, packet)).toBe(QmapAddResult.added);
  });

  it('fills a transfer exactly to the size limit', () => {
    // 3 frames of 4 + 1500 = 4512 bytes; the limit is exactly that
    const aggregator = new QmapAggregator(new Uint8Array(8192), { maxSize: 3 * 1504, maxDatagrams: 32 });
    const packet = new Uint8Array(1500).fill(0x45);
    expect(aggregator.add(1, packet)).toBe(QmapAddResult.added);
    expect(aggregator.add(1, packet)).toBe(QmapAddResult.added);
    expect(aggregator.add(1, packet)).toBe(QmapAddResult.added);
    expect(aggregator.add(1, Uint8Array.of(0x45))).toBe(QmapAddResult.full);
    expect(aggregator.length).toBe(4512);
  });

  it('refuses a packet that can never fit, and bad mux ids, without touching the transfer', () => {
    const aggregator = new QmapAggregator(new Uint8Array(2048), { maxSize: 1504, maxDatagrams: 8, version: 5 });
    expect(aggregator.add(1, new Uint8Array(1500))).toBe(QmapAddResult.tooLarge); // 1508 with the v5 header
    expect(aggregator.add(1, new Uint8Array(1496))).toBe(QmapAddResult.added);
    expect(aggregator.add(0, new Uint8Array(4))).toBe(QmapAddResult.badMuxId);
    expect(aggregator.datagrams).toBe(1);
    // the buffer caps maxSize
    const small = new QmapAggregator(new Uint8Array(100), { maxSize: 32768, maxDatagrams: 8 });
    expect(small.add(1, new Uint8Array(97))).toBe(QmapAddResult.tooLarge);
    expect(small.add(1, new Uint8Array(96))).toBe(QmapAddResult.added);
  });

  it('carries command frames, which the reader skips unless asked', () => {
    const aggregator = new QmapAggregator(new Uint8Array(256), { maxSize: 256, maxDatagrams: 8, version: 5 });
    aggregator.add(1, Uint8Array.of(0x45, 1, 2));
    aggregator.addCommand(1, Uint8Array.of(1, 0, 0, 0, 9, 9, 9, 9));
    aggregator.add(2, Uint8Array.of(0x60, 1, 2, 3, 4));
    const transfer = aggregator.take();
    expect(transfer.length).toBe(qmapFrameLength(3, 5) + qmapFrameLength(8, 5, true) + qmapFrameLength(5, 5));

    const skipped = deaggregateAll(transfer, { version: 5 });
    expect(skipped.packets.map((p) => p.muxId)).toEqual([1, 2]);
    expect(skipped.stats.commands).toBe(1);

    const delivered = deaggregateAll(transfer, { version: 5, deliverCommands: true });
    expect(delivered.packets.map((p) => [p.muxId, p.command, p.packet.length])).toEqual([
      [1, false, 3],
      [1, true, 8],
      [2, false, 5],
    ]);
  });

  it('reuses one reader across transfers and adds up its counters', () => {
    const random = seededRandom(7);
    const reader = new QmapReader();
    let expectedBytes = 0;
    let expectedPackets = 0;
    const buffer = new Uint8Array(16384);
    for (let i = 0; i < 20; i++) {
      const input = randomMix(random, randomInt(random, 1, 10));
      aggregatePackets(input, buffer, { maxSize: 16384, maxDatagrams: 32 }, (transfer) => {
        let sum = 0;
        const delivered = reader.deaggregate(transfer, (_mux, _data, _offset, length) => {
          sum += length;
        });
        expect(delivered).toBe(input.length);
        expect(sum).toBe(input.reduce((s, p) => s + p.packet.length, 0));
      });
      expectedPackets += input.length;
      expectedBytes += input.reduce((s, p) => s + p.packet.length, 0);
    }
    expect(reader.stats.transfers).toBe(20);
    expect(reader.stats.packets).toBe(expectedPackets);
    expect(reader.stats.bytes).toBe(expectedBytes);
  });

  it('handles boundary packet sizes 1..8, 1499..1501 and the largest frame', () => {
    for (const version of versions) {
      const sizes = [1, 2, 3, 4, 5, 6, 7, 8, 1499, 1500, 1501, 65532];
      const input = sizes.map((size, i) => ({ muxId: 1 + i, packet: randomIpPacket(seededRandom(size), size) }));
      const buffer = new Uint8Array(70000);
      const output: QmapOutgoingPacket[] = [];
      aggregatePackets(input, buffer, { maxSize: 70000, maxDatagrams: 64, version }, (transfer) => {
        for (const p of deaggregateAll(transfer, { version }).packets) output.push({ muxId: p.muxId, packet: p.packet.slice() });
      });
      expect(output.map((p) => p.packet.length)).toEqual(sizes);
      expect(output.map((p) => p.muxId)).toEqual(input.map((p) => p.muxId));
    }
  });

  it('delivers views into the transfer, not copies', () => {
    const buffer = new Uint8Array(64);
    const aggregator = new QmapAggregator(buffer, { maxSize: 64, maxDatagrams: 4 });
    expect(aggregator.add(1, Uint8Array.of(0x45, 7))).toBe(QmapAddResult.added);
    const [packet] = deaggregateAll(aggregator.take()).packets;
    expect(packet!.packet.buffer).toBe(buffer.buffer);
    expect(packet!.packet.byteOffset).toBe(4);
    expect(packet!.packet.length).toBe(2);
  });
});
