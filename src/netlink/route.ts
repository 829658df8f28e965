// Routes (RTM_NEWROUTE/DELROUTE/GETROUTE): typed decode and request encoding.
import { align4, decodeAttributes, decodeBody, encodeAttributes, encodeBody, Writer, type NetlinkMessage } from './codec.js';
import * as C from './constants.js';
import { formatIp, type Family } from '../ip-address.js';
import * as S from './schema.js';

export interface Route {
  family: Family;
  /** "default" or "prefix/len". */
  destination: string;
  gateway: string | null;
  /** Output interface index (RTA_OIF). */
  outputIndex: number | null;
  /** RTA_PRIORITY, i.e. the metric. */
  metric: number | null;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  preferredSource: string | null;
  /** RTA_MULTIPATH: the nexthops of a multipath route (then outputIndex and gateway are null). */
  nexthops?: RouteNexthop[];
}

/** One struct rtnexthop of RTA_MULTIPATH and its RTA_GATEWAY. */
export interface RouteNexthop {
  outputIndex: number;
  gateway: string | null;
  /** rtnh_hops + 1: the share of flows this nexthop gets (1..256). */
  weight: number;
  /** RTNH_F_* (dead, linkdown, ...). */
  flags: number;
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Walks RTA_MULTIPATH: struct rtnexthop (rtnh_len covers it and its attributes), 4-byte aligned. */
export function decodeNexthops(bytes: Uint8Array): RouteNexthop[] | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RouteNexthop[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (bytes.length - o < C.RTNH_LENGTH) return `RTA_MULTIPATH: ${bytes.length - o} trailing bytes cannot hold a struct rtnexthop`;
    const length = view.getUint16(o, HOST_LE);
    if (length < C.RTNH_LENGTH || o + length > bytes.length) return `RTA_MULTIPATH: rtnexthop at ${o} has length ${length} (${bytes.length - o} bytes left)`;
    const attributes = decodeAttributes(bytes.subarray(o + C.RTNH_LENGTH, o + length), S.nexthop, 'rtnexthop');
    if (!attributes.ok) return attributes.error.message;
    const gateway = attributes.value.gateway;
    out.push({
      flags: view.getUint8(o + 2),
      weight: view.getUint8(o + 3) + 1,
      outputIndex: view.getInt32(o + 4, HOST_LE),
      gateway: gateway instanceof Uint8Array ? formatIp(gateway) : null,
    });
    o += align4(length);
  }
  return out;
}

/** RTA_MULTIPATH's payload; weights 1..256 (RangeError otherwise: our own requests are checked first). */
export function encodeNexthops(nexthops: ReadonlyArray<{ outputIndex: number; weight: number; gateway?: Uint8Array }>): Uint8Array {
  const w = new Writer();
  for (const nh of nexthops) {
    if (!Number.isInteger(nh.weight) || nh.weight < 1 || nh.weight > 256) throw new RangeError(`rtnexthop weight ${nh.weight} is not an integer in 1..256`);
    const at = w.length;
    w.u16(0);
    w.u8(0);
    w.u8(nh.weight - 1);
    w.s32(nh.outputIndex);
    encodeAttributes(w, S.nexthop, nh.gateway ? { gateway: nh.gateway } : {}, 'rtnexthop');
    w.patchU16(at, w.length - at);
    w.pad();
  }
  return w.result();
}

export function decodeRoute(message: NetlinkMessage): Route | string {
  const body = decodeBody(message.payload, S.rtmsg, S.route, 'route', message.offset + 16);
  if (!body.ok) return body.error.message;
  const { header, attributes } = body.value;
  const family = header.family === C.AF_INET ? 4 : header.family === C.AF_INET6 ? 6 : undefined;
  if (family === undefined) return `route family ${String(header.family)} is not IPv4/IPv6`;
  const dstLength = Number(header.dstLength);
  const dst = attributes.dst instanceof Uint8Array ? formatIp(attributes.dst) : undefined;
  const nexthops = attributes.multipath instanceof Uint8Array ? decodeNexthops(attributes.multipath) : undefined;
  if (typeof nexthops === 'string') return nexthops;
  return {
    family,
    destination: dstLength === 0 && dst === undefined ? 'default' : `${dst ?? (family === 4 ? '0.0.0.0' : '::')}/${dstLength}`,
    gateway: attributes.gateway instanceof Uint8Array ? formatIp(attributes.gateway) : null,
    outputIndex: typeof attributes.oif === 'number' ? attributes.oif : null,
    metric: typeof attributes.priority === 'number' ? attributes.priority : null,
    table: typeof attributes.table === 'number' ? attributes.table : Number(header.table),
    protocol: Number(header.protocol),
    scope: Number(header.scope),
    type: Number(header.type),
    preferredSource: attributes.prefsrc instanceof Uint8Array ? formatIp(attributes.prefsrc) : null,
    ...(nexthops ? { nexthops } : {}),
  };
}

export interface RouteRequest {
  family: Family;
  destination: Uint8Array;
  prefixLength: number;
  gateway?: Uint8Array;
  outputIndex?: number;
  metric?: number;
  /** RTA_MULTIPATH instead of RTA_OIF/RTA_GATEWAY. */
  nexthops?: ReadonlyArray<{ outputIndex: number; weight: number; gateway?: Uint8Array }>;
  table: number;
  /** Deletion matches any scope (RT_SCOPE_NOWHERE); creation picks link scope for IPv4 routes without a gateway. */
  forDelete: boolean;
}

export function encodeRouteRequest(w: Writer, r: RouteRequest): void {
  const scope = r.forDelete ? 255 : r.family === 4 && !r.gateway ? C.RT_SCOPE_LINK : C.RT_SCOPE_UNIVERSE;
  encodeBody(w, S.rtmsg, {
    family: r.family === 4 ? C.AF_INET : C.AF_INET6,
    dstLength: r.prefixLength,
    table: r.table < 256 ? r.table : C.RT_TABLE_COMPAT,
    protocol: r.forDelete ? 0 : C.RTPROT_STATIC,
    scope,
    type: r.forDelete ? 0 : C.RTN_UNICAST,
  }, S.route, {
    ...(r.prefixLength > 0 ? { dst: r.destination } : {}),
    ...(r.outputIndex !== undefined ? { oif: r.outputIndex } : {}),
    ...(r.gateway ? { gateway: r.gateway } : {}),
    ...(r.metric !== undefined ? { priority: r.metric } : {}),
    ...(r.nexthops ? { multipath: encodeNexthops(r.nexthops) } : {}),
    table: r.table,
  }, 'route');
}
