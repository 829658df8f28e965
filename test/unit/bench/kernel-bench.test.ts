// `rmnetctl bench` builds frames that rmnet reads as QMAP from the veth parent's MAC header on: check, with
// the project's own QMAP reader (rmnet rules), that a frame as it reaches rmnet holds exactly N IPv4 packets of
// the asked size for mux 1, and that the options are validated before anything is created.
import { describe, expect, it } from 'vitest';
import { QmapReader } from '../../../src/qmap/index.js';
import { checkOptions, innerPacket, parentMac, transferPayload } from '../../../src/bench/kernel-bench.js';
import { RmnetError } from '../../../src/errors.js';
import { exitCodeOf } from '../../../src/cli/exit-codes.js';

/** The frame rmnet parses: Ethernet header (dst = bench0's MAC), IPv4 + UDP headers, the UDP payload. */
function frameAtRmnet(datagrams: number, packetSize: number): Uint8Array {
  const payload = transferPayload(datagrams, packetSize);
  const mac = parentMac(packetSize).split(':').map((h) => parseInt(h, 16));
  const frame = new Uint8Array(14 + 28 + payload.length);
  frame.set(mac, 0);
  frame.set([0x02, 0, 0, 0, 0, 0x02], 6);
  frame.set([0x08, 0x00], 12);
  frame.set(innerPacket(28, 0).subarray(0, 28), 14); // an IPv4 + UDP header, as the kernel would write it
  frame.set(payload, 42);
  return frame;
}

describe('rmnetctl bench frames', () => {
  for (const [datagrams, packetSize] of [[1, 1500], [8, 1500], [32, 1500], [32, 64], [8, 577]] as const) {
    it(`${datagrams} x ${packetSize} B: rmnet reads ${datagrams} IPv4 packets for mux 1`, () => {
      const frame = frameAtRmnet(datagrams, packetSize);
      const seen: Array<{ mux: number; length: number; first: number }> = [];
      new QmapReader({ version: 1, rules: 'rmnet' }).deaggregate(frame, (muxId, data, offset, length) => {
        seen.push({ mux: muxId, length, first: data[offset]! });
      });
      expect(seen).toHaveLength(datagrams);
      for (const p of seen) expect(p).toEqual({ mux: 1, length: packetSize, first: 0x45 });
    });
  }

  it('the MAC is a unicast address holding the QMAP header', () => {
    expect(parentMac(1500)).toBe('00:01:05:dc:45:00');
    expect(parseInt(parentMac(1500).slice(0, 2), 16) & 1).toBe(0);
  });

  it('refuses what cannot run, before anything is created', () => {
    const bad = (o: Partial<Parameters<typeof checkOptions>[0]>) => () => checkOptions({ datagrams: [1, 8, 32], seconds: 3, packetSize: 1500, ...o });
    expect(bad({})).not.toThrow();
    for (const o of [{ datagrams: [] }, { datagrams: [0] }, { datagrams: [256] }, { seconds: 0 }, { packetSize: 63 }, { packetSize: 1501 }, { datagrams: [64], packetSize: 1500 }]) {
      expect(bad(o)).toThrow(RmnetError);
      try {
        bad(o)();
      } catch (error) {
        expect(exitCodeOf(error)).toBe(2);
      }
    }
  });
});
