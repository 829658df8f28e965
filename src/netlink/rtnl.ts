// rtnetlink operations on links, addresses, routes and neighbours, behind the `Netlink` interface so
// datapath/, session/ and bench/ run the same against this machine, a network namespace, the lab VM, or a
// test double.
import { Category } from '../errors.js';
import { checkMuxId } from '../mux-id.js';
import { decodeAddress, encodeAddressRequest, type Address } from './address.js';
import * as C from './constants.js';
import { NetlinkError } from './errors.js';
import { parseIp, type Family } from '../ip-address.js';
import { formatLladdr, parseMac, parsePrefix } from './ip.js';
import { decodeLink, encodeCreateLink, encodeLinkRequest, type CreateLinkSpec, type Link, type LinkRef } from './link.js';
import { decodeNeighbour, encodeNeighbourDump, encodeNeighbourRequest, type Neighbour } from './neighbour.js';
import { decodeRoute, encodeRouteRequest, type Route } from './route.js';
import { NetlinkSocket, type NetlinkSocketOptions } from './socket.js';
import { encodeBody, type NetlinkMessage, type Writer } from './codec.js';
import * as S from './schema.js';

export type { Address, Link, LinkRef, Neighbour, Route, CreateLinkSpec, Family };

export interface AddressSpec {
  link: LinkRef;
  /** "10.0.0.2" or "2001:db8::2". */
  address: string;
  prefixLength: number;
  /** IPv6: skip duplicate address detection (IFA_F_NODAD). */
  noDad?: boolean;
}

export interface RouteSpec {
  /** "default" or "prefix/len". */
  destination: string;
  /** Needed when destination is "default" and no gateway tells the family. */
  family?: Family;
  gateway?: string;
  link?: LinkRef;
  metric?: number;
  /** Default: main (254). */
  table?: number;
  /** A multipath route (RTA_MULTIPATH) instead of `link`/`gateway`: each nexthop's device and weight (1..256, default 1). */
  nexthops?: ReadonlyArray<{ link: LinkRef; weight?: number; gateway?: string }>;
}

export interface NeighbourSpec {
  link: LinkRef;
  /** The IP address: "192.0.2.1" or "2001:db8::1". */
  address: string;
  /** The link-layer address: six hex octets, "02:00:5e:10:00:01". */
  lladdr: string;
  /** NUD_PERMANENT (default, as `ip neigh replace`), else NUD_REACHABLE (the kernel ages it out). */
  permanent?: boolean;
}

export interface RmnetLinkSpec {
  name: string;
  parent: LinkRef;
  muxId: number;
  /** IFLA_RMNET_FLAGS: flags and the mask of bits they set. */
  flags?: { flags: number; mask: number };
}

/** The kernel as the rest of rmnetctl sees it over rtnetlink. */
export interface Netlink {
  listLinks(): Promise<Link[]>;
  /** Throws NO_SUCH_INTERFACE naming it. */
  getLink(ref: LinkRef): Promise<Link>;
  findLink(ref: LinkRef): Promise<Link | undefined>;
  createLink(spec: CreateLinkSpec): Promise<Link>;
  createRmnetLink(spec: RmnetLinkSpec): Promise<Link>;
  deleteLink(ref: LinkRef): Promise<void>;
  setLinkUp(ref: LinkRef, up: boolean): Promise<void>;
  setMtu(ref: LinkRef, mtu: number): Promise<void>;
  /** IFLA_ADDRESS: the MAC, six hex octets; BAD_MAC_ADDRESS (usage) for other text. */
  setLinkAddress(ref: LinkRef, mac: string): Promise<void>;
  listAddresses(link?: LinkRef): Promise<Address[]>;
  addAddress(spec: AddressSpec): Promise<void>;
  deleteAddress(spec: AddressSpec): Promise<void>;
  listRoutes(family: Family, table?: number): Promise<Route[]>;
  addRoute(spec: RouteSpec): Promise<void>;
  deleteRoute(spec: RouteSpec): Promise<void>;
  /** Creates the route or replaces the one of the same destination and metric in one step (`ip route replace`). */
  replaceRoute(spec: RouteSpec): Promise<void>;
  /** IPv4 (ARP) and IPv6 (NDP) entries, of one link or all. */
  listNeighbours(link?: LinkRef): Promise<Neighbour[]>;
  /** Creates the entry or replaces the one for this address on this link (`ip neigh replace`). */
  replaceNeighbour(spec: NeighbourSpec): Promise<void>;
  /** NO_SUCH_NEIGHBOUR when there is no entry for this address on this link. */
  deleteNeighbour(spec: { link: LinkRef; address: string }): Promise<void>;
  close(): void;
}

