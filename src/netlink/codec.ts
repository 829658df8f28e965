// A pure, total rtnetlink codec. Decoding never throws and never reads out of bounds: any byte string
// gives a value or a typed CodecError. Fixed headers and attribute sets are declared as data (structs
// and schemas below); one generic encoder and one generic decoder walk them.
import { endianness } from 'node:os';
import { NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN } from './constants.js';

const LE = endianness() === 'LE';

export type CodecErrorCode = 'TRUNCATED' | 'BAD_LENGTH' | 'BAD_VALUE';

export interface CodecError {
  readonly code: CodecErrorCode;
  readonly message: string;
  /** Byte offset in the buffer given to the top-level decoder. */
  readonly offset: number;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: CodecError };

/** Internal: raised by bounds checks, always caught by the exported entry points. */
class CodecFailure extends Error {
  constructor(readonly failure: CodecError) {
    super(failure.message);
  }
}

function fail(code: CodecErrorCode, message: string, offset: number): never {
  throw new CodecFailure({ code, message, offset });
}

function guard<T>(body: () => T): Decoded<T> {
  try {
    return { ok: true, value: body() };
  } catch (error) {
    if (error instanceof CodecFailure) return { ok: false, error: error.failure };
    // Anything else is a bug in this file; still never escape the codec boundary.
    return { ok: false, error: { code: 'BAD_VALUE', message: `decoder bug: ${String(error)}`, offset: 0 } };
  }
}

export const align4 = (n: number): number => (n + 3) & ~3;

/**
 * A bounds-checked view: every read checks its end against the limit first. Labels for error messages are
 * passed as parts and only joined when a check fails (decoding stays allocation-light).
 */
class Reader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    /** Offset of bytes[0] in the top-level buffer, for error messages. */
    readonly base: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(offset: number, length: number, what: string, name?: string, end = this.bytes.length): void {
    if (offset < 0 || length < 0 || offset + length > end) {
      const label = name === undefined ? what : `${what}.${name}`;
      fail('TRUNCATED', `${label}: needs ${length} bytes at ${this.base + offset}, ${Math.max(0, end - offset)} left`, this.base + offset);
    }
  }
  u8(o: number, what: string, name?: string, end?: number): number {
    this.need(o, 1, what, name, end);
    return this.view.getUint8(o);
  }
  u16(o: number, what: string, name?: string, end?: number): number {
    this.need(o, 2, what, name, end);
    return this.view.getUint16(o, LE);
  }
  u32(o: number, what: string, name?: string, end?: number): number {
    this.need(o, 4, what, name, end);
    return this.view.getUint32(o, LE);
  }
  s32(o: number, what: string, name?: string, end?: number): number {
    this.need(o, 4, what, name, end);
    return this.view.getInt32(o, LE);
  }
  u64(o: number, what: string, name?: string, end?: number): bigint {
    this.need(o, 8, what, name, end);
    return this.view.getBigUint64(o, LE);
  }
  slice(o: number, length: number, what: string): Uint8Array {
    this.need(o, length, what);
    return this.bytes.subarray(o, o + length);
  }
}

/** Appends bytes in host order; grows as needed. Used by every encoder. */
export class Writer {
  private buffer = Buffer.alloc(256);
  length = 0;
  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buffer.writeUInt8(v, this.length);
    this.length += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    LE ? this.buffer.writeUInt16LE(v, this.length) : this.buffer.writeUInt16BE(v, this.length);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    LE ? this.buffer.writeUInt32LE(v >>> 0, this.length) : this.buffer.writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
  }
  s32(v: number): void {
    this.ensure(4);
    LE ? this.buffer.writeInt32LE(v, this.length) : this.buffer.writeInt32BE(v, this.length);
    this.length += 4;
  }
  u64(v: bigint): void {
    this.ensure(8);
    LE ? this.buffer.writeBigUInt64LE(v, this.length) : this.buffer.writeBigUInt64BE(v, this.length);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buffer.set(b, this.length);
    this.length += b.length;
  }
  pad(): void {
    while (this.length % 4 !== 0) this.u8(0);
  }
  /** Overwrites a u16/u32 already written (lengths known only at the end). */
  patchU16(offset: number, v: number): void {
    LE ? this.buffer.writeUInt16LE(v, offset) : this.buffer.writeUInt16BE(v, offset);
  }
  patchU32(offset: number, v: number): void {
    LE ? this.buffer.writeUInt32LE(v >>> 0, offset) : this.buffer.writeUInt32BE(v >>> 0, offset);
  }
  result(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}

