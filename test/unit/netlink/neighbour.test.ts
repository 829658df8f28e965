// Neighbours and link MAC addresses over rtnetlink: known bytes of the requests (as `ip neigh replace` and
// `ip link set address` send them), decode round trips, totality of the ndmsg decoder, and how requests
// are checked and refusals described, driven by a socket double that answers like the kernel.
import { describe, expect, it } from 'vitest';
import { decodeBody, decodeMessages, encodeBody, encodeMessage, type NetlinkMessage, type Writer } from '../../../src/netlink/codec.js';
import * as C from '../../../src/netlink/constants.js';
import * as S from '../../../src/netlink/schema.js';
import { decodeNeighbour, encodeNeighbourRequest } from '../../../src/netlink/neighbour.js';
import { decodeLink, encodeLinkRequest } from '../../../src/netlink/link.js';
import { parseIp } from '../../../src/ip-address.js';
import { formatLladdr, parseMac } from '../../../src/netlink/ip.js';
import { RtNetlink, type RequestSocket } from '../../../src/netlink/rtnl.js';
import { seededRandom } from '../../support/random.js';
import { NetlinkError } from '../../../src/netlink/errors.js';
import type { ErrorCategory } from '../../../src/errors.js';

const MAC = '00:01:05:dc:45:00';

function replaceRequest(): Buffer {
  return encodeMessage({ type: C.RTM_NEWNEIGH, flags: C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_REPLACE, seq: 7, pid: 0 }, (w) =>
    encodeNeighbourRequest(w, { index: 3, family: 4, address: parseIp('192.0.2.1')!.bytes, lladdr: parseMac(MAC)!, state: C.NUD_PERMANENT }),
  );
}