const refText = (ref: LinkRef) => (typeof ref === 'number' ? `ifindex ${ref}` : ref);

function decodeAll<T>(messages: NetlinkMessage[], type: number, decode: (m: NetlinkMessage) => T | string, what: string): T[] {
  const out: T[] = [];
  for (const m of messages) {
    if (m.type !== type) continue;
    const value = decode(m);
    if (typeof value === 'string') throw new NetlinkError('NETLINK_PROTOCOL', `${what}: undecodable message: ${value}`, 'EPROTO', undefined, {}, Category.protocol);
    out.push(value);
  }
  return out;
}

function noSuchInterface(error: unknown, ref: LinkRef): unknown {
  if (error instanceof NetlinkError && error.errno === 'ENODEV') {
    return error.withContext('NO_SUCH_INTERFACE', `${refText(ref)}: no such interface`, { interface: ref }, Category.notFound);
  }
  return error;
}

/** The part of NetlinkSocket the operations use (a test double can answer like the kernel). */
export interface RequestSocket {
  request(type: number, flags: number, body: (w: Writer) => void): Promise<NetlinkMessage[]>;
  dump(type: number, body: (w: Writer) => void): Promise<NetlinkMessage[]>;
  close(): void;
}

export class RtNetlink implements Netlink {
  readonly socket: RequestSocket;

  /** Opens a socket (optionally in another network namespace), or uses the one given. */
  constructor(options: NetlinkSocketOptions | { socket: RequestSocket } = {}) {
    this.socket = 'socket' in options ? options.socket : new NetlinkSocket({ ...options, groups: [] });
  }

  async listLinks(): Promise<Link[]> {
    const messages = await this.socket.dump(C.RTM_GETLINK, (w) => encodeLinkRequest(w, 0));
    return decodeAll(messages, C.RTM_NEWLINK, decodeLink, 'RTM_GETLINK');
  }

  async getLink(ref: LinkRef): Promise<Link> {
    try {
      const messages = await this.socket.request(C.RTM_GETLINK, 0, (w) => encodeLinkRequest(w, ref));
      const [link] = decodeAll(messages, C.RTM_NEWLINK, decodeLink, `RTM_GETLINK ${refText(ref)}`);
      if (!link) throw new NetlinkError('NETLINK_PROTOCOL', `RTM_GETLINK ${refText(ref)}: no answer`, 'EPROTO', undefined);
      return link;
    } catch (error) {
      throw noSuchInterface(error, ref);
    }
  }

  async findLink(ref: LinkRef): Promise<Link | undefined> {
    try {
      return await this.getLink(ref);
    } catch (error) {
      if (error instanceof NetlinkError && error.errno === 'ENODEV') return undefined;
      throw error;
    }
  }

  async createLink(spec: CreateLinkSpec): Promise<Link> {
    try {
      await this.socket.request(C.RTM_NEWLINK, C.NLM_F_CREATE | C.NLM_F_EXCL, (w) => encodeCreateLink(w, spec));
    } catch (error) {
      if (!(error instanceof NetlinkError)) throw error;
      const what = `create ${spec.link.kind} link ${spec.name}`;
      if (error.errno === 'EEXIST') throw error.withContext('LINK_EXISTS', `${what}: an interface named ${spec.name} already exists`, { interface: spec.name });
      if (error.errno === 'EOPNOTSUPP' && /unknown device type/i.test(error.extack ?? '')) {
        const hint = spec.link.kind === 'rmnet' ? ': the rmnet module is not loaded (modprobe rmnet)' : `: the kernel has no "${spec.link.kind}" link type (module not loaded?)`;
        throw error.withContext('LINK_KIND_UNSUPPORTED', `${what}${hint}`, { interface: spec.name, kind: spec.link.kind });
      }
      throw error.withContext('LINK_CREATE_FAILED', what, { interface: spec.name, kind: spec.link.kind });
    }
    return this.getLink(spec.name);
  }

