// RTA_MULTIPATH: struct rtnexthop runs encoded and decoded, checked against bytes laid out by hand the way
// the kernel writes them (rtnh_len, rtnh_flags, rtnh_hops = weight - 1, rtnh_ifindex, then RTA_GATEWAY).
import { describe, expect, it } from 'vitest';
import { Writer } from '../../../src/netlink/codec.js';
import { decodeNexthops, decodeRoute, encodeNexthops, encodeRouteRequest } from '../../../src/netlink/route.js';

/** One rtnexthop by hand, little-endian (this suite runs on x86/arm64 hosts). */
function rtnh(ifindex: number, hops: number, flags = 0, gateway?: number[]): number[] {
  const attr = gateway ? [8, 0, 5, 0, ...gateway] : [];
  const len = 8 + attr.length;
  return [len & 0xff, len >> 8, flags, hops, ifindex & 0xff, (ifindex >> 8) & 0xff, 0, 0, ...attr];
}

describe('RTA_MULTIPATH', () => {
  it('decodes the kernel layout: weights, flags, a gateway', () => {
    const bytes = Uint8Array.from([...rtnh(7, 0), ...rtnh(9, 2, 16), ...rtnh(12, 255, 0, [10, 0, 0, 1])]);
    expect(decodeNexthops(bytes)).toEqual([
      { outputIndex: 7, weight: 1, flags: 0, gateway: null },
      { outputIndex: 9, weight: 3, flags: 16, gateway: null },
      { outputIndex: 12, weight: 256, flags: 0, gateway: '10.0.0.1' },
    ]);
  });

  it('encodes what it decodes, byte for byte as laid out by hand', () => {
    const encoded = encodeNexthops([{ outputIndex: 7, weight: 1 }, { outputIndex: 9, weight: 3 }, { outputIndex: 12, weight: 256, gateway: Uint8Array.from([10, 0, 0, 1]) }]);
    expect(Array.from(encoded)).toEqual([...rtnh(7, 0), ...rtnh(9, 2), ...rtnh(12, 255, 0, [10, 0, 0, 1])]);
  });

  it('refuses a weight outside 1..256 before anything is sent', () => {
    expect(() => encodeNexthops([{ outputIndex: 1, weight: 0 }])).toThrow(/weight 0/);
    expect(() => encodeNexthops([{ outputIndex: 1, weight: 257 }])).toThrow(/weight 257/);
  });

  it('names a truncated or overlong rtnexthop instead of reading past it', () => {
    expect(decodeNexthops(Uint8Array.from([8, 0, 0, 0, 1, 0]))).toMatch(/trailing bytes/);
    expect(decodeNexthops(Uint8Array.from([12, 0, 0, 0, 1, 0, 0, 0]))).toMatch(/length 12/);
    expect(decodeNexthops(Uint8Array.from([4, 0, 0, 0, 1, 0, 0, 0]))).toMatch(/length 4/);
  });

  it('goes through a whole route message: a multipath default route at a metric', () => {
    const w = new Writer();
    encodeRouteRequest(w, { family: 4, destination: new Uint8Array(4), prefixLength: 0, metric: 100, table: 254, forDelete: false, nexthops: [{ outputIndex: 3, weight: 2 }, { outputIndex: 4, weight: 1 }] });
    const route = decodeRoute({ type: 24, flags: 0, seq: 0, pid: 0, payload: w.result(), offset: 0 });
    expect(route).toMatchObject({ destination: 'default', metric: 100, outputIndex: null, nexthops: [{ outputIndex: 3, weight: 2 }, { outputIndex: 4, weight: 1 }] });
  });

  it('a route message with a broken RTA_MULTIPATH is an error naming it, not a route', () => {
    const w = new Writer();
    encodeRouteRequest(w, { family: 4, destination: new Uint8Array(4), prefixLength: 0, table: 254, forDelete: false, nexthops: [{ outputIndex: 3, weight: 1 }] });
    const bytes = w.result();
    // rtmsg (12 bytes), then RTA_MULTIPATH (type 9 at byte 14, schema order): its first rtnh_len set to 200.
    const at = bytes.indexOf(9, 12) + 2;
    bytes[at] = 200;
    expect(decodeRoute({ type: 24, flags: 0, seq: 0, pid: 0, payload: bytes, offset: 0 })).toMatch(/RTA_MULTIPATH/);
  });
});