// ---- fixed structures as data -------------------------------------------------------------------

export type FieldType = 'u8' | 'u16' | 'u32' | 's32' | 'u64' | 'pad8' | 'pad16';
export type StructSpec = ReadonlyArray<readonly [name: string, type: FieldType]>;

const fieldSize: Record<FieldType, number> = { u8: 1, u16: 2, u32: 4, s32: 4, u64: 8, pad8: 1, pad16: 2 };

export function structSize(spec: StructSpec): number {
  return spec.reduce((n, [, t]) => n + fieldSize[t], 0);
}

export type StructValue = Record<string, number | bigint>;

function readStruct(r: Reader, offset: number, spec: StructSpec, what: string, partial = false, end = r.bytes.length): StructValue {
  const out: StructValue = {};
  let o = offset;
  for (const [name, type] of spec) {
    const size = fieldSize[type];
    if (partial && o + size > end) break;
    switch (type) {
      case 'u8': out[name] = r.u8(o, what, name, end); break;
      case 'u16': out[name] = r.u16(o, what, name, end); break;
      case 'u32': out[name] = r.u32(o, what, name, end); break;
      case 's32': out[name] = r.s32(o, what, name, end); break;
      case 'u64': out[name] = r.u64(o, what, name, end); break;
      case 'pad8':
      case 'pad16': r.need(o, size, what, name, end); break;
    }
    o += size;
  }
  return out;
}