  async createRmnetLink(spec: RmnetLinkSpec): Promise<Link> {
    checkMuxId(spec.muxId, `create rmnet link ${spec.name} on ${refText(spec.parent)}`, { interface: spec.name });
    const parent = await this.getLink(spec.parent);
    const what = `create rmnet link ${spec.name} on ${parent.name} with mux id ${spec.muxId}`;
    const details = { interface: spec.name, parent: parent.name, muxId: spec.muxId };
    try {
      return await this.createLink({ name: spec.name, parentIndex: parent.index, link: { kind: 'rmnet', muxId: spec.muxId, ...(spec.flags ? { flags: spec.flags } : {}) } });
    } catch (error) {
      if (!(error instanceof NetlinkError)) throw error;
      if (error.code === 'LINK_KIND_UNSUPPORTED') throw error.withContext(error.code, `${what}: the rmnet module is not loaded (modprobe rmnet)`, details);
      if (error.code === 'LINK_EXISTS') throw error.withContext(error.code, `${what}: an interface named ${spec.name} already exists`, details);
      const ext = error.extack ?? '';
      if (error.errno === 'EBUSY' && /mux id already exists/i.test(ext)) throw error.withContext('MUX_IN_USE', `${what}: mux id ${spec.muxId} is already in use on ${parent.name}`, details, Category.conflict);
      if (error.errno === 'EBUSY') {
        // Kernels before the extended ack texts say only EBUSY: ask the kernel who holds the mux id.
        const holder = (await this.listLinks().catch(() => [])).find((l) => l.kind === 'rmnet' && l.parentIndex === parent.index && l.muxId === spec.muxId);
        if (holder) throw error.withContext('MUX_IN_USE', `${what}: mux id ${spec.muxId} is already used by ${holder.name}`, { ...details, link: holder.name }, Category.conflict);
      }
      if (error.errno === 'EBUSY') throw error.withContext('PARENT_BUSY', `${what}: ${parent.name} already has a receive handler (a bridge, bond, macvlan or another driver holds it)`, details, Category.busy);
      if (/invalid mtu on real dev/i.test(ext)) throw error.withContext('PARENT_MTU_TOO_LARGE', `${what}: the parent MTU minus the 4-byte QMAP header exceeds 16384; create the links first, then raise the parent MTU`, details);
      if (error.errno === 'ERANGE' || error.errno === 'EINVAL') throw error.withContext('LINK_CREATE_FAILED', what, details);
      throw error.withContext('LINK_CREATE_FAILED', what, details);
    }
  }

  async deleteLink(ref: LinkRef): Promise<void> {
    try {
      await this.socket.request(C.RTM_DELLINK, 0, (w) => encodeLinkRequest(w, ref));
    } catch (error) {
      throw noSuchInterface(error, ref);
    }
  }

  async setLinkUp(ref: LinkRef, up: boolean): Promise<void> {
    try {
      await this.socket.request(C.RTM_NEWLINK, 0, (w) => encodeLinkRequest(w, ref, { flags: up ? C.IFF_UP : 0, change: C.IFF_UP }));
    } catch (error) {
      const e = noSuchInterface(error, ref);
      if (e instanceof NetlinkError && e.code === 'NETLINK_ERROR') throw e.withContext('LINK_SET_FAILED', `set ${refText(ref)} ${up ? 'up' : 'down'}`, { interface: ref });
      throw e;
    }
  }

