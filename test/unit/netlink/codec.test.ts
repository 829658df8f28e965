// The rtnetlink codec: known bytes both ways, ext-ack decoding, and totality under fuzzing (any bytes
// give a value or a typed error; nothing throws, nothing reads out of bounds).
import { describe, expect, it } from 'vitest';
import { decodeAck, decodeAttributes, decodeBody, decodeMessages, encodeAttributes, encodeMessage, Writer, type NetlinkMessage } from '../../../src/netlink/codec.js';
import * as C from '../../../src/netlink/constants.js';
import * as S from '../../../src/netlink/schema.js';
import { decodeLink, encodeCreateLink } from '../../../src/netlink/link.js';
import { decodeAddress } from '../../../src/netlink/address.js';
import { decodeRoute } from '../../../src/netlink/route.js';
import { RequestTracker } from '../../../src/netlink/socket.js';
import { NetlinkError } from '../../../src/netlink/errors.js';
import { formatIp, parseIp } from '../../../src/ip-address.js';
import { parsePrefix } from '../../../src/netlink/ip.js';
import { seededRandom } from '../../support/random.js';


function rmnetCreateRequest(): Buffer {
  return encodeMessage({ type: C.RTM_NEWLINK, flags: C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, seq: 7, pid: 0 }, (w) =>
    encodeCreateLink(w, { name: 'rmnet_data1', parentIndex: 2, link: { kind: 'rmnet', muxId: 1, flags: { flags: C.RMNET_FLAGS.ingressDeaggregation | C.RMNET_FLAGS.ingressMapChecksumV5, mask: 0x3f } } }),
  );
}

/** The reply the kernel would send for a link: request body reused as an RTM_NEWLINK. */
function asReply(request: Buffer, type = C.RTM_NEWLINK): NetlinkMessage {
  const decoded = decodeMessages(request);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return { ...decoded.value[0]!, type };
}

describe('encoding', () => {
  it('encodes an rmnet RTM_NEWLINK exactly as the kernel lays it out', () => {
    const bytes = rmnetCreateRequest();
    // nlmsghdr(16) + ifinfomsg(16) + IFNAME(4+12) + LINK(8) + LINKINFO(4 + KIND(4+6->12) + DATA(4 + MUX(4+2->8) + FLAGS(12)))
    expect(bytes.length).toBe(16 + 16 + 16 + 8 + 4 + 12 + 4 + 8 + 12);
    expect(bytes.readUInt32LE(0)).toBe(bytes.length);
    expect(bytes.readUInt16LE(4)).toBe(C.RTM_NEWLINK);
    expect(bytes.readUInt16LE(6)).toBe(0x605);
    // IFLA_IFNAME "rmnet_data1\0" right after ifinfomsg
    expect(bytes.readUInt16LE(32)).toBe(16);
    expect(bytes.readUInt16LE(34)).toBe(C.IFLA_IFNAME);
    expect(bytes.subarray(36, 48).toString('latin1')).toBe('rmnet_data1\0');
    // IFLA_LINK = 2
    expect([bytes.readUInt16LE(48), bytes.readUInt16LE(50), bytes.readUInt32LE(52)]).toEqual([8, C.IFLA_LINK, 2]);
    // IFLA_LINKINFO, nested
    expect([bytes.readUInt16LE(56), bytes.readUInt16LE(58)]).toEqual([40, C.IFLA_LINKINFO | C.NLA_F_NESTED]);
    expect(bytes.subarray(64, 70).toString('latin1')).toBe('rmnet\0');
    // IFLA_INFO_DATA { IFLA_RMNET_MUX_ID u16 = 1 (len 6, padded to 8), IFLA_RMNET_FLAGS {0x11, 0x3f} }
    expect([bytes.readUInt16LE(72), bytes.readUInt16LE(74)]).toEqual([24, C.IFLA_INFO_DATA | C.NLA_F_NESTED]);
    expect([bytes.readUInt16LE(76), bytes.readUInt16LE(78), bytes.readUInt16LE(80)]).toEqual([6, C.IFLA_RMNET_MUX_ID, 1]);
    expect([bytes.readUInt16LE(84), bytes.readUInt16LE(86), bytes.readUInt32LE(88), bytes.readUInt32LE(92)]).toEqual([12, C.IFLA_RMNET_FLAGS, 0x11, 0x3f]);
  });

  it('decodes what it encodes: typed mux id and flags', () => {
    const link = decodeLink(asReply(rmnetCreateRequest()));
    expect(link).toMatchObject({ name: 'rmnet_data1', kind: 'rmnet', parentIndex: 2, muxId: 1, rmnetFlags: { flags: 0x11, mask: 0x3f } });
  });

  it('refuses out-of-range values naming the attribute', () => {
    expect(() => encodeMessage({ type: 16, flags: 1, seq: 1, pid: 0 }, (w) => encodeCreateLink(w, { name: 'x', link: { kind: 'rmnet', muxId: 70000 } }))).toThrow(/rmnet\.muxId: 70000/);
  });
});