function asMessage(bytes: Buffer, type?: number): NetlinkMessage {
  const decoded = decodeMessages(bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return { ...decoded.value[0]!, ...(type !== undefined ? { type } : {}) };
}

const message = (type: number, body: (w: Writer) => void) => asMessage(encodeMessage({ type, flags: 0, seq: 1, pid: 0 }, body));

describe('MAC text', () => {
  it('parses six hex octets in either case and nothing else', () => {
    expect(Array.from(parseMac('02:00:5E:10:00:01')!)).toEqual([2, 0, 0x5e, 0x10, 0, 1]);
    for (const bad of ['', '02:00:5e:10:00', '02:00:5e:10:00:01:02', '02-00-5e-10-00-01', '2:0:5e:10:0:1', '02:00:5e:10:00:0g', ' 02:00:5e:10:00:01', '0200.5e10.0001']) {
      expect(parseMac(bad), bad).toBeUndefined();
    }
    expect(formatLladdr(Uint8Array.from([0, 1, 5, 0xdc, 0x45, 0]))).toBe(MAC);
    expect(formatLladdr(new Uint8Array(0))).toBeNull();
  });
});

describe('encoding', () => {
  it('lays out an IPv4 permanent RTM_NEWNEIGH replace as the kernel reads it', () => {
    const bytes = replaceRequest();
    // nlmsghdr(16) + ndmsg(12) + NDA_DST(4+4) + NDA_LLADDR(4+6, padded to 12)
    expect(bytes.length).toBe(48);
    expect(bytes.readUInt32LE(0)).toBe(48);
    expect(bytes.readUInt16LE(4)).toBe(C.RTM_NEWNEIGH);
    expect(C.RTM_NEWNEIGH).toBe(28);
    expect(bytes.readUInt16LE(6)).toBe(0x505); // REQUEST | ACK | REPLACE | CREATE
    // struct ndmsg: family u8, pad1 u8, pad2 u16, ifindex s32, state u16, flags u8, type u8
    expect(bytes[16]).toBe(C.AF_INET);
    expect([bytes[17], bytes.readUInt16LE(18)]).toEqual([0, 0]);
    expect(bytes.readInt32LE(20)).toBe(3);
    expect(bytes.readUInt16LE(24)).toBe(0x80); // NUD_PERMANENT
    expect([bytes[26], bytes[27]]).toEqual([0, 0]);
    // NDA_DST 192.0.2.1
    expect([bytes.readUInt16LE(28), bytes.readUInt16LE(30)]).toEqual([8, 1]);
    expect(Array.from(bytes.subarray(32, 36))).toEqual([192, 0, 2, 1]);
    // NDA_LLADDR, 10 bytes then 2 of padding
    expect([bytes.readUInt16LE(36), bytes.readUInt16LE(38)]).toEqual([10, 2]);
    expect(Array.from(bytes.subarray(40, 48))).toEqual([0x00, 0x01, 0x05, 0xdc, 0x45, 0x00, 0, 0]);
  });

  it('encodes IFLA_ADDRESS on a link request by name', () => {
    const bytes = encodeMessage({ type: C.RTM_NEWLINK, flags: C.NLM_F_REQUEST | C.NLM_F_ACK, seq: 1, pid: 0 }, (w) => encodeLinkRequest(w, 'bench0', {}, { address: parseMac(MAC)! }));
    // nlmsghdr(16) + ifinfomsg(16) + IFLA_ADDRESS(4+6 -> 12) + IFLA_IFNAME(4+7 -> 12)
    expect(bytes.length).toBe(56);
    expect([bytes.readUInt16LE(32), bytes.readUInt16LE(34)]).toEqual([10, C.IFLA_ADDRESS]);
    expect(Array.from(bytes.subarray(36, 44))).toEqual([0x00, 0x01, 0x05, 0xdc, 0x45, 0x00, 0, 0]);
    expect([bytes.readUInt16LE(44), bytes.readUInt16LE(46)]).toEqual([11, C.IFLA_IFNAME]);
    expect(decodeLink(asMessage(bytes))).toMatchObject({ name: 'bench0', address: MAC });
  });
});

describe('decoding', () => {
  it('decodes what it encodes', () => {
    expect(decodeNeighbour(asMessage(replaceRequest()))).toEqual({ index: 3, family: 4, address: '192.0.2.1', lladdr: MAC, state: C.NUD_PERMANENT, flags: 0, permanent: true, type: 0, refcnt: null });
  });

  it('decodes an IPv6 reply with cache info, and an unresolved entry without NDA_LLADDR', () => {
    const reachable = message(C.RTM_NEWNEIGH, (w) =>
      encodeBody(w, S.ndmsg, { family: C.AF_INET6, index: 4, state: C.NUD_REACHABLE, flags: C.NTF_ROUTER, type: C.RTN_UNICAST }, S.neighbour, {
        dst: parseIp('fe80::1')!.bytes,
        lladdr: parseMac('02:00:00:00:00:01'),
        cacheinfo: { confirmed: 10, used: 20, updated: 30, refcnt: 2 },
        probes: 1,
      }, 'neighbour'),
    );
    expect(decodeNeighbour(reachable)).toEqual({ index: 4, family: 6, address: 'fe80::1', lladdr: '02:00:00:00:00:01', state: C.NUD_REACHABLE, flags: C.NTF_ROUTER, permanent: false, type: 1, refcnt: 2 });
    const incomplete = message(C.RTM_NEWNEIGH, (w) => encodeBody(w, S.ndmsg, { family: C.AF_INET, index: 4, state: C.NUD_INCOMPLETE }, S.neighbour, { dst: parseIp('10.0.0.9')!.bytes }, 'neighbour'));
    expect(decodeNeighbour(incomplete)).toMatchObject({ address: '10.0.0.9', lladdr: null, permanent: false });
  });

  it('describes defects instead of guessing', () => {
    const noDst = message(C.RTM_NEWNEIGH, (w) => encodeBody(w, S.ndmsg, { family: C.AF_INET, index: 1 }, S.neighbour, {}, 'neighbour'));
    expect(decodeNeighbour(noDst)).toBe('neighbour without NDA_DST');
    const bridge = message(C.RTM_NEWNEIGH, (w) => encodeBody(w, S.ndmsg, { family: 7, index: 1 }, S.neighbour, { lladdr: parseMac(MAC) }, 'neighbour'));
    expect(decodeNeighbour(bridge)).toMatch(/family 7 is not IPv4\/IPv6/);
    const shortDst = message(C.RTM_NEWNEIGH, (w) => encodeBody(w, S.ndmsg, { family: C.AF_INET6, index: 1 }, S.neighbour, { dst: parseIp('10.0.0.1')!.bytes }, 'neighbour'));
    expect(decodeNeighbour(shortDst)).toMatch(/4 bytes for IPv6/);
  });

  it('gives a typed error for every truncation, never a throw', () => {
    const full = replaceRequest();
    const payload = full.subarray(16);
    for (let n = 0; n <= full.length; n++) {
      const messages = decodeMessages(full.subarray(0, n));
      if (!messages.ok) expect(['TRUNCATED', 'BAD_LENGTH']).toContain(messages.error.code);
    }
    for (let n = 0; n < payload.length; n++) {
      const cut = payload.subarray(0, n);
      const body = decodeBody(cut, S.ndmsg, S.neighbour, 'neighbour');
      const decoded = decodeNeighbour({ type: C.RTM_NEWNEIGH, flags: 0, seq: 0, pid: 0, payload: cut, offset: 0 });
      if (n < 12) {
        // inside struct ndmsg
        expect(body).toMatchObject({ ok: false, error: { code: 'TRUNCATED' } });
        expect(decoded).toMatch(/^neighbour\.\w+: needs \d+ bytes at \d+/);
      } else if (n === 12 || n === 20 || n >= 30) {
        // a whole header, a whole NDA_DST, or NDA_LLADDR without its padding (allowed for the last attribute):
        // no defect in the bytes, but a neighbour needs NDA_DST
        expect(body.ok).toBe(true);
        expect(typeof decoded).toBe(n === 12 ? 'string' : 'object');
      } else {
        // inside an attribute
        expect(body.ok).toBe(false);
        if (!body.ok) expect(['TRUNCATED', 'BAD_LENGTH']).toContain(body.error.code);
        expect(typeof decoded).toBe('string');
      }
    }
    expect(decodeNeighbour({ type: C.RTM_NEWNEIGH, flags: 0, seq: 0, pid: 0, payload: payload.subarray(0, 30), offset: 0 })).toMatchObject({ lladdr: MAC });
  });

  it('never throws on random and mutated inputs', () => {
    const random = seededRandom(7);
    const base = replaceRequest().subarray(16);
    for (let i = 0; i < 5000; i++) {
      let input: Buffer;
      if (i % 2 === 0) input = Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
      else {
        input = Buffer.from(base);
        for (let k = 0; k < 1 + Math.floor(random() * 4); k++) input[Math.floor(random() * input.length)] = Math.floor(random() * 256);
        input = input.subarray(0, Math.floor(random() * (input.length + 1)));
      }
      const result = decodeNeighbour({ type: C.RTM_NEWNEIGH, flags: 0, seq: 0, pid: 0, payload: input, offset: 0 });
      if (typeof result === 'string') expect(result).not.toMatch(/decoder bug/);
      else expect([4, 6]).toContain(result.family);
    }
  });
});

/** A socket double: records requests (type, flags, bytes), answers dumps, fails requests with an errno. */
function kernel(options: { errno?: string; extack?: string; dump?: NetlinkMessage[] } = {}): RequestSocket & { sent: Array<{ type: number; flags: number; bytes: Buffer }> } {
  const sent: Array<{ type: number; flags: number; bytes: Buffer }> = [];
  const linkReply = (index: number, name: string) => message(C.RTM_NEWLINK, (w) => encodeBody(w, S.ifinfomsg, { index }, S.link, { ifname: name }, 'link'));
  return {
    sent,
    async request(type, flags, body) {
      sent.push({ type, flags, bytes: encodeMessage({ type, flags, seq: 0, pid: 0 }, body) });
      if (type === C.RTM_GETLINK) return [linkReply(3, 'bench1')];
      if (options.errno) throw new NetlinkError('NETLINK_ERROR', `request: ${options.extack ?? options.errno}`, options.errno, options.extack);
      return [];
    },
    async dump(type, body) {
      sent.push({ type, flags: C.NLM_F_DUMP, bytes: encodeMessage({ type, flags: C.NLM_F_DUMP, seq: 0, pid: 0 }, body) });
      return options.dump ?? [];
    },
    close() {},
  };
}

describe('RtNetlink neighbours and MAC addresses', () => {
  it('replaces a neighbour with CREATE|REPLACE and NUD_PERMANENT by default, NUD_REACHABLE when asked', async () => {
    const socket = kernel();
    const nl = new RtNetlink({ socket });
    await nl.replaceNeighbour({ link: 'bench1', address: '192.0.2.1', lladdr: MAC.toUpperCase() });
    await nl.replaceNeighbour({ link: 3, address: '2001:db8::1', lladdr: MAC, permanent: false });
    const [getLink, v4, v6] = socket.sent;
    expect(getLink!.type).toBe(C.RTM_GETLINK);
    expect(v4!.flags).toBe(C.NLM_F_CREATE | C.NLM_F_REPLACE);
    expect(v4!.bytes.subarray(16)).toEqual(replaceRequest().subarray(16));
    expect(decodeNeighbour(asMessage(v6!.bytes))).toMatchObject({ family: 6, index: 3, address: '2001:db8::1', state: C.NUD_REACHABLE });
  });

  it('deletes by address and link, with no NDA_LLADDR', async () => {
    const socket = kernel();
    await new RtNetlink({ socket }).deleteNeighbour({ link: 3, address: '192.0.2.1' });
    expect(socket.sent).toHaveLength(1);
    expect(socket.sent[0]!.type).toBe(C.RTM_DELNEIGH);
    expect(socket.sent[0]!.flags).toBe(0);
    expect(decodeNeighbour(asMessage(socket.sent[0]!.bytes))).toMatchObject({ address: '192.0.2.1', lladdr: null, state: 0 });
  });

  it('lists the IPv4/IPv6 entries of one link, skips other tables, and reports a truncated entry as a protocol error', async () => {
    const entry = (index: number, family: number, dst: string) =>
      message(C.RTM_NEWNEIGH, (w) => encodeBody(w, S.ndmsg, { family, index, state: C.NUD_PERMANENT }, S.neighbour, { dst: parseIp(dst)!.bytes, lladdr: parseMac(MAC) }, 'neighbour'));
    const decnet = message(C.RTM_NEWNEIGH, (w) => encodeBody(w, S.ndmsg, { family: 12, index: 3 }, S.neighbour, { dst: Uint8Array.from([1, 2]) }, 'neighbour'));
    const socket = kernel({ dump: [entry(3, C.AF_INET, '192.0.2.1'), entry(4, C.AF_INET, '192.0.2.2'), entry(3, C.AF_INET6, 'fe80::1'), decnet] });
    const nl = new RtNetlink({ socket });
    expect((await nl.listNeighbours()).map((n) => n.address)).toEqual(['192.0.2.1', '192.0.2.2', 'fe80::1']);
    expect((await nl.listNeighbours('bench1')).map((n) => n.address)).toEqual(['192.0.2.1', 'fe80::1']);
    const truncated = entry(3, C.AF_INET, '192.0.2.1');
    const broken = new RtNetlink({ socket: kernel({ dump: [{ ...truncated, payload: truncated.payload.subarray(0, 15) }] }) });
    await expect(broken.listNeighbours()).rejects.toMatchObject({ code: 'NETLINK_PROTOCOL', category: 'protocol' });
  });

  it('refuses bad MAC and IP text with a usage error naming it, before sending anything', async () => {
    const socket = kernel();
    const nl = new RtNetlink({ socket });
    await expect(nl.setLinkAddress('bench0', '00:01:05:dc:45')).rejects.toMatchObject({ code: 'BAD_MAC_ADDRESS', category: 'usage', message: expect.stringContaining('set address 00:01:05:dc:45 on bench0: not a MAC address') });
    await expect(nl.replaceNeighbour({ link: 'bench1', address: '192.0.2.1', lladdr: 'nonsense' })).rejects.toMatchObject({ code: 'BAD_MAC_ADDRESS', category: 'usage', message: expect.stringContaining('lladdr nonsense') });
    await expect(nl.replaceNeighbour({ link: 'bench1', address: '192.0.2.300', lladdr: MAC })).rejects.toMatchObject({ code: 'BAD_ADDRESS', category: 'usage', message: expect.stringContaining('192.0.2.300') });
    expect(socket.sent).toEqual([]);
  });

  it('sends IFLA_ADDRESS in an RTM_NEWLINK for setLinkAddress', async () => {
    const socket = kernel();
    await new RtNetlink({ socket }).setLinkAddress('bench0', MAC);
    expect(socket.sent[0]!.type).toBe(C.RTM_NEWLINK);
    expect(decodeLink(asMessage(socket.sent[0]!.bytes))).toMatchObject({ name: 'bench0', address: MAC });
  });

  const refusals: Array<[string, (nl: RtNetlink) => Promise<void>, string, ErrorCategory, RegExp]> = [
    ['ENODEV', (nl) => nl.setLinkAddress(9, MAC), 'NO_SUCH_INTERFACE', 'notFound', /ifindex 9: no such interface/],
    ['EADDRNOTAVAIL', (nl) => nl.setLinkAddress('bench0', '01:00:5e:00:00:01'), 'LINK_SET_FAILED', 'kernel', /set address 01:00:5e:00:00:01 on bench0 \(not a usable unicast address/],
    ['ENODEV', (nl) => nl.replaceNeighbour({ link: 9, address: '192.0.2.1', lladdr: MAC }), 'NO_SUCH_INTERFACE', 'notFound', /ifindex 9: no such interface/],
    ['EINVAL', (nl) => nl.replaceNeighbour({ link: 9, address: '192.0.2.1', lladdr: MAC }), 'NEIGHBOUR_FAILED', 'kernel', /replace neighbour 192.0.2.1 lladdr 00:01:05:dc:45:00 dev ifindex 9: EINVAL/],
    ['ENOENT', (nl) => nl.deleteNeighbour({ link: 9, address: '192.0.2.1' }), 'NO_SUCH_NEIGHBOUR', 'notFound', /delete neighbour 192.0.2.1 dev ifindex 9: no such entry/],
  ];
  for (const [errno, op, code, category, text] of refusals) {
    it(`${errno} -> ${code}`, async () => {
      const error = await op(new RtNetlink({ socket: kernel({ errno }) })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetlinkError);
      expect(error).toMatchObject({ code, errno, category });
      expect((error as Error).message).toMatch(text);
    });
  }
});