  async setMtu(ref: LinkRef, mtu: number): Promise<void> {
    try {
      await this.socket.request(C.RTM_NEWLINK, 0, (w) => encodeLinkRequest(w, ref, {}, { mtu }));
    } catch (error) {
      const e = noSuchInterface(error, ref);
      if (e instanceof NetlinkError && e.code === 'NETLINK_ERROR') {
        const why =
          e.errno === 'EDOM' ? ' (usbnet refuses an MTU whose MTU + header length is a multiple of the bulk max packet size)'
          : e.errno === 'EPERM' ? ' (vetoed: a link stacked on it, e.g. rmnet, would exceed the new MTU)'
          : '';
        // EPERM here is a veto by a stacked device, not a permission problem.
        throw e.withContext('MTU_REFUSED', `set MTU ${mtu} on ${refText(ref)}${why}`, { interface: ref, mtu }, e.errno === 'EPERM' ? Category.conflict : undefined);
      }
      throw e;
    }
  }

  async setLinkAddress(ref: LinkRef, mac: string): Promise<void> {
    const what = `set address ${mac} on ${refText(ref)}`;
    const bytes = parseMac(mac);
    if (!bytes) throw new NetlinkError('BAD_MAC_ADDRESS', `${what}: not a MAC address (six hex octets, e.g. 02:00:5e:10:00:01)`, 'EINVAL', undefined, { interface: ref, mac }, Category.usage);
    try {
      await this.socket.request(C.RTM_NEWLINK, 0, (w) => encodeLinkRequest(w, ref, {}, { address: bytes }));
    } catch (error) {
      const e = noSuchInterface(error, ref);
      if (e instanceof NetlinkError && e.code === 'NETLINK_ERROR') {
        const why =
          e.errno === 'EADDRNOTAVAIL' ? ' (not a usable unicast address: multicast or all zeros)'
          : e.errno === 'EBUSY' ? ' (the driver cannot change the address while the link is up)'
          : e.errno === 'EOPNOTSUPP' ? ' (the driver does not support changing its address)'
          : '';
        throw e.withContext('LINK_SET_FAILED', `${what}${why}`, { interface: ref, mac });
      }
      throw e;
    }
  }

  private async indexOf(ref: LinkRef): Promise<number> {
    return typeof ref === 'number' ? ref : (await this.getLink(ref)).index;
  }

  async listAddresses(link?: LinkRef): Promise<Address[]> {
    const index = link === undefined ? undefined : await this.indexOf(link);
    const messages = await this.socket.dump(C.RTM_GETADDR, (w) => encodeBody(w, S.ifaddrmsg, { family: C.AF_UNSPEC }, S.address, {}, 'address'));
    return decodeAll(messages, C.RTM_NEWADDR, decodeAddress, 'RTM_GETADDR').filter((a) => index === undefined || a.index === index);
  }

  private async addressRequest(type: number, flags: number, spec: AddressSpec): Promise<void> {
    const ip = parseIp(spec.address);
    const what = `${type === C.RTM_NEWADDR ? 'add' : 'delete'} address ${spec.address}/${spec.prefixLength} on ${refText(spec.link)}`;
    if (!ip) throw new NetlinkError('BAD_ADDRESS', `${what}: not an IPv4 or IPv6 address`, 'EINVAL', undefined, { address: spec.address }, Category.usage);
    if (!(Number.isInteger(spec.prefixLength) && spec.prefixLength >= 0 && spec.prefixLength <= (ip.family === 4 ? 32 : 128))) {
      throw new NetlinkError('BAD_ADDRESS', `${what}: bad prefix length`, 'EINVAL', undefined, { address: spec.address }, Category.usage);
    }
    const index = await this.indexOf(spec.link);
    try {
      await this.socket.request(type, flags, (w) => encodeAddressRequest(w, index, ip.family, ip.bytes, spec.prefixLength, spec.noDad ? C.IFA_F_NODAD : 0));
    } catch (error) {
      if (!(error instanceof NetlinkError)) throw error;
      if (error.errno === 'EEXIST') throw error.withContext('ADDRESS_EXISTS', `${what}: already present`, { interface: spec.link, address: spec.address });
      if (error.errno === 'EADDRNOTAVAIL') throw error.withContext('NO_SUCH_ADDRESS', `${what}: not present`, { interface: spec.link, address: spec.address }, Category.notFound);
      throw error.withContext('ADDRESS_FAILED', what, { interface: spec.link, address: spec.address });
    }
  }

