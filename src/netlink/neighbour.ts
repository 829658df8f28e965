// Neighbours (RTM_NEWNEIGH/DELNEIGH/GETNEIGH): ARP and NDP entries, typed decode and request encoding.
import { decodeBody, encodeBody, type NetlinkMessage, type StructValue, type Writer } from './codec.js';
import * as C from './constants.js';
import { formatIp, type Family } from '../ip-address.js';
import { formatLladdr } from './ip.js';
import * as S from './schema.js';

export interface Neighbour {
  /** The interface the entry belongs to. */
  index: number;
  family: Family;
  /** The IP address (NDA_DST). */
  address: string;
  /** The link-layer address (NDA_LLADDR); null while unresolved (INCOMPLETE, FAILED). */
  lladdr: string | null;
  /** NUD_* bits. */
  state: number;
  /** NTF_* bits. */
  flags: number;
  /** NUD_PERMANENT: a static entry. */
  permanent: boolean;
  /** RTN_* type of the address. */
  type: number;
  /** NDA_CACHEINFO refcnt (none for proxy entries). */
  refcnt: number | null;
}

/** A neighbour from an RTM_NEWNEIGH/RTM_DELNEIGH message; a string describing the defect otherwise. */
export function decodeNeighbour(message: NetlinkMessage): Neighbour | string {
  const body = decodeBody(message.payload, S.ndmsg, S.neighbour, 'neighbour', message.offset + 16);
  if (!body.ok) return body.error.message;
  const { header, attributes } = body.value;
  const family = header.family === C.AF_INET ? 4 : header.family === C.AF_INET6 ? 6 : undefined;
  if (family === undefined) return `neighbour family ${String(header.family)} is not IPv4/IPv6`;
  if (!(attributes.dst instanceof Uint8Array)) return 'neighbour without NDA_DST';
  if (attributes.dst.length !== (family === 4 ? 4 : 16)) return `neighbour NDA_DST of ${attributes.dst.length} bytes for IPv${family}`;
  const state = Number(header.state);
  const cacheinfo = attributes.cacheinfo as StructValue | undefined;
  return {
    index: Number(header.index),
    family,
    address: formatIp(attributes.dst),
    lladdr: attributes.lladdr instanceof Uint8Array ? formatLladdr(attributes.lladdr) : null,
    state,
    flags: Number(header.flags),
    permanent: (state & C.NUD_PERMANENT) !== 0,
    type: Number(header.type),
    refcnt: cacheinfo ? Number(cacheinfo.refcnt) : null,
  };
}

export interface NeighbourRequest {
  index: number;
  family: Family;
  /** IP address bytes (4 or 16). */
  address: Uint8Array;
  /** Link-layer address bytes; omitted for deletion. */
  lladdr?: Uint8Array;
  /** NUD_* state to set (0 for deletion). */
  state: number;
  flags?: number;
}

export function encodeNeighbourRequest(w: Writer, r: NeighbourRequest): void {
  encodeBody(w, S.ndmsg, {
    family: r.family === 4 ? C.AF_INET : C.AF_INET6,
    index: r.index,
    state: r.state,
    flags: r.flags ?? 0,
    type: 0,
  }, S.neighbour, {
    dst: r.address,
    ...(r.lladdr ? { lladdr: r.lladdr } : {}),
  }, 'neighbour');
}

/** A dump request: every neighbour table (IPv4 ARP and IPv6 NDP), every interface. */
export function encodeNeighbourDump(w: Writer): void {
  encodeBody(w, S.ndmsg, { family: C.AF_UNSPEC }, S.neighbour, {}, 'neighbour');
}