function ackBytes(seq: number, errno: number, extack?: string, offset?: number): Buffer {
  const w = new Writer();
  w.s32(-errno);
  w.u32(32); // echoed request header: nlmsg_len of the request
  w.u16(C.RTM_NEWLINK);
  w.u16(0x605);
  w.u32(seq);
  w.u32(0);
  if (extack !== undefined) {
    const msg = Buffer.from(`${extack}\0`);
    w.u16(4 + msg.length);
    w.u16(C.NLMSGERR_ATTR_MSG);
    w.bytes(msg);
    w.pad();
  }
  if (offset !== undefined) {
    w.u16(8);
    w.u16(C.NLMSGERR_ATTR_OFFS);
    w.u32(offset);
  }
  const payload = w.result();
  const flags = C.NLM_F_CAPPED | (extack !== undefined || offset !== undefined ? C.NLM_F_ACK_TLVS : 0);
  return encodeMessage({ type: C.NLMSG_ERROR, flags, seq, pid: 1234 }, (x) => x.bytes(payload));
}

describe('NLMSG_ERROR and the request tracker', () => {
  it('decodes the extended ack message and offset', () => {
    const decoded = decodeMessages(ackBytes(9, 95, 'Unknown device type', 40));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decodeAck(decoded.value[0]!)).toEqual({ ok: true, value: { errno: 95, request: { type: C.RTM_NEWLINK, flags: 0x605, seq: 9, pid: 0 }, message: 'Unknown device type', offset: 40 } });
  });

  it('rejects with the errno name and the kernel text; resolves acks; routes seq-less messages to events', async () => {
    const events: number[] = [];
    const tracker = new RequestTracker((m) => events.push(m.type), 100);
    const a = tracker.begin(C.RTM_NEWLINK, C.NLM_F_CREATE, () => {});
    const b = tracker.begin(C.RTM_DELLINK, 0, () => {});
    expect(a.bytes.readUInt16LE(6) & C.NLM_F_ACK).toBe(C.NLM_F_ACK);
    tracker.receive(Buffer.concat([ackBytes(b.seq, 0), ackBytes(a.seq, 16, 'rmnet: MUX ID already exists')]));
    await expect(b.done).resolves.toEqual([]);
    const error = await a.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({ errno: 'EBUSY', extack: 'rmnet: MUX ID already exists' });
    expect((error as Error).message).toBe('RTM_NEWLINK: rmnet: MUX ID already exists (EBUSY)');
    tracker.receive(encodeMessage({ type: C.RTM_NEWLINK, flags: 0, seq: 0, pid: 0 }, (w) => w.bytes(Buffer.alloc(16))));
    expect(events).toEqual([C.RTM_NEWLINK]);
    expect(tracker.pendingCount).toBe(0);
  });

  it('collects a multi-part dump split over datagrams until NLMSG_DONE, and flags interrupted dumps', async () => {
    const tracker = new RequestTracker(() => {}, 5);
    const dump = tracker.begin(C.RTM_GETLINK, C.NLM_F_DUMP, () => {});
    const part = (type: number, flags: number) => encodeMessage({ type, flags, seq: dump.seq, pid: 1 }, (w) => w.bytes(Buffer.alloc(type === C.NLMSG_DONE ? 4 : 16)));
    tracker.receive(part(C.RTM_NEWLINK, C.NLM_F_MULTI));
    tracker.receive(Buffer.concat([part(C.RTM_NEWLINK, C.NLM_F_MULTI), part(C.NLMSG_DONE, C.NLM_F_MULTI)]));
    expect((await dump.done).length).toBe(2);
    const again = tracker.begin(C.RTM_GETLINK, C.NLM_F_DUMP, () => {});
    const p = (type: number, flags: number) => encodeMessage({ type, flags, seq: again.seq, pid: 1 }, (w) => w.bytes(Buffer.alloc(type === C.NLMSG_DONE ? 4 : 16)));
    tracker.receive(Buffer.concat([p(C.RTM_NEWLINK, C.NLM_F_MULTI | C.NLM_F_DUMP_INTR), p(C.NLMSG_DONE, C.NLM_F_MULTI)]));
    await expect(again.done).rejects.toMatchObject({ code: 'DUMP_INTERRUPTED' });
  });

  it('fails pending requests on an undecodable datagram instead of throwing', async () => {
    const tracker = new RequestTracker(() => {}, 1);
    const r = tracker.begin(C.RTM_GETLINK, 0, () => {});
    expect(() => tracker.receive(Buffer.from([0xff, 0xff, 0, 0, 1]))).not.toThrow();
    await expect(r.done).rejects.toMatchObject({ code: 'NETLINK_PROTOCOL' });
  });
});