  addAddress(spec: AddressSpec): Promise<void> {
    return this.addressRequest(C.RTM_NEWADDR, C.NLM_F_CREATE | C.NLM_F_EXCL, spec);
  }

  deleteAddress(spec: AddressSpec): Promise<void> {
    return this.addressRequest(C.RTM_DELADDR, 0, spec);
  }

  async listRoutes(family: Family, table?: number): Promise<Route[]> {
    const messages = await this.socket.dump(C.RTM_GETROUTE, (w) => encodeBody(w, S.rtmsg, { family: family === 4 ? C.AF_INET : C.AF_INET6 }, S.route, {}, 'route'));
    return decodeAll(messages, C.RTM_NEWROUTE, decodeRoute, 'RTM_GETROUTE').filter((r) => table === undefined || r.table === table);
  }

  private async routeRequest(type: number, flags: number, spec: RouteSpec): Promise<void> {
    const del = type === C.RTM_DELROUTE;
    const gateway = spec.gateway === undefined ? undefined : parseIp(spec.gateway);
    const family = spec.family ?? gateway?.family;
    const prefix = parsePrefix(spec.destination, family);
    const verb = del ? 'delete' : (flags & C.NLM_F_REPLACE) !== 0 ? 'replace' : 'add';
    const hops = spec.nexthops?.map((nh) => ` nexthop${nh.gateway ? ` via ${nh.gateway}` : ''} dev ${refText(nh.link)} weight ${nh.weight ?? 1}`).join('') ?? '';
    const what = `${verb} route ${spec.destination}${spec.gateway ? ` via ${spec.gateway}` : ''}${spec.link !== undefined ? ` dev ${refText(spec.link)}` : ''}${hops}${spec.metric !== undefined ? ` metric ${spec.metric}` : ''}${spec.table !== undefined ? ` table ${spec.table}` : ''}`;
    if (!prefix || (spec.gateway !== undefined && !gateway) || (gateway && gateway.family !== prefix.family)) {
      throw new NetlinkError('BAD_ROUTE', `${what}: bad destination or gateway`, 'EINVAL', undefined, { destination: spec.destination }, Category.usage);
    }
    const outputIndex = spec.link === undefined ? undefined : await this.indexOf(spec.link);
    const nexthops: Array<{ outputIndex: number; weight: number; gateway?: Uint8Array }> = [];
    for (const nh of spec.nexthops ?? []) {
      const via = nh.gateway === undefined ? undefined : parseIp(nh.gateway);
      if ((nh.gateway !== undefined && via?.family !== prefix.family) || (nh.weight !== undefined && (!Number.isInteger(nh.weight) || nh.weight < 1 || nh.weight > 256))) {
        throw new NetlinkError('BAD_ROUTE', `${what}: a nexthop needs a gateway of the route's family and a weight in 1..256`, 'EINVAL', undefined, { destination: spec.destination }, Category.usage);
      }
      nexthops.push({ outputIndex: await this.indexOf(nh.link), weight: nh.weight ?? 1, ...(via ? { gateway: via.bytes } : {}) });
    }
    try {
      await this.socket.request(type, flags, (w) => encodeRouteRequest(w, {
        family: prefix.family,
        destination: prefix.bytes,
        prefixLength: prefix.prefixLength,
        ...(gateway ? { gateway: gateway.bytes } : {}),
        ...(outputIndex !== undefined ? { outputIndex } : {}),
        ...(spec.metric !== undefined ? { metric: spec.metric } : {}),
        ...(nexthops.length > 0 ? { nexthops } : {}),
        table: spec.table ?? C.RT_TABLE_MAIN,
        forDelete: del,
      }));
    } catch (error) {
      if (!(error instanceof NetlinkError)) throw error;
      if (error.errno === 'EEXIST') throw error.withContext('ROUTE_EXISTS', `${what}: already present`, { destination: spec.destination });
      if (error.errno === 'ESRCH') throw error.withContext('NO_SUCH_ROUTE', `${what}: no such route`, { destination: spec.destination }, Category.notFound);
      throw error.withContext('ROUTE_FAILED', what, { destination: spec.destination });
    }
  }

