// Addresses (RTM_NEWADDR/DELADDR/GETADDR): typed decode and request encoding.
import { decodeBody, encodeBody, type NetlinkMessage, type Writer } from './codec.js';
import * as C from './constants.js';
import { formatIp, type Family } from '../ip-address.js';
import * as S from './schema.js';

export interface Address {
  index: number;
  family: Family;
  address: string;
  prefixLength: number;
  /** Peer for point-to-point addresses (IFA_ADDRESS when it differs from IFA_LOCAL). */
  peer: string | null;
  scope: number;
  flags: number;
  label: string | null;
}

export function decodeAddress(message: NetlinkMessage): Address | string {
  const body = decodeBody(message.payload, S.ifaddrmsg, S.address, 'address', message.offset + 16);
  if (!body.ok) return body.error.message;
  const { header, attributes } = body.value;
  const family = header.family === C.AF_INET ? 4 : header.family === C.AF_INET6 ? 6 : undefined;
  if (family === undefined) return `address family ${String(header.family)} is not IPv4/IPv6`;
  const local = attributes.local instanceof Uint8Array ? attributes.local : undefined;
  const address = attributes.address instanceof Uint8Array ? attributes.address : undefined;
  const mine = local ?? address;
  if (!mine) return 'address without IFA_LOCAL/IFA_ADDRESS';
  return {
    index: Number(header.index),
    family,
    address: formatIp(mine),
    prefixLength: Number(header.prefixLength),
    peer: local && address && formatIp(local) !== formatIp(address) ? formatIp(address) : null,
    scope: Number(header.scope),
    flags: typeof attributes.flags === 'number' ? attributes.flags : Number(header.flags),
    label: typeof attributes.label === 'string' ? attributes.label : null,
  };
}

export function encodeAddressRequest(w: Writer, index: number, family: Family, bytes: Uint8Array, prefixLength: number, flags = 0): void {
  encodeBody(w, S.ifaddrmsg, { family: family === 4 ? C.AF_INET : C.AF_INET6, prefixLength, flags: flags & 0xff, scope: C.RT_SCOPE_UNIVERSE, index }, S.address, {
    local: bytes,
    address: bytes,
    ...(flags > 0xff ? { flags } : {}),
  }, 'address');
}
