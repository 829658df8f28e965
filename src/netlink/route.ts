// Routes (RTM_NEWROUTE/DELROUTE/GETROUTE): typed decode and request encoding.
import { decodeBody, encodeBody, type NetlinkMessage, type Writer } from './codec.js';
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
}

export function decodeRoute(message: NetlinkMessage): Route | string {
  const body = decodeBody(message.payload, S.rtmsg, S.route, 'route', message.offset + 16);
  if (!body.ok) return body.error.message;
  const { header, attributes } = body.value;
  const family = header.family === C.AF_INET ? 4 : header.family === C.AF_INET6 ? 6 : undefined;
  if (family === undefined) return `route family ${String(header.family)} is not IPv4/IPv6`;
  const dstLength = Number(header.dstLength);
  const dst = attributes.dst instanceof Uint8Array ? formatIp(attributes.dst) : undefined;
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
  };
}

export interface RouteRequest {
  family: Family;
  destination: Uint8Array;
  prefixLength: number;
  gateway?: Uint8Array;
  outputIndex?: number;
  metric?: number;
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
    table: r.table,
  }, 'route');
}