  addRoute(spec: RouteSpec): Promise<void> {
    return this.routeRequest(C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, spec);
  }

  deleteRoute(spec: RouteSpec): Promise<void> {
    return this.routeRequest(C.RTM_DELROUTE, 0, spec);
  }

  replaceRoute(spec: RouteSpec): Promise<void> {
    return this.routeRequest(C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_REPLACE, spec);
  }

  async listNeighbours(link?: LinkRef): Promise<Neighbour[]> {
    const index = link === undefined ? undefined : await this.indexOf(link);
    const messages = await this.socket.dump(C.RTM_GETNEIGH, encodeNeighbourDump);
    // An AF_UNSPEC dump walks every neighbour table: keep ARP and NDP (old kernels may add DECnet's). A message
    // too short to say its family is kept, so it fails decoding as NETLINK_PROTOCOL instead of vanishing.
    const ours = messages.filter((m) => m.type !== C.RTM_NEWNEIGH || m.payload.length === 0 || m.payload[0] === C.AF_INET || m.payload[0] === C.AF_INET6);
    return decodeAll(ours, C.RTM_NEWNEIGH, decodeNeighbour, 'RTM_GETNEIGH').filter((n) => index === undefined || n.index === index);
  }

  private async neighbourRequest(type: number, flags: number, spec: { link: LinkRef; address: string; lladdr?: string; permanent?: boolean }): Promise<void> {
    const del = type === C.RTM_DELNEIGH;
    const what = del ? `delete neighbour ${spec.address} dev ${refText(spec.link)}` : `replace neighbour ${spec.address} lladdr ${spec.lladdr ?? ''} dev ${refText(spec.link)}`;
    const ip = parseIp(spec.address);
    if (!ip) throw new NetlinkError('BAD_ADDRESS', `${what}: not an IPv4 or IPv6 address`, 'EINVAL', undefined, { address: spec.address }, Category.usage);
    const lladdr = del ? undefined : parseMac(spec.lladdr ?? '');
    if (!del && !lladdr) throw new NetlinkError('BAD_MAC_ADDRESS', `${what}: not a MAC address (six hex octets, e.g. 02:00:5e:10:00:01)`, 'EINVAL', undefined, { interface: spec.link, mac: spec.lladdr }, Category.usage);
    try {
      const index = await this.indexOf(spec.link);
      await this.socket.request(type, flags, (w) => encodeNeighbourRequest(w, {
        index,
        family: ip.family,
        address: ip.bytes,
        ...(lladdr ? { lladdr } : {}),
        state: del ? 0 : spec.permanent === false ? C.NUD_REACHABLE : C.NUD_PERMANENT,
      }));
    } catch (error) {
      const e = noSuchInterface(error, spec.link);
      if (!(e instanceof NetlinkError) || e.code !== 'NETLINK_ERROR') throw e;
      const details = { interface: spec.link, address: spec.address, ...(lladdr ? { lladdr: formatLladdr(lladdr) } : {}) };
      if (del && e.errno === 'ENOENT') throw e.withContext('NO_SUCH_NEIGHBOUR', `${what}: no such entry`, details, Category.notFound);
      throw e.withContext('NEIGHBOUR_FAILED', what, details);
    }
  }

  replaceNeighbour(spec: NeighbourSpec): Promise<void> {
    return this.neighbourRequest(C.RTM_NEWNEIGH, C.NLM_F_CREATE | C.NLM_F_REPLACE, spec);
  }

  deleteNeighbour(spec: { link: LinkRef; address: string }): Promise<void> {
    return this.neighbourRequest(C.RTM_DELNEIGH, 0, { link: spec.link, address: spec.address });
  }

  close(): void {
    this.socket.close();
  }
}

// ---- events ---------------------------------------------------------------------------------------

export type RtnlEvent =
  | { type: 'link'; action: 'new' | 'delete'; link: Link }
  | { type: 'address'; action: 'new' | 'delete'; address: Address }
  | { type: 'route'; action: 'new' | 'delete'; route: Route };

