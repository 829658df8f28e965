// The capture loop driven by bytes: interfaces made per mux id on first use and named after their links,
// --mux and --count, plain IP frames, and counters that agree with what was fed in.
import { describe, expect, it } from 'vitest';
import { CaptureLoop, type CaptureFormat } from '../../../src/capture/index.js';
import type { PcapngInterface, PcapngWriter } from '../../../src/capture/pcapng.js';
import { aggregatePackets } from '../../../src/qmap/index.js';

/** A writer double that records what the loop asked of it (the real writer has its own dpkt test). */
function recorder() {
  const interfaces: PcapngInterface[] = [];
  const packets: { iface: number; micros: bigint | number; bytes: number[] }[] = [];
  const writer = {
    addInterface: (i: PcapngInterface) => interfaces.push(i) - 1,
    packet: (iface: number, micros: bigint | number, data: Uint8Array, offset = 0, length = data.length - offset) =>
      void packets.push({ iface, micros, bytes: [...data.subarray(offset, offset + length)] }),
  } as unknown as PcapngWriter;
  return { writer, interfaces, packets };
}

const ip = (tag: number, size = 24) => Uint8Array.from({ length: size }, (_, i) => (i === 0 ? 0x45 : i === 1 ? tag : i));

function qmapTransfers(version: 1 | 5, packets: { muxId: number; packet: Uint8Array }[], maxDatagrams: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  aggregatePackets(packets, new Uint8Array(8192), { maxSize: 8192, maxDatagrams, version }, (t) => out.push(t.slice()));
  return out;
}

const v5: CaptureFormat = { kind: 'qmap', version: 5, rules: 'rmnet', source: 'option' };

describe('CaptureLoop', () => {
  it('writes each packet to its mux id interface, named after the link, stamped with the frame time', () => {
    const r = recorder();
    const loop = new CaptureLoop({ format: v5, parent: 'wwan0', linkNames: new Map([[1, 'wwan0.1']]), writer: r.writer });
    const [transfer] = qmapTransfers(5, [{ muxId: 1, packet: ip(1) }, { muxId: 9, packet: ip(2, 31) }, { muxId: 1, packet: ip(3) }], 8);
    loop.frame(transfer!, transfer!.length, 1_700_000_000_123_456);
    expect(r.interfaces).toEqual([{ name: 'mux1 (wwan0.1)', linkType: 101 }, { name: 'mux9', linkType: 101 }]);
    expect(r.packets.map((p) => [p.iface, p.bytes[1], p.bytes.length])).toEqual([[0, 1, 24], [1, 2, 31], [0, 3, 24]]);
    expect(r.packets[0]!.micros).toBe(1_700_000_000_123_456);
    expect(loop.result()).toMatchObject({ transfers: 1, written: 3, datagramsPerTransfer: { min: 3, median: 3, max: 3 }, mux: [{ muxId: 1, packets: 2, bytes: 48 }, { muxId: 9, packets: 1, bytes: 31 }] });
  });

  it('--mux writes one mux id and counts the others as filtered; --count stops mid-transfer', () => {
    const r = recorder();
    const loop = new CaptureLoop({ format: v5, parent: 'wwan0', mux: 2, count: 3, writer: r.writer });
    const packets = Array.from({ length: 10 }, (_, i) => ({ muxId: 1 + (i % 2), packet: ip(i) }));
    const transfers = qmapTransfers(5, packets, 4);
    for (const t of transfers) {
      loop.frame(t, t.length, 0);
      if (loop.done) break;
    }
    // Mux 2 is every second packet: the third one is packet 5, in the second transfer.
    expect(loop.done).toBe(true);
    expect(r.packets.map((p) => p.bytes[1])).toEqual([1, 3, 5]);
    const result = loop.result();
    expect(result).toMatchObject({ transfers: 2, written: 3, filtered: 3, mux: [{ muxId: 2, packets: 3, bytes: 72 }] });
    loop.frame(transfers[2]!, transfers[2]!.length, 0);
    expect(loop.result().transfers).toBe(2);
  });

  it('plain IP: each frame is one packet on the parent interface, without a reader', () => {
    const r = recorder();
    const loop = new CaptureLoop({ format: { kind: 'ip', source: 'kernel' }, parent: 'wwan0', writer: r.writer });
    const buffer = new Uint8Array(100);
    buffer.set(ip(7, 40));
    loop.frame(buffer, 40, 5);
    expect(r.interfaces).toEqual([{ name: 'wwan0', linkType: 101 }]);
    expect(r.packets[0]!.bytes).toEqual([...ip(7, 40)]);
    expect(loop.result()).toMatchObject({ transfers: 1, written: 1, mux: [{ muxId: 0, packets: 1, bytes: 40 }], malformed: {} });
  });

  it('counts malformed frames and QMAP commands without writing them', () => {
    const r = recorder();
    const loop = new CaptureLoop({ format: { kind: 'qmap', version: 1, rules: 'qmimux', source: 'option' }, parent: 'wwan0', writer: r.writer });
    // A command frame (flow control), a non-IP data frame, then an IP frame: qmimux rules skip and go on.
    const t = Uint8Array.from([0x80, 0x01, 0x00, 0x04, 1, 2, 3, 4, 0x00, 0x01, 0x00, 0x04, 0x11, 0, 0, 0, 0x00, 0x01, 0x00, 0x04, 0x45, 0, 0, 4]);
    loop.frame(t, t.length, 0);
    expect(r.packets).toHaveLength(1);
    expect(loop.result()).toMatchObject({ commands: 1, malformed: { notIp: 1 }, written: 1 });
  });
});
