// How rtnetlink refusals become errors that name the interface and the mux id: driven by a socket double
// that answers like the kernel (errno + extended ack), for the rmnet cases this host cannot produce.
import { describe, expect, it } from 'vitest';
import { RtNetlink, type RequestSocket } from '../../../src/netlink/rtnl.js';
import { NetlinkError } from '../../../src/netlink/errors.js';
import { decodeMessages, encodeBody, encodeMessage, type NetlinkMessage } from '../../../src/netlink/codec.js';
import * as C from '../../../src/netlink/constants.js';
import * as S from '../../../src/netlink/schema.js';
import { encodeCreateLink } from '../../../src/netlink/link.js';

function linkReply(index: number, name: string): NetlinkMessage {
  const bytes = encodeMessage({ type: C.RTM_NEWLINK, flags: 0, seq: 1, pid: 0 }, (w) => encodeBody(w, S.ifinfomsg, { index, flags: C.IFF_UP }, S.link, { ifname: name, mtu: 1500 }, 'link'));
  const decoded = decodeMessages(bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value[0]!;
}

function rmnetReply(index: number, name: string, parentIndex: number, muxId: number): NetlinkMessage {
  const bytes = encodeMessage({ type: C.RTM_NEWLINK, flags: 0, seq: 1, pid: 0 }, (w) => encodeCreateLink(w, { name, parentIndex, link: { kind: 'rmnet', muxId } }));
  const decoded = decodeMessages(bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  // A create request and a link reply share the layout; only the index differs.
  const payload = Uint8Array.from(decoded.value[0]!.payload);
  new DataView(payload.buffer).setInt32(4, index, true);
  return { ...decoded.value[0]!, payload };
}

function socketAnswering(errno: string, extack: string | undefined, dumpReplies: NetlinkMessage[] = []): RequestSocket & { sent: number[] } {
  const sent: number[] = [];
  return {
    sent,
    async request(type) {
      sent.push(type);
      if (type === C.RTM_GETLINK) return [linkReply(2, 'wwan0')];
      throw new NetlinkError('NETLINK_ERROR', `RTM_NEWLINK: ${extack ?? errno}`, errno, extack);
    },
    async dump() {
      return dumpReplies;
    },
    close() {},
  };
}

describe('rmnet creation errors', () => {
  it.each([[0], [255], [1.5]])('refuses mux id %s before sending anything', async (muxId) => {
    const socket = socketAnswering('EINVAL', undefined);
    const error = await new RtNetlink({ socket }).createRmnetLink({ name: 'rmnet_x', parent: 'wwan0', muxId }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_MUX_ID', category: 'usage', message: expect.stringContaining(`rmnet_x on wwan0: mux id must be in 1..254, got ${muxId}`) });
    expect(socket.sent).toEqual([]);
  });

  it('on an EBUSY without text (older kernels) asks the kernel which link holds the mux id', async () => {
    const nl = new RtNetlink({ socket: socketAnswering('EBUSY', undefined, [linkReply(2, 'wwan0'), rmnetReply(9, 'rmnet_old', 2, 3)]) });
    const error = await nl.createRmnetLink({ name: 'rmnet_data3', parent: 'wwan0', muxId: 3 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MUX_IN_USE', details: { link: 'rmnet_old', muxId: 3 } });
    expect((error as Error).message).toContain('mux id 3 is already used by rmnet_old');
  });

  it('explains EPERM on an MTU decrease as a veto by a stacked link, not a permission problem', async () => {
    const error = await new RtNetlink({ socket: socketAnswering('EPERM', undefined) }).setMtu('wwan0', 1400).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MTU_REFUSED', errno: 'EPERM', category: 'conflict', message: expect.stringContaining('would exceed the new MTU') });
  });

  const cases: Array<[string, string | undefined, string, RegExp]> = [
    ['EBUSY', 'rmnet: MUX ID already exists', 'MUX_IN_USE', /rmnet_data3 on wwan0 with mux id 3: mux id 3 is already in use on wwan0/],
    ['EBUSY', undefined, 'PARENT_BUSY', /wwan0 already has a receive handler \(a bridge/],
    ['EOPNOTSUPP', 'Unknown device type', 'LINK_KIND_UNSUPPORTED', /mux id 3: the rmnet module is not loaded \(modprobe rmnet\)/],
    ['EINVAL', 'rmnet: Invalid MTU on real dev', 'PARENT_MTU_TOO_LARGE', /parent MTU minus the 4-byte QMAP header exceeds 16384/],
    ['EEXIST', undefined, 'LINK_EXISTS', /an interface named rmnet_data3 already exists/],
    ['ERANGE', undefined, 'LINK_CREATE_FAILED', /create rmnet link rmnet_data3 on wwan0 with mux id 3: ERANGE/],
  ];
  for (const [errno, extack, code, message] of cases) {
    it(`${errno}${extack ? ` "${extack}"` : ''} -> ${code}`, async () => {
      const nl = new RtNetlink({ socket: socketAnswering(errno, extack) });
      const error = await nl.createRmnetLink({ name: 'rmnet_data3', parent: 'wwan0', muxId: 3 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetlinkError);
      expect(error).toMatchObject({ code, errno, details: { interface: 'rmnet_data3', parent: 'wwan0', muxId: 3 } });
      expect((error as Error).message).toMatch(message);
      if (extack) expect((error as Error).message).toContain(extack);
    });
  }
});
