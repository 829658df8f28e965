// The model's rtnetlink view: RtNetlink's RequestSocket seam. Requests are encoded by production code into
// real netlink bytes (RequestTracker.begin), decoded here with src/netlink's codec, applied to the model, and
// answered with real netlink messages: replies, NLM_F_MULTI dumps ended by NLMSG_DONE, and NLMSG_ERROR acks
// carrying -errno and the extack text. The answers go back through RequestTracker.receive, so production's
// errno -> NetlinkError translation (and every RtNetlink wording on top of it) runs unchanged.
import { decodeAttributes, decodeBody, decodeMessages, encodeAttributes, encodeBody, encodeMessage, Writer, type AttrValues, type NetlinkMessage, type StructValue } from '../../../src/netlink/codec.js';
import * as C from '../../../src/netlink/constants.js';
import { constants } from 'node:os';

/** The errno number the model answers with (production only ever needs number -> name). */
const errnoNumber = (name: string): number | undefined => (constants.errno as Record<string, number>)[name];
import type { RequestSocket } from '../../../src/netlink/rtnl.js';
import { decodeNexthops, encodeNexthops } from '../../../src/netlink/route.js';
import * as S from '../../../src/netlink/schema.js';
import { RequestTracker, messageTypeName } from '../../../src/netlink/socket.js';
import { KernelErrno, type KernelModel, type ModelInterface } from './model.js';

const family = (af: number): 4 | 6 | undefined => (af === C.AF_INET ? 4 : af === C.AF_INET6 ? 6 : undefined);
const af = (f: 4 | 6) => (f === 4 ? C.AF_INET : C.AF_INET6);
const bytes = (v: unknown): Uint8Array | undefined => (v instanceof Uint8Array ? Uint8Array.from(v) : undefined);

function must<T>(decoded: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!decoded.ok) throw new KernelErrno('EINVAL', decoded.error.message);
  return decoded.value;
}

function ack(request: NetlinkMessage, errno: number, extack?: string): Buffer {
  const tlvs = extack !== undefined && errno !== 0;
  return encodeMessage({ type: C.NLMSG_ERROR, flags: C.NLM_F_CAPPED | (tlvs ? C.NLM_F_ACK_TLVS : 0), seq: request.seq, pid: 0 }, (w) => {
    w.s32(-errno);
    // The request's header only (capped), as with NETLINK_CAP_ACK.
    w.u32(16 + request.payload.length);
    w.u16(request.type);
    w.u16(request.flags);
    w.u32(request.seq);
    w.u32(request.pid);
    if (tlvs) encodeAttributes(w, { [C.NLMSGERR_ATTR_MSG]: { name: 'message', type: 'string' } }, { message: extack });
  });
}

/** One model interface as RTM_NEWLINK bytes (what `ip -d link` and RtNetlink decode). */
export function encodeLinkMessage(model: KernelModel, i: ModelInterface, seq: number, flags: number): Buffer {
  let data: Uint8Array | undefined;
  if (i.kind === 'rmnet') {
    const w = new Writer();
    encodeAttributes(w, S.rmnetData, { muxId: i.muxId ?? 0, flags: i.rmnetFlags ?? { flags: 0, mask: 0 } }, 'rmnet');
    data = w.result();
  }
  const up = model.isUp(i);
  const attributes: Record<string, unknown> = {
    ifname: i.name,
    mtu: i.mtu,
    minMtu: i.minMtu,
    maxMtu: i.maxMtu,
    operstate: up ? 6 /* IF_OPER_UP */ : 2 /* IF_OPER_DOWN */,
    // The whole struct as a current kernel sends it; counters the model does not keep are 0.
    stats64: Object.fromEntries(S.linkStats64.map(([name]) => [name, BigInt(i.stats[name] ?? 0)])),
    ...(i.address ? { address: i.address } : {}),
    ...(i.parentIndex !== null ? { link: i.parentIndex } : {}),
    ...(i.kind !== null ? { linkinfo: { kind: i.kind, ...(data ? { data } : {}) } } : {}),
  };
  return encodeMessage({ type: C.RTM_NEWLINK, flags, seq, pid: 0 }, (w) => encodeBody(w, S.ifinfomsg, { family: C.AF_UNSPEC, type: i.type, index: i.index, flags: i.flags, change: 0 }, S.link, attributes, 'link'));
}

