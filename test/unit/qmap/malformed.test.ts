// Every malformed frame is counted and handled the way the kernel does (qmimux_rx_fixup / rmnet), never thrown.
import { describe, expect, it } from 'vitest';
import { deaggregateAll, encodeQmapPacket, QmapReader, QmapStats, type QmapReaderOptions } from '../../../src/qmap/index.js';
import { rawFrame } from './helpers.js';

const IP4 = [0x45, 0, 0, 0];
const good = (mux: number) => rawFrame(0x00, mux, 4, IP4);

function run(bytes: number[], options: QmapReaderOptions = {}) {
  const { packets, stats } = deaggregateAll(Uint8Array.from(bytes), options);
  return { muxIds: packets.map((p) => p.muxId), stats: stats.toJSON() };
}

describe('QMAP malformed input', () => {
  it('a length past the end drops the rest of the transfer (qmimux and rmnet)', () => {
    const bogus = rawFrame(0x00, 2, 100, IP4); // says 100, carries 4
    const bytes = [...good(1), ...bogus, ...good(3)];
    for (const rules of ['qmimux', 'rmnet'] as const) {
      const { muxIds, stats } = run(bytes, { rules });
      expect(muxIds).toEqual([1]);
      expect(stats.truncated).toBe(1);
      expect(stats.droppedBytes).toBe(bogus.length + 8);
    }
  });

  it('a length one byte past the end is enough to drop it', () => {
    const bytes = [...good(1), ...rawFrame(0x00, 2, 5, IP4)];
    expect(run(bytes).stats).toMatchObject({ packets: 1, truncated: 1, droppedBytes: 8 });
  });

  it('zero length: qmimux skips the bare header and goes on; rmnet drops the rest', () => {
    const bytes = [...good(1), ...rawFrame(0x00, 2, 0, []), ...good(3)];
    expect(run(bytes, { rules: 'qmimux' })).toMatchObject({ muxIds: [1, 3], stats: { zeroLength: 1, droppedBytes: 0 } });
    expect(run(bytes, { rules: 'rmnet' })).toMatchObject({ muxIds: [1], stats: { zeroLength: 1, droppedBytes: 12 } });
  });

  it('a pad not shorter than the length is skipped and the walk goes on', () => {
    for (const rules of ['qmimux', 'rmnet'] as const) {
      const longer = [...good(1), ...rawFrame(0x05, 2, 4, IP4), ...good(3)];
      expect(run(longer, { rules })).toMatchObject({ muxIds: [1, 3], stats: { padTooLong: 1 } });
      const equal = [...good(1), ...rawFrame(0x04, 2, 4, IP4), ...good(3)];
      expect(run(equal, { rules })).toMatchObject({ muxIds: [1, 3], stats: { padTooLong: 1 } });
      const maximal = [...rawFrame(0x3f, 2, 8, [...IP4, 0, 0, 0, 0]), ...good(3)];
      expect(run(maximal, { rules })).toMatchObject({ muxIds: [3], stats: { padTooLong: 1 } });
    }
  });

  it('a pad shorter than the length trims the packet', () => {
    const { packets } = deaggregateAll(Uint8Array.from(rawFrame(0x03, 1, 4, [0x45, 0xaa, 0xbb, 0xcc])));
    expect(Array.from(packets[0]!.packet)).toEqual([0x45]);
  });

  it('mux ids outside the filter are skipped; 0 and 255 always are', () => {
    const bytes = [...good(1), ...good(2), ...good(0), ...good(255), ...good(1)];
    expect(run(bytes, { muxIds: [1] })).toMatchObject({ muxIds: [1, 1], stats: { unknownMux: 3 } });
    expect(run(bytes)).toMatchObject({ muxIds: [1, 2, 1], stats: { unknownMux: 2 } });
    // nonsense in the filter is ignored, not thrown
    expect(run(bytes, { muxIds: [0, 255, 1.5, -3, 2] })).toMatchObject({ muxIds: [2] });
  });

  it('command frames are counted and skipped under both rules', () => {
    const bytes = [...good(1), ...rawFrame(0x80, 1, 8, [1, 2, 3, 4, 5, 6, 7, 8]), ...good(2)];
    for (const rules of ['qmimux', 'rmnet'] as const) {
      expect(run(bytes, { rules })).toMatchObject({ muxIds: [1, 2], stats: { commands: 1, packets: 2 } });
    }
  });

  it('qmimux skips a packet that is neither IPv4 nor IPv6; rmnet hands it on', () => {
    const bytes = [...good(1), ...rawFrame(0x00, 2, 4, [0x20, 0, 0, 0]), ...good(3)];
    expect(run(bytes, { rules: 'qmimux' })).toMatchObject({ muxIds: [1, 3], stats: { notIp: 1 } });
    expect(run(bytes, { rules: 'rmnet' })).toMatchObject({ muxIds: [1, 2, 3], stats: { notIp: 0 } });
  });

  it('v5: a checksum header of another type drops the rest under rmnet rules', () => {
    const v5 = (type: number, mux: number) => [0x40, mux, 0, 4, type << 1, 0x80, 0, 0, ...IP4];
    const bytes = [...v5(2, 1), ...v5(3, 2), ...v5(2, 3)];
    expect(run(bytes, { version: 5 })).toMatchObject({ muxIds: [1], stats: { badNextHeader: 1, droppedBytes: 24 } });
  });

  it('v5: a data frame without the next-header bit drops the rest under rmnet rules, length or not', () => {
    // rmnet_map_deaggregate (5.14+): "Mapv5 data pkt without csum hdr is invalid", checked before the length.
    expect(run([0x00, 1, 0, 4, 0x04, 0, 0, 0, ...IP4], { version: 5 })).toMatchObject({ muxIds: [], stats: { badNextHeader: 1, droppedBytes: 12 } });
    const good5 = (mux: number) => [0x40, mux, 0, 4, 0x04, 0, 0, 0, ...IP4];
    const bytes = [...good5(1), 0x00, 2, 0, 4, 0x04, 0, 0, 0, ...IP4, ...good5(3)];
    expect(run(bytes, { version: 5 })).toMatchObject({ muxIds: [1], stats: { badNextHeader: 1, droppedBytes: 24 } });
    expect(run([0x00, 1, 0x0f, 0xff, 0x04, 0, 0, 0], { version: 5 })).toMatchObject({ stats: { badNextHeader: 1, truncated: 0 } });
    // Command frames carry no checksum header: the bit means nothing there.
    expect(run([0x80, 1, 0, 4, 1, 2, 3, 4, ...good5(2)], { version: 5 })).toMatchObject({ muxIds: [2], stats: { commands: 1 } });
    // The callback walk has its own fast path: it must drop the frame too.
    let delivered = 0;
    new QmapReader({ version: 5 }).deaggregate(Uint8Array.from(bytes), () => delivered++);
    expect(delivered).toBe(1);
  });

  it('v5: the checksum-valid bit is reported per packet', () => {
    const bytes = [0x40, 1, 0, 4, 0x04, 0x80, 0, 0, ...IP4, 0x40, 2, 0, 4, 0x04, 0x00, 0, 0, ...IP4];
    expect(deaggregateAll(Uint8Array.from(bytes), { version: 5 }).packets.map((p) => p.checksumValid)).toEqual([true, false]);
  });

  it('v5: a frame with room for the QMAP header but not the checksum header is truncated', () => {
    const bytes = [...[0x40, 1, 0, 4, 0x04, 0x80, 0, 0, ...IP4], 0x40, 2, 0, 0, 0x04];
    expect(run(bytes, { version: 5 })).toMatchObject({ muxIds: [1], stats: { truncated: 1, droppedBytes: 5 } });
  });

  it('v4: a frame without room for its trailer is truncated', () => {
    const frame = [0x00, 1, 0, 4, ...IP4, 0, 1, 0, 0, 0, 0, 0, 0];
    expect(run(frame, { version: 4 })).toMatchObject({ muxIds: [1], stats: { truncated: 0 } });
    expect(run(frame.slice(0, -1), { version: 4 })).toMatchObject({ muxIds: [], stats: { truncated: 1, droppedBytes: 15 } });
  });

  it('trailing bytes too few for a frame are counted and ignored', () => {
    for (let extra = 1; extra <= 3; extra++) {
      for (const rules of ['qmimux', 'rmnet'] as const) {
        const bytes = [...good(1), ...new Array<number>(extra).fill(0x45)];
        expect(run(bytes, { rules })).toMatchObject({ muxIds: [1], stats: { trailingBytes: extra, truncated: 0 } });
      }
    }
    // qmimux needs more than a header to look at a frame: a lone 4-byte header is trailing bytes
    expect(run([...good(1), 0, 9, 0, 0], { rules: 'qmimux' })).toMatchObject({ muxIds: [1], stats: { trailingBytes: 4 } });
    // rmnet reads it, and its zero length stops the walk
    expect(run([...good(1), 0, 9, 0, 0], { rules: 'rmnet' })).toMatchObject({ muxIds: [1], stats: { zeroLength: 1 } });
  });

  it('an empty transfer gives nothing and counts one transfer', () => {
    expect(run([])).toMatchObject({ muxIds: [], stats: { transfers: 1, packets: 0, trailingBytes: 0 } });
  });

  it('the reader keeps answering false after the end, and restarts cleanly', () => {
    const reader = new QmapReader();
    reader.start(Uint8Array.from(good(1)));
    expect(reader.next()).toBe(true);
    expect(reader.next()).toBe(false);
    expect(reader.next()).toBe(false);
    reader.start(Uint8Array.from([...good(2), ...rawFrame(0, 3, 40, [0x45])]));
    expect(reader.next()).toBe(true);
    expect(reader.muxId).toBe(2);
    expect(reader.next()).toBe(false);
    expect(reader.next()).toBe(false);
    expect(reader.stats.truncated).toBe(1);
  });

  it('shares one stats object across readers', () => {
    const stats = new QmapStats();
    const target = new Uint8Array(8);
    encodeQmapPacket(target, 0, 1, Uint8Array.of(0x45));
    new QmapReader({ stats }).deaggregate(target, () => {});
    new QmapReader({ stats, rules: 'rmnet' }).deaggregate(target, () => {});
    expect(stats.packets).toBe(2);
    expect(stats.transfers).toBe(2);
    stats.reset();
    expect(stats.toJSON()).toMatchObject({ packets: 0, transfers: 0 });
  });
});