export function writeStruct(w: Writer, spec: StructSpec, value: Partial<Record<string, number | bigint>>, what: string): void {
  for (const [name, type] of spec) {
    const v = value[name] ?? 0;
    const check = (min: number, max: number): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${what}.${name}: ${String(v)} is out of ${min}..${max}`);
      return n;
    };
    switch (type) {
      case 'u8': w.u8(check(0, 0xff)); break;
      case 'u16': w.u16(check(0, 0xffff)); break;
      case 'u32': w.u32(check(0, 0xffffffff)); break;
      case 's32': w.s32(check(-0x80000000, 0x7fffffff)); break;
      case 'u64': w.u64(BigInt(v)); break;
      case 'pad8': w.u8(0); break;
      case 'pad16': w.u16(0); break;
    }
  }
}

// ---- attributes as data ---------------------------------------------------------------------------

export type AttrType = 'u8' | 'u16' | 'u32' | 's32' | 'u64' | 'string' | 'binary' | 'flag' | 'address';

export type AttrSpec =
  | { readonly name: string; readonly type: AttrType }
  | { readonly name: string; readonly type: 'nested'; readonly schema: AttrSchema }
  /** A fixed struct payload; `partial` accepts a shorter payload (fields grow across kernel versions). */
  | { readonly name: string; readonly type: 'struct'; readonly struct: StructSpec; readonly partial?: boolean };

/** Attribute type number -> spec. */
export type AttrSchema = Readonly<Record<number, AttrSpec>>;

export type AttrValue = number | bigint | string | boolean | Uint8Array | StructValue | AttrValues;
/**
 * Decoded attributes by name; attributes not in the schema are kept raw under `unknown`. Byte values
 * (binary, address, unknown) are views of the decoded buffer: copy them to keep them past its lifetime.
 */
export interface AttrValues {
  [name: string]: AttrValue | Array<{ type: number; data: Uint8Array }> | undefined;
}


/** Walks a run of attributes: each header checked, lengths within bounds, 4-byte aligned steps. */
function decodeAttrsIn(r: Reader, start: number, end: number, schema: AttrSchema, what: string): AttrValues {
  const out: AttrValues = {};
  let o = start;
  while (o < end) {
    if (end - o < NLA_HDRLEN) fail('TRUNCATED', `${what}: ${end - o} trailing bytes cannot hold an attribute header`, r.base + o);
    const length = r.u16(o, what, 'nla_len', end);
    const type = r.u16(o + 2, what, 'nla_type', end) & NLA_TYPE_MASK;
    if (length < NLA_HDRLEN) fail('BAD_LENGTH', `${what}: attribute ${type} has length ${length} < 4`, r.base + o);
    if (o + length > end) fail('BAD_LENGTH', `${what}: attribute ${type} of ${length} bytes overruns its container by ${o + length - end}`, r.base + o);
    const payload = o + NLA_HDRLEN;
    const payloadEnd = o + length;
    const spec = schema[type];
    if (spec === undefined) {
      // Kept as a view of the input, like binary values.
      const unknown = (out.unknown as Array<{ type: number; data: Uint8Array }> | undefined) ?? [];
      unknown.push({ type, data: r.bytes.subarray(payload, payloadEnd) });
      out.unknown = unknown;
    } else {
      out[spec.name] = decodeValue(r, payload, payloadEnd, spec, what);
    }
    // The last attribute may omit its padding.
    o = Math.min(end, o + align4(length));
  }
  return out;
}

function decodeValue(r: Reader, start: number, end: number, spec: AttrSpec, what: string): AttrValue {
  const length = end - start;
  const exact = (n: number) => {
    if (length < n) fail('BAD_LENGTH', `${what}.${spec.name}: ${length} bytes, expected ${n}`, r.base + start);
  };
  switch (spec.type) {
    case 'u8': exact(1); return r.u8(start, what, spec.name, end);
    case 'u16': exact(2); return r.u16(start, what, spec.name, end);
    case 'u32': exact(4); return r.u32(start, what, spec.name, end);
    case 's32': exact(4); return r.s32(start, what, spec.name, end);
    case 'u64': exact(8); return r.u64(start, what, spec.name, end);
    case 'flag': return true;
    case 'string': {
      const bytes = r.bytes.subarray(start, end);
      const nul = bytes.indexOf(0);
      return Buffer.from(bytes.buffer, bytes.byteOffset, nul < 0 ? bytes.length : nul).toString('utf8');
    }
    case 'binary':
    case 'address':
      return r.bytes.subarray(start, end);
    case 'nested':
      return decodeAttrsIn(r, start, end, spec.schema, `${what}.${spec.name}`);
    case 'struct':
      if (!spec.partial) exact(structSize(spec.struct));
      return readStruct(r, start, spec.struct, `${what}.${spec.name}`, spec.partial === true, end);
  }
}

/** Decodes a run of attributes with a schema. */
export function decodeAttributes(bytes: Uint8Array, schema: AttrSchema, what = 'attributes'): Decoded<AttrValues> {
  return guard(() => decodeAttrsIn(new Reader(bytes, 0), 0, bytes.length, schema, what));
}

export function encodeAttributeHeader(w: Writer, type: number): number {
  const at = w.length;
  w.u16(0);
  w.u16(type);
  return at;
}

export function closeAttribute(w: Writer, at: number): void {
  w.patchU16(at, w.length - at);
  w.pad();
}

/**
 * Encodes attribute values by name with a schema, in schema order. Unknown names and out-of-range values
 * throw a RangeError naming the attribute: our own requests are checked before any kernel call.
 */
export function encodeAttributes(w: Writer, schema: AttrSchema, values: Record<string, unknown>, what = 'attributes'): void {
  const byName = new Map<string, [number, AttrSpec]>();
  for (const [type, spec] of Object.entries(schema)) byName.set(spec.name, [Number(type), spec]);
  for (const name of Object.keys(values)) {
    if (!byName.has(name)) throw new RangeError(`${what}: no attribute named "${name}"`);
  }
  for (const [type, spec] of Object.entries(schema).map(([t, s]) => [Number(t), s] as const)) {
    const value = values[spec.name];
    if (value === undefined) continue;
    const label = `${what}.${spec.name}`;
    const at = encodeAttributeHeader(w, spec.type === 'nested' ? type | NLA_F_NESTED : type);
    const num = (min: number, max: number): number => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        throw new RangeError(`${label}: ${String(value)} is not an integer in ${min}..${max}`);
      }
      return value;
    };
    switch (spec.type) {
      case 'u8': w.u8(num(0, 0xff)); break;
      case 'u16': w.u16(num(0, 0xffff)); break;
      case 'u32': w.u32(num(0, 0xffffffff)); break;
      case 's32': w.s32(num(-0x80000000, 0x7fffffff)); break;
      case 'u64':
        if (typeof value !== 'bigint' && typeof value !== 'number') throw new RangeError(`${label}: not an integer`);
        w.u64(BigInt(value));
        break;
      case 'flag': break;
      case 'string':
        if (typeof value !== 'string') throw new RangeError(`${label}: not a string`);
        w.bytes(Buffer.from(`${value}\0`, 'utf8'));
        break;
      case 'binary':
      case 'address':
        if (!(value instanceof Uint8Array)) throw new RangeError(`${label}: not bytes`);
        w.bytes(value);
        break;
      case 'nested':
        if (typeof value !== 'object' || value === null) throw new RangeError(`${label}: not an object`);
        encodeAttributes(w, spec.schema, value as Record<string, unknown>, label);
        break;
      case 'struct':
        if (typeof value !== 'object' || value === null) throw new RangeError(`${label}: not an object`);
        writeStruct(w, spec.struct, value as Record<string, number>, label);
        break;
    }
    closeAttribute(w, at);
  }
}

// ---- netlink messages -----------------------------------------------------------------------------

export interface NetlinkHeader {
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

export interface NetlinkMessage extends NetlinkHeader {
  /** The payload after the 16-byte header, up to nlmsg_len. */
  payload: Uint8Array;
  /** Offset of the message in the decoded datagram. */
  offset: number;
}

/** Splits one datagram into netlink messages (nlmsghdr + payload, 4-byte aligned). */
export function decodeMessages(datagram: Uint8Array): Decoded<NetlinkMessage[]> {
  return guard(() => {
    const r = new Reader(datagram, 0);
    const messages: NetlinkMessage[] = [];
    let o = 0;
    while (o < datagram.length) {
      if (datagram.length - o < NLMSG_HDRLEN) fail('TRUNCATED', `${datagram.length - o} trailing bytes cannot hold a netlink header`, o);
      const length = r.u32(o, 'nlmsg_len');
      if (length < NLMSG_HDRLEN) fail('BAD_LENGTH', `nlmsg_len ${length} < 16`, o);
      if (o + length > datagram.length) fail('BAD_LENGTH', `nlmsg_len ${length} overruns the datagram (${datagram.length - o} bytes left)`, o);
      messages.push({
        type: r.u16(o + 4, 'nlmsg_type'),
        flags: r.u16(o + 6, 'nlmsg_flags'),
        seq: r.u32(o + 8, 'nlmsg_seq'),
        pid: r.u32(o + 12, 'nlmsg_pid'),
        payload: r.slice(o + NLMSG_HDRLEN, length - NLMSG_HDRLEN, 'payload'),
        offset: o,
      });
      o = Math.min(datagram.length, o + align4(length));
    }
    return messages;
  });
}

/** Encodes one message: header + fixed body struct + attributes. */
export function encodeMessage(header: NetlinkHeader, body: (w: Writer) => void): Buffer {
  const w = new Writer();
  w.u32(0);
  w.u16(header.type);
  w.u16(header.flags);
  w.u32(header.seq);
  w.u32(header.pid);
  body(w);
  w.pad();
  w.patchU32(0, w.length);
  return w.result();
}

/** A fixed body struct followed by attributes, e.g. ifinfomsg + IFLA_*. */
export interface Body {
  header: StructValue;
  attributes: AttrValues;
}

export function decodeBody(payload: Uint8Array, struct: StructSpec, schema: AttrSchema, what: string, base = 0): Decoded<Body> {
  return guard(() => {
    const r = new Reader(payload, base);
    const size = structSize(struct);
    const header = readStruct(r, 0, struct, what);
    const attributes = decodeAttrsIn(r, Math.min(payload.length, align4(size)), payload.length, schema, what);
    return { header, attributes };
  });
}

export function encodeBody(w: Writer, struct: StructSpec, header: Partial<StructValue>, schema: AttrSchema, attributes: Record<string, unknown>, what: string): void {
  writeStruct(w, struct, header, what);
  w.pad();
  encodeAttributes(w, schema, attributes, what);
}

// ---- NLMSG_ERROR with extended ack ----------------------------------------------------------------

export interface NetlinkAck {
  /** 0 for an ack, else a positive errno. */
  errno: number;
  /** The header of the request this answers. */
  request: NetlinkHeader;
  /** NLMSGERR_ATTR_MSG: the kernel's human-readable reason. */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: offset of the offending attribute in the request. */
  offset?: number;
  missingType?: number;
}

const extAckSchema: AttrSchema = {
  1: { name: 'message', type: 'string' },
  2: { name: 'offset', type: 'u32' },
  3: { name: 'cookie', type: 'binary' },
  4: { name: 'policy', type: 'binary' },
  5: { name: 'missingType', type: 'u32' },
  6: { name: 'missingNest', type: 'u32' },
};

/** Decodes an NLMSG_ERROR payload: error code, original header, and the ext-ack TLVs when flagged. */
export function decodeAck(message: NetlinkMessage): Decoded<NetlinkAck> {
  return guard(() => {
    const r = new Reader(message.payload, message.offset + NLMSG_HDRLEN);
    const error = r.s32(0, 'nlmsgerr.error');
    const requestLength = r.u32(4, 'nlmsgerr.msg.nlmsg_len');
    const request: NetlinkHeader = { type: r.u16(8, 'nlmsgerr.msg.type'), flags: r.u16(10, 'nlmsgerr.msg.flags'), seq: r.u32(12, 'nlmsgerr.msg.seq'), pid: r.u32(16, 'nlmsgerr.msg.pid') };
    const ack: NetlinkAck = { errno: error < 0 ? -error : error, request };
    // TLVs follow the echoed request: only its header when capped (NETLINK_CAP_ACK or a success ack).
    if (message.flags & 0x200 /* NLM_F_ACK_TLVS */) {
      const echoed = message.flags & 0x100 /* NLM_F_CAPPED */ ? NLMSG_HDRLEN : align4(requestLength);
      const start = 4 + echoed;
      if (start > message.payload.length) fail('BAD_LENGTH', `ext-ack TLVs start at ${start}, beyond the ${message.payload.length}-byte error payload`, r.base + 4);
      const tlvs = decodeAttrsIn(r, start, message.payload.length, extAckSchema, 'ext-ack');
      if (typeof tlvs.message === 'string') ack.message = tlvs.message;
      if (typeof tlvs.offset === 'number') ack.offset = tlvs.offset;
      if (typeof tlvs.missingType === 'number') ack.missingType = tlvs.missingType;
    }
    return ack;
  });
}