export class ModelSocket implements RequestSocket {
  private readonly tracker = new RequestTracker(() => {}, 1000);
  private closed = false;

  constructor(private readonly model: KernelModel) {}

  async request(type: number, flags: number, body: (w: Writer) => void): Promise<NetlinkMessage[]> {
    if (this.closed) throw new Error('model socket closed');
    const { bytes: datagram, done } = this.tracker.begin(type, flags, body);
    const replies = this.answer(datagram);
    for (const reply of replies) this.tracker.receive(reply);
    return done;
  }

  async dump(type: number, body: (w: Writer) => void): Promise<NetlinkMessage[]> {
    return this.request(type, C.NLM_F_DUMP, body);
  }

  close(): void {
    this.closed = true;
  }

  /** The kernel side: one request datagram in, the datagrams it answers with out. */
  answer(datagram: Uint8Array): Buffer[] {
    const [request] = must(decodeMessages(datagram));
    if (!request) return [];
    const dump = (request.flags & C.NLM_F_DUMP) === C.NLM_F_DUMP;
    try {
      if (dump) {
        const multi = this.dumpReplies(request).map((encode) => encode(request.seq, C.NLM_F_MULTI));
        const done = encodeMessage({ type: C.NLMSG_DONE, flags: C.NLM_F_MULTI, seq: request.seq, pid: 0 }, (w) => w.s32(0));
        return [...multi, done];
      }
      const replies = this.apply(request);
      return [...replies, ...(request.flags & C.NLM_F_ACK ? [ack(request, 0)] : [])];
    } catch (error) {
      if (!(error instanceof KernelErrno)) throw error;
      return [ack(request, errnoNumber(error.errno) ?? 5 /* EIO */, error.extack)];
    }
  }

  private link(header: StructValue, attributes: AttrValues): ModelInterface {
    const index = Number(header.index);
    if (index !== 0) return this.model.get(index);
    if (typeof attributes.ifname === 'string') return this.model.get(attributes.ifname);
    throw new KernelErrno('EINVAL');
  }

  private nameOf(header: StructValue, attributes: AttrValues): string {
    const index = Number(header.index);
    return index !== 0 ? (this.model.byIndex(index)?.name ?? `ifindex ${index}`) : String(attributes.ifname);
  }

  private dumpReplies(request: NetlinkMessage): Array<(seq: number, flags: number) => Buffer> {
    const m = this.model;
    switch (request.type) {
      case C.RTM_GETLINK:
        return m.list().map((i) => (seq, flags) => encodeLinkMessage(m, i, seq, flags));
      case C.RTM_GETADDR:
        return m.addresses.map((a) => (seq, flags) => encodeMessage({ type: C.RTM_NEWADDR, flags, seq, pid: 0 }, (w) => encodeBody(w, S.ifaddrmsg, { family: af(a.family), prefixLength: a.prefixLength, flags: a.flags & 0xff, scope: C.RT_SCOPE_UNIVERSE, index: a.index }, S.address, {
          address: a.bytes, ...(a.family === 4 ? { local: a.bytes } : {}), flags: a.flags,
        }, 'address')));
      case C.RTM_GETROUTE: {
        const wanted = family(request.payload[0] ?? 0);
        return m.routes.filter((r) => wanted === undefined || r.family === wanted).map((r) => (seq, flags) => encodeMessage({ type: C.RTM_NEWROUTE, flags, seq, pid: 0 }, (w) => encodeBody(w, S.rtmsg, {
          family: af(r.family), dstLength: r.prefixLength, table: r.table < 256 ? r.table : C.RT_TABLE_COMPAT, protocol: r.protocol, scope: r.scope, type: r.type,
        }, S.route, {
          table: r.table,
          ...(r.prefixLength > 0 ? { dst: r.destination } : {}),
          ...(r.outputIndex !== null ? { oif: r.outputIndex } : {}),
          ...(r.gateway ? { gateway: r.gateway } : {}),
          ...(r.nexthops ? { multipath: encodeNexthops(r.nexthops) } : {}),
          // IPv4 sends RTA_PRIORITY only when set; IPv6 always.
          ...(r.metric !== 0 || r.family === 6 ? { priority: r.metric } : {}),
        }, 'route')));
      }
      case C.RTM_GETNEIGH:
        return m.neighbours.map((n) => (seq, flags) => encodeMessage({ type: C.RTM_NEWNEIGH, flags, seq, pid: 0 }, (w) => encodeBody(w, S.ndmsg, { family: af(n.family), index: n.index, state: n.state, flags: 0, type: C.RTN_UNICAST }, S.neighbour, {
          dst: n.bytes, ...(n.lladdr ? { lladdr: n.lladdr } : {}), cacheinfo: { confirmed: 0, used: 0, updated: 0, refcnt: 1 },
        }, 'neighbour')));
      default:
        throw new KernelErrno('EOPNOTSUPP');
    }
  }

