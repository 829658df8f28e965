// The capture summary over real transfers walked by the project's QMAP reader: per-transfer distributions,
// per-mux counts, --mux filtering, malformed frames by the reader's kinds.
import { describe, expect, it } from 'vitest';
import { CaptureSummaryAccumulator } from '../../../src/capture/index.js';
import { aggregatePackets, QmapReader } from '../../../src/qmap/index.js';

const ip = (n: number): Uint8Array => {
  const p = new Uint8Array(n);
  p[0] = 0x45;
  return p;
};

describe('CaptureSummaryAccumulator', () => {
  it('counts transfers, datagrams and bytes per transfer, and per-mux packets', () => {
    const reader = new QmapReader({ version: 1 });
    const acc = new CaptureSummaryAccumulator();
    const transfers: Uint8Array[] = [];
    // 5 packets with at most 2 per transfer: transfers of 2, 2, 1 datagrams.
    const packets = [
      { muxId: 1, packet: ip(40) },
      { muxId: 2, packet: ip(60) },
      { muxId: 1, packet: ip(40) },
      { muxId: 1, packet: ip(100) },
      { muxId: 2, packet: ip(20) },
    ];
    aggregatePackets(packets, new Uint8Array(4096), { maxSize: 4096, maxDatagrams: 2 }, (t) => transfers.push(t.slice()));
    for (const t of transfers) {
      reader.deaggregate(t, (muxId, _d, _o, length) => acc.packet(muxId, length, muxId === 1));
      acc.transfer(t.length);
    }
    const s = acc.summary(reader.stats);
    expect(s.transfers).toBe(3);
    expect(s.datagramsPerTransfer).toEqual({ min: 1, median: 2, max: 2 });
    expect(s.bytesPerTransfer).toEqual({ min: 24, median: 108, max: 148 });
    expect(s.mux).toEqual([{ muxId: 1, packets: 3, bytes: 180 }]);
    expect(s.filtered).toBe(2);
    expect(s.malformed).toEqual({});
  });

  it('reports malformed frames by the reader kind and no distributions before any transfer', () => {
    const reader = new QmapReader({ version: 1 });
    const acc = new CaptureSummaryAccumulator();
    expect(acc.summary(reader.stats).datagramsPerTransfer).toBeNull();
    // A frame claiming 200 bytes in a 12-byte transfer: truncated.
    const t = Uint8Array.of(0, 1, 0, 200, 0x45, 0, 0, 0, 0, 0, 0, 0);
    reader.deaggregate(t, (m, _d, _o, l) => acc.packet(m, l, true));
    acc.transfer(t.length);
    const s = acc.summary(reader.stats);
    expect(s.malformed).toEqual({ truncated: 1 });
    expect(s.datagramsPerTransfer).toEqual({ min: 0, median: 0, max: 0 });
  });
});
