// Links: decode RTM_NEWLINK into a typed Link, and encode link requests (create with a kind and its
// data, delete, up/down, MTU, MAC address). IFLA_INFO_DATA is decoded by the schema of its sibling
// IFLA_INFO_KIND.
import { decodeAttributes, decodeBody, encodeAttributeHeader, encodeAttributes, closeAttribute, encodeBody, writeStruct, type AttrValues, type NetlinkMessage, type StructValue, type Writer } from './codec.js';
import * as C from './constants.js';
import { formatLladdr } from './ip.js';
import * as S from './schema.js';

export interface LinkStats {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
  rxOverErrors: number;
  [counter: string]: number;
}

export interface Link {
  index: number;
  name: string;
  /** net_device flags (IFF_*). */
  flags: number;
  /** IFF_UP: administratively up. */
  up: boolean;
  /** IFF_LOWER_UP: carrier. */
  lowerUp: boolean;
  mtu: number | null;
  minMtu: number | null;
  maxMtu: number | null;
  /** IFLA_INFO_KIND (veth, rmnet, ...); null for drivers without rtnl link ops (qmi_wwan, qmimux). */
  kind: string | null;
  /** IFLA_LINK: the parent's ifindex (rmnet: the real device; veth: the peer). */
  parentIndex: number | null;
  /** IFLA_RMNET_MUX_ID, for rmnet links. */
  muxId: number | null;
  /** IFLA_RMNET_FLAGS, for rmnet links. */
  rmnetFlags: { flags: number; mask: number } | null;
  /** ARPHRD type (ifi_type). */
  type: number;
  operstate: number | null;
  address: string | null;
  stats: LinkStats | null;
}

const hexAddress = (b: unknown): string | null => (b instanceof Uint8Array ? formatLladdr(b) : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** A link from an RTM_NEWLINK/RTM_DELLINK message; a string describing the defect otherwise. */
export function decodeLink(message: NetlinkMessage): Link | string {
  const body = decodeBody(message.payload, S.ifinfomsg, S.link, 'link', message.offset + 16);
  if (!body.ok) return body.error.message;
  const { header, attributes } = body.value;
  const info = attributes.linkinfo as AttrValues | undefined;
  const kind = info && typeof info.kind === 'string' ? info.kind : null;
  let muxId: number | null = null;
  let rmnetFlags: Link['rmnetFlags'] = null;
  if (kind !== null && info?.data instanceof Uint8Array) {
    const schema = S.infoDataByKind[kind];
    if (schema) {
      const data = decodeAttributes(info.data, schema, `linkinfo.data(${kind})`);
      if (!data.ok) return data.error.message;
      if (kind === 'rmnet') {
        muxId = num(data.value.muxId);
        const f = data.value.flags as StructValue | undefined;
        if (f) rmnetFlags = { flags: Number(f.flags), mask: Number(f.mask) };
      }
    }
  }
  const flags = Number(header.flags);
  let stats: LinkStats | null = null;
  if (attributes.stats64 && typeof attributes.stats64 === 'object') {
    const raw = attributes.stats64 as StructValue;
    const counters: Record<string, number> = {};
    for (const key in raw) counters[key] = Number(raw[key]);
    stats = counters as LinkStats;
  }
  if (typeof attributes.ifname !== 'string') return 'link without IFLA_IFNAME';
  return {
    index: Number(header.index),
    name: attributes.ifname,
    flags,
    up: (flags & C.IFF_UP) !== 0,
    lowerUp: (flags & C.IFF_LOWER_UP) !== 0,
    mtu: num(attributes.mtu),
    minMtu: num(attributes.minMtu),
    maxMtu: num(attributes.maxMtu),
    kind,
    parentIndex: num(attributes.link),
    muxId,
    rmnetFlags,
    type: Number(header.type),
    operstate: num(attributes.operstate),
    address: hexAddress(attributes.address),
    stats,
  };
}

/** A link reference: by index, or by name (the kernel resolves IFLA_IFNAME itself). */
export type LinkRef = number | string;

function refHeader(ref: LinkRef): { index: number; attributes: Record<string, unknown> } {
  return typeof ref === 'number' ? { index: ref, attributes: {} } : { index: 0, attributes: { ifname: ref } };
}

export function encodeLinkRequest(w: Writer, ref: LinkRef, header: { flags?: number; change?: number } = {}, attributes: Record<string, unknown> = {}): void {
  const r = refHeader(ref);
  encodeBody(w, S.ifinfomsg, { family: C.AF_UNSPEC, index: r.index, flags: header.flags ?? 0, change: header.change ?? 0 }, S.link, { ...r.attributes, ...attributes }, 'link');
}

/** What a new link is: a kind and its kind-specific data. */
export type LinkKindSpec =
  | { kind: 'rmnet'; muxId: number; flags?: { flags: number; mask: number } }
  | { kind: 'veth'; peerName: string }
  | { kind: string; data?: undefined };

export interface CreateLinkSpec {
  name: string;
  /** IFLA_LINK: the parent's ifindex (rmnet needs it). */
  parentIndex?: number;
  mtu?: number;
  /** Create it up. */
  up?: boolean;
  link: LinkKindSpec;
}

function encodeKindData(w: Writer, spec: LinkKindSpec): void {
  if (spec.kind === 'rmnet' && 'muxId' in spec) {
    const at = encodeAttributeHeader(w, C.IFLA_INFO_DATA | C.NLA_F_NESTED);
    encodeAttributes(w, S.rmnetData, { muxId: spec.muxId, ...(spec.flags ? { flags: spec.flags } : {}) }, 'rmnet');
    closeAttribute(w, at);
  } else if (spec.kind === 'veth' && 'peerName' in spec) {
    // VETH_INFO_PEER carries a whole ifinfomsg followed by the peer's IFLA_* attributes.
    const at = encodeAttributeHeader(w, C.IFLA_INFO_DATA | C.NLA_F_NESTED);
    const peer = encodeAttributeHeader(w, C.VETH_INFO_PEER | C.NLA_F_NESTED);
    writeStruct(w, S.ifinfomsg, { family: C.AF_UNSPEC }, 'veth peer');
    encodeAttributes(w, S.link, { ifname: spec.peerName }, 'veth peer');
    closeAttribute(w, peer);
    closeAttribute(w, at);
  }
}

export function encodeCreateLink(w: Writer, spec: CreateLinkSpec): void {
  encodeBody(w, S.ifinfomsg, { family: C.AF_UNSPEC, index: 0, flags: spec.up ? C.IFF_UP : 0, change: spec.up ? C.IFF_UP : 0 }, S.link, {
    ifname: spec.name,
    ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
    ...(spec.parentIndex !== undefined ? { link: spec.parentIndex } : {}),
  }, 'link');
  const info = encodeAttributeHeader(w, C.IFLA_LINKINFO | C.NLA_F_NESTED);
  encodeAttributes(w, S.linkInfo, { kind: spec.link.kind }, 'linkinfo');
  encodeKindData(w, spec.link);
  closeAttribute(w, info);
}