export type EventGroup = 'link' | 'ipv4-address' | 'ipv6-address' | 'ipv4-route' | 'ipv6-route';

const groupNumbers: Record<EventGroup, number> = {
  link: C.RTNLGRP_LINK,
  'ipv4-address': C.RTNLGRP_IPV4_IFADDR,
  'ipv6-address': C.RTNLGRP_IPV6_IFADDR,
  'ipv4-route': C.RTNLGRP_IPV4_ROUTE,
  'ipv6-route': C.RTNLGRP_IPV6_ROUTE,
};

function toEvent(m: NetlinkMessage): RtnlEvent | undefined {
  const action = m.type === C.RTM_NEWLINK || m.type === C.RTM_NEWADDR || m.type === C.RTM_NEWROUTE ? 'new' : 'delete';
  if (m.type === C.RTM_NEWLINK || m.type === C.RTM_DELLINK) {
    const link = decodeLink(m);
    return typeof link === 'string' ? undefined : { type: 'link', action, link };
  }
  if (m.type === C.RTM_NEWADDR || m.type === C.RTM_DELADDR) {
    const address = decodeAddress(m);
    return typeof address === 'string' ? undefined : { type: 'address', action, address };
  }
  if (m.type === C.RTM_NEWROUTE || m.type === C.RTM_DELROUTE) {
    const route = decodeRoute(m);
    return typeof route === 'string' ? undefined : { type: 'route', action, route };
  }
  return undefined;
}

/**
 * A stream of kernel events on its own socket (so dumps never interleave with events). Iterate it with
 * `for await`; `close()` ends the iteration. If the kernel drops events (ENOBUFS: we read too slowly) the
 * iteration throws: re-read the state with a dump, then watch again.
 */
export class RtnlEventStream implements AsyncIterable<RtnlEvent> {
  private readonly socket: NetlinkSocket;
  private readonly queue: RtnlEvent[] = [];
  private waiter: ((r: IteratorResult<RtnlEvent>) => void) | undefined;
  private failer: ((e: Error) => void) | undefined;
  private ended: { error?: Error } | undefined;

  constructor(groups: EventGroup[], options: { netns?: string | null } = {}) {
    this.socket = new NetlinkSocket({ netns: options.netns ?? null, groups: groups.map((g) => groupNumbers[g]) });
    this.socket.onEvent((m) => {
      const event = toEvent(m);
      if (!event) return;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = this.failer = undefined;
        w({ value: event, done: false });
      } else this.queue.push(event);
    });
    this.socket.onEnd((error) => this.finish(error));
  }

  private finish(error?: Error): void {
    if (this.ended) return;
    this.ended = error && !/closed/.test(error.message) ? { error } : {};
    const w = this.waiter;
    const f = this.failer;
    this.waiter = this.failer = undefined;
    if (this.ended.error && f) f(this.ended.error);
    else if (w) w({ value: undefined, done: true });
  }

  /** The next event, or undefined after `timeoutMs` (handy in tests and supervisors). */
  async next(timeoutMs?: number): Promise<RtnlEvent | undefined> {
    const it = this[Symbol.asyncIterator]();
    if (timeoutMs === undefined) {
      const r = await it.next();
      return r.done ? undefined : r.value;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        this.waiter = this.failer = undefined;
        resolve(undefined);
      }, timeoutMs);
    });
    try {
      const r = await Promise.race([it.next(), timeout]);
      return r === undefined || r.done ? undefined : r.value;
    } finally {
      clearTimeout(timer);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<RtnlEvent> {
    return {
      next: () => {
        const queued = this.queue.shift();
        if (queued) return Promise.resolve({ value: queued, done: false });
        if (this.ended) return this.ended.error ? Promise.reject(this.ended.error) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiter = resolve;
          this.failer = reject;
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  close(): void {
    this.socket.close();
    this.finish();
  }
}

export function watchEvents(groups: EventGroup[], options: { netns?: string | null } = {}): RtnlEventStream {
  return new RtnlEventStream(groups, options);
}