  private apply(request: NetlinkMessage): Buffer[] {
    const m = this.model;
    const what = messageTypeName(request.type);
    switch (request.type) {
      case C.RTM_GETLINK: {
        const { header, attributes } = must(decodeBody(request.payload, S.ifinfomsg, S.link, 'link'));
        return [encodeLinkMessage(m, this.link(header, attributes), request.seq, 0)];
      }
      case C.RTM_NEWLINK:
      case C.RTM_SETLINK: {
        const { header, attributes } = must(decodeBody(request.payload, S.ifinfomsg, S.link, 'link'));
        const info = attributes.linkinfo as AttrValues | undefined;
        const exists = Number(header.index) !== 0 ? m.byIndex(Number(header.index)) : typeof attributes.ifname === 'string' ? m.byName(attributes.ifname) : undefined;
        if (!exists && request.flags & C.NLM_F_CREATE && typeof info?.kind === 'string') {
          const kind = info.kind;
          const name = typeof attributes.ifname === 'string' ? attributes.ifname : refuseName();
          m.step(`${what} create ${kind} ${name}`);
          const spec: Parameters<KernelModel['createLink']>[0] = {
            name, kind,
            ...(typeof attributes.link === 'number' ? { parentIndex: attributes.link } : {}),
            ...(typeof attributes.mtu === 'number' ? { mtu: attributes.mtu } : {}),
            ...(Number(header.change) & C.IFF_UP && Number(header.flags) & C.IFF_UP ? { up: true } : {}),
          };
          if (info.data instanceof Uint8Array && kind === 'rmnet') {
            const data = must(decodeAttributes(info.data, S.rmnetData, 'rmnet'));
            if (typeof data.muxId === 'number') spec.muxId = data.muxId;
            const f = data.flags as StructValue | undefined;
            if (f) spec.rmnetFlags = { flags: Number(f.flags), mask: Number(f.mask) };
          }
          if (info.data instanceof Uint8Array && kind === 'veth') {
            const data = must(decodeAttributes(info.data, { [C.VETH_INFO_PEER]: { name: 'peer', type: 'binary' } }, 'veth'));
            if (data.peer instanceof Uint8Array) {
              const peer = must(decodeBody(data.peer, S.ifinfomsg, S.link, 'veth peer'));
              if (typeof peer.attributes.ifname === 'string') spec.peerName = peer.attributes.ifname;
            }
          }
          m.createLink(spec);
          return [];
        }
        const parts = [
          Number(header.change) & C.IFF_UP ? (Number(header.flags) & C.IFF_UP ? 'up' : 'down') : '',
          typeof attributes.mtu === 'number' ? `mtu ${attributes.mtu}` : '',
          attributes.address instanceof Uint8Array ? 'address' : '',
        ].filter(Boolean);
        m.step(`${what} ${this.nameOf(header, attributes)} ${parts.join(' ')}`.trim());
        if (exists && request.flags & C.NLM_F_EXCL && request.flags & C.NLM_F_CREATE) throw new KernelErrno('EEXIST');
        const i = this.link(header, attributes);
        if (attributes.address instanceof Uint8Array) m.setAddress(i, attributes.address);
        if (typeof attributes.mtu === 'number') m.setMtu(i, attributes.mtu);
        if (Number(header.change) & C.IFF_UP) m.setUp(i, (Number(header.flags) & C.IFF_UP) !== 0);
        return [];
      }
      case C.RTM_DELLINK: {
        const { header, attributes } = must(decodeBody(request.payload, S.ifinfomsg, S.link, 'link'));
        m.step(`${what} ${this.nameOf(header, attributes)}`);
        m.deleteLink(this.link(header, attributes));
        return [];
      }
      case C.RTM_NEWADDR:
      case C.RTM_DELADDR: {
        const { header, attributes } = must(decodeBody(request.payload, S.ifaddrmsg, S.address, 'address'));
        const f = family(Number(header.family)) ?? refuseFamily();
        const address = bytes(attributes.local) ?? bytes(attributes.address) ?? refuseFamily();
        const index = Number(header.index);
        m.step(`${what} ${m.byIndex(index)?.name ?? `ifindex ${index}`} ${Array.from(address).join(f === 4 ? '.' : ':')}/${Number(header.prefixLength)}`);
        const entry = { index, family: f, bytes: address, prefixLength: Number(header.prefixLength), flags: typeof attributes.flags === 'number' ? attributes.flags : Number(header.flags) };
        if (request.type === C.RTM_NEWADDR) m.addAddress(entry);
        else m.deleteAddress(entry);
        return [];
      }
      case C.RTM_NEWROUTE:
      case C.RTM_DELROUTE: {
        const { header, attributes } = must(decodeBody(request.payload, S.rtmsg, S.route, 'route'));
        const f = family(Number(header.family)) ?? refuseFamily();
        const prefixLength = Number(header.dstLength);
        const destination = bytes(attributes.dst) ?? new Uint8Array(f === 4 ? 4 : 16);
        const table = typeof attributes.table === 'number' ? attributes.table : Number(header.table);
        const outputIndex = typeof attributes.oif === 'number' ? attributes.oif : null;
        const gateway = bytes(attributes.gateway) ?? null;
        const metric = typeof attributes.priority === 'number' ? attributes.priority : null;
        const decoded = attributes.multipath instanceof Uint8Array ? decodeNexthops(attributes.multipath) : undefined;
        if (typeof decoded === 'string') throw new KernelErrno('EINVAL');
        const nexthops = decoded?.map((nh) => ({ outputIndex: nh.outputIndex, weight: nh.weight }));
        m.step(`${what} ${prefixLength === 0 ? 'default' : `${Array.from(destination).join('.')}/${prefixLength}`}${outputIndex !== null ? ` dev ${m.byIndex(outputIndex)?.name ?? outputIndex}` : ''}${nexthops ? nexthops.map((nh) => ` nexthop dev ${m.byIndex(nh.outputIndex)?.name ?? nh.outputIndex} weight ${nh.weight}`).join('') : ''}${metric !== null ? ` metric ${metric}` : ''}`);
        if (request.type === C.RTM_NEWROUTE) {
          m.addRoute({ family: f, destination, prefixLength, gateway, outputIndex, metric: metric ?? (f === 6 ? 1024 : 0), table, protocol: Number(header.protocol), scope: Number(header.scope), type: Number(header.type), ...(nexthops ? { nexthops } : {}) }, (request.flags & C.NLM_F_REPLACE) !== 0);
        } else m.deleteRoute({ family: f, destination, prefixLength, gateway, outputIndex, metric, table });
        return [];
      }
      case C.RTM_NEWNEIGH:
      case C.RTM_DELNEIGH: {
        const { header, attributes } = must(decodeBody(request.payload, S.ndmsg, S.neighbour, 'neighbour'));
        const f = family(Number(header.family)) ?? refuseFamily();
        const address = bytes(attributes.dst) ?? refuseFamily();
        const index = Number(header.index);
        m.step(`${what} ${m.byIndex(index)?.name ?? `ifindex ${index}`}`);
        if (request.type === C.RTM_NEWNEIGH) m.replaceNeighbour({ index, family: f, bytes: address, lladdr: bytes(attributes.lladdr) ?? null, state: Number(header.state) });
        else m.deleteNeighbour({ index, bytes: address });
        return [];
      }
      default:
        throw new KernelErrno('EOPNOTSUPP');
    }
  }
}

function refuseName(): never {
  throw new KernelErrno('EINVAL', 'no IFLA_IFNAME');
}

function refuseFamily(): never {
  throw new KernelErrno('EAFNOSUPPORT');
}