describe('totality', () => {
  const decoders: Array<[string, (b: Uint8Array) => unknown]> = [
    ['messages', (b) => decodeMessages(b)],
    ['link attributes', (b) => decodeAttributes(b, S.link)],
    ['ifinfomsg body', (b) => decodeBody(b, S.ifinfomsg, S.link, 'link')],
    ['link', (b) => decodeLink({ type: 16, flags: 0, seq: 0, pid: 0, payload: b, offset: 0 })],
    ['address', (b) => decodeAddress({ type: 20, flags: 0, seq: 0, pid: 0, payload: b, offset: 0 })],
    ['route', (b) => decodeRoute({ type: 24, flags: 0, seq: 0, pid: 0, payload: b, offset: 0 })],
    ['ack', (b) => decodeAck({ type: 2, flags: 0x300, seq: 0, pid: 0, payload: b, offset: 0 })],
  ];

  it('decodes every truncation of a valid message to a value or a typed error', () => {
    const full = rmnetCreateRequest();
    for (let n = 0; n <= full.length; n++) {
      const r = decodeMessages(full.subarray(0, n));
      if (!r.ok) expect(['TRUNCATED', 'BAD_LENGTH']).toContain(r.error.code);
      const link = decodeLink({ type: 16, flags: 0, seq: 0, pid: 0, payload: full.subarray(16, Math.max(16, n)), offset: 0 });
      expect(typeof link === 'string' || typeof link === 'object').toBe(true);
    }
  });

  it('never throws on 20000 random and mutated inputs', () => {
    const random = seededRandom(42);
    const seed = rmnetCreateRequest();
    const failures: string[] = [];
    for (let i = 0; i < 20000; i++) {
      let input: Buffer;
      if (i % 2 === 0) {
        input = Buffer.from(Array.from({ length: Math.floor(random() * 96) }, () => Math.floor(random() * 256)));
      } else {
        input = Buffer.from(seed);
        for (let k = 0; k < 1 + Math.floor(random() * 4); k++) input[Math.floor(random() * input.length)] = Math.floor(random() * 256);
        input = input.subarray(0, Math.floor(random() * (input.length + 1)));
      }
      for (const [name, decode] of decoders) {
        try {
          const result = decode(input) as { ok?: boolean; error?: { code: string; message: string } } | string | undefined;
          if (result && typeof result === 'object' && result.ok === false) {
            if (!['TRUNCATED', 'BAD_LENGTH', 'BAD_VALUE'].includes(result.error!.code) || /decoder bug/.test(result.error!.message)) failures.push(`${name}: ${result.error!.message}`);
          }
        } catch (error) {
          failures.push(`${name} threw ${String(error)} on ${input.toString('hex')}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('ip text', () => {
  it('parses and formats IPv4 and IPv6 (RFC 5952)', () => {
    expect(formatIp(parseIp('2001:db8:0:0:0:0:0:1')!.bytes)).toBe('2001:db8::1');
    expect(formatIp(parseIp('1:0:0:2:0:0:0:3')!.bytes)).toBe('1:0:0:2::3');
    expect(formatIp(parseIp('::')!.bytes)).toBe('::');
    expect(formatIp(parseIp('10.1.2.3')!.bytes)).toBe('10.1.2.3');
    expect(parseIp('010.1.2.3')).toBeUndefined();
    expect(parsePrefix('10.0.0.0/33')).toBeUndefined();
    expect(parsePrefix('default', 6)).toMatchObject({ family: 6, prefixLength: 0 });
  });
});

// Issue 14: the supervisor's health check reads a link's packet counters from IFLA_STATS64.
describe('IFLA_STATS64', () => {
  /** An RTM_NEWLINK laid out by hand: ifinfomsg, IFLA_IFNAME "wwan0", IFLA_STATS64 with `fields` u64s. */
  function statsReply(fields: bigint[]): NetlinkMessage {
    const name = Buffer.from('wwan0\0\0\0', 'latin1'); // 6 bytes + 2 padding
    const stats = Buffer.alloc(fields.length * 8);
    fields.forEach((v, i) => stats.writeBigUInt64LE(v, i * 8));
    const body = Buffer.concat([
      Buffer.from([0, 0, 0x07, 0x02, 4, 0, 0, 0, 0x41, 0x10, 0, 0, 0, 0, 0, 0]), // AF_UNSPEC, type 519, ifindex 4, UP|RUNNING|NOARP
      Buffer.from([10, 0, C.IFLA_IFNAME, 0]), name,
      Buffer.from([(4 + stats.length) & 0xff, (4 + stats.length) >> 8, C.IFLA_STATS64, 0]), stats,
    ]);
    return { type: C.RTM_NEWLINK, flags: 0, seq: 1, pid: 0, payload: body, offset: 0 } as NetlinkMessage;
  }

  it('decodes rx/tx packets and bytes at their offsets in struct rtnl_link_stats64, above 2^32 too', () => {
    // rx_packets, tx_packets, rx_bytes, tx_bytes, then the other 21 counters (5.19+: 25 u64 = 200 bytes).
    const fields = [5n, 0x1_0000_0007n, 1500n, 2n ** 40n, ...Array.from({ length: 21 }, (_, i) => BigInt(100 + i))];
    const link = decodeLink(statsReply(fields));
    if (typeof link === 'string') throw new Error(link);
    expect(link.name).toBe('wwan0');
    expect([link.stats?.rxPackets, link.stats?.txPackets, link.stats?.rxBytes, link.stats?.txBytes]).toEqual([5, 0x1_0000_0007, 1500, 2 ** 40]);
    expect(link.stats?.rxDropped).toBe(102);
    expect(link.stats?.rxOtherhostDropped).toBe(120);
  });

  it('accepts the shorter struct of older kernels (23 counters before rx_nohandler)', () => {
    const link = decodeLink(statsReply(Array.from({ length: 23 }, (_, i) => BigInt(i + 1))));
    if (typeof link === 'string') throw new Error(link);
    expect([link.stats?.rxPackets, link.stats?.txPackets]).toEqual([1, 2]);
    expect(link.stats?.rxNohandler).toBeUndefined();
  });

  it('encodes the struct as the kernel lays it out (what the test kernel model sends)', () => {
    const bytes = encodeMessage({ type: C.RTM_NEWLINK, flags: 0, seq: 1, pid: 0 }, (w) =>
      encodeAttributes(w, S.link, { stats64: { rxPackets: 3, txPackets: 9, rxBytes: 300, txBytes: 900 } }, 'link'));
    // nlmsghdr(16) + IFLA_STATS64 header(4) + 25 x u64
    expect(bytes.length).toBe(16 + 4 + 200);
    expect([bytes.readUInt16LE(16), bytes.readUInt16LE(18)]).toEqual([204, C.IFLA_STATS64]);
    expect([bytes.readBigUInt64LE(20), bytes.readBigUInt64LE(28), bytes.readBigUInt64LE(36), bytes.readBigUInt64LE(44), bytes.readBigUInt64LE(52)]).toEqual([3n, 9n, 300n, 900n, 0n]);
  });
});
