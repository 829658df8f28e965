// Messages declared as data: a schema per message lists its TLVs (id, field name, type). One generic encoder
// and one generic decoder walk the schemas. The decoder is total: unknown TLVs are kept raw, a malformed TLV
// becomes a typed error value beside the fields that did decode.
import type { RawTlv } from './framing.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../ip-address.js';

/** Number <-> name table for enum fields; unknown numbers decode to the number itself. */
export type EnumTable = Readonly<Record<number, string>>;

export type FieldType =
  | { readonly kind: 'u8' | 'u16' | 'u32'; readonly enum?: EnumTable }
  | { readonly kind: 'u64' }
  /** The rest of the TLV (or of the struct) as UTF-8, no length prefix, no NUL. */
  | { readonly kind: 'string' }
  /** A u8-length-prefixed UTF-8 string (inside structs and arrays). */
  | { readonly kind: 'string8' }
  | { readonly kind: 'bytes' }
  /** IPv4 address as a little-endian u32: 10.11.12.13 travels as 0d 0c 0b 0a. */
  | { readonly kind: 'ipv4' }
  /** IPv6 address as 8 big-endian u16 (16 bytes in network order). */
  | { readonly kind: 'ipv6' }
  | { readonly kind: 'struct'; readonly fields: readonly StructField[] }
  | { readonly kind: 'array'; readonly count: 'u8' | 'u16'; readonly element: FieldType };

export interface StructField {
  readonly name: string;
  readonly type: FieldType;
}

export interface TlvSchema {
  readonly id: number;
  readonly name: string;
  readonly type: FieldType;
}

export interface MessageSchema {
  readonly service: number;
  readonly id: number;
  /** As libqmi names it, e.g. "Set Data Format". */
  readonly name: string;
  readonly request: readonly TlvSchema[];
  /** Response TLVs besides the Result TLV 0x02, which every response carries. */
  readonly response: readonly TlvSchema[];
  readonly indication?: readonly TlvSchema[];
  /** The indication's own name when it differs ("Packet Service Status" for Get Packet Service Status). */
  readonly indicationName?: string;
}

export type FieldValue = number | bigint | string | Uint8Array | FieldValue[] | { [name: string]: FieldValue };
export type Fields = Record<string, FieldValue>;

export interface TlvDecodeError {
  readonly type: number;
  readonly name: string;
  readonly reason: string;
  readonly value: Uint8Array;
}

export interface DecodedTlvs {
  readonly fields: Fields;
  /** TLVs the schema does not know, kept raw. */
  readonly unknown: readonly RawTlv[];
  readonly errors: readonly TlvDecodeError[];
}

export const RESULT_TLV = 0x02;

export interface QmiResult {
  readonly status: number;
  readonly error: number;
}

// ---- field types shared by the message files ----------------------------------------------------------
export const u8 = (table?: EnumTable): FieldType => (table ? { kind: 'u8', enum: table } : { kind: 'u8' });
export const u16 = (table?: EnumTable): FieldType => (table ? { kind: 'u16', enum: table } : { kind: 'u16' });
export const u32 = (table?: EnumTable): FieldType => (table ? { kind: 'u32', enum: table } : { kind: 'u32' });
export const u64: FieldType = { kind: 'u64' };
export const string: FieldType = { kind: 'string' };
export const string8: FieldType = { kind: 'string8' };
export const bytes: FieldType = { kind: 'bytes' };
export const ipv4: FieldType = { kind: 'ipv4' };
export const ipv6: FieldType = { kind: 'ipv6' };
export const struct = (...fields: Array<[string, FieldType]>): FieldType => ({
  kind: 'struct',
  fields: fields.map(([name, type]) => ({ name, type })),
});
export const array = (count: 'u8' | 'u16', element: FieldType): FieldType => ({ kind: 'array', count, element });

// ---- encoder --------------------------------------------------------------------------------------------

export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}

class Writer {
  private chunks: number[] = [];
  u8(n: number) {
    this.chunks.push(n & 0xff);
  }
  u16(n: number) {
    this.u8(n);
    this.u8(n >>> 8);
  }
  u32(n: number) {
    this.u16(n & 0xffff);
    this.u16(n >>> 16);
  }
  u64(n: bigint) {
    this.u32(Number(n & 0xffffffffn));
    this.u32(Number((n >> 32n) & 0xffffffffn));
  }
  bytes(b: Uint8Array) {
    for (const x of b) this.chunks.push(x);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

const RANGES = { u8: 0xff, u16: 0xffff, u32: 0xffffffff } as const;

function enumNumber(table: EnumTable | undefined, value: FieldValue, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && table) {
    for (const [key, name] of Object.entries(table)) if (name === value) return Number(key);
    throw new EncodeError(`${path}: "${value}" is not one of ${Object.values(table).join(', ')}`);
  }
  throw new EncodeError(`${path}: expected a number`);
}

function encodeField(writer: Writer, type: FieldType, value: FieldValue, path: string): void {
  switch (type.kind) {
    case 'u8':
    case 'u16':
    case 'u32': {
      const n = enumNumber(type.enum, value, path);
      if (!Number.isInteger(n) || n < 0 || n > RANGES[type.kind]) throw new EncodeError(`${path}: ${n} does not fit ${type.kind}`);
      writer[type.kind](n);
      return;
    }
    case 'u64': {
      const n = typeof value === 'bigint' ? value : typeof value === 'number' ? BigInt(value) : undefined;
      if (n === undefined || n < 0n || n > 0xffffffffffffffffn) throw new EncodeError(`${path}: expected a u64`);
      writer.u64(n);
      return;
    }
    case 'string':
    case 'string8': {
      if (typeof value !== 'string') throw new EncodeError(`${path}: expected a string`);
      const encoded = new TextEncoder().encode(value);
      if (type.kind === 'string8') {
        if (encoded.length > 0xff) throw new EncodeError(`${path}: string longer than 255 bytes`);
        writer.u8(encoded.length);
      }
      writer.bytes(encoded);
      return;
    }
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw new EncodeError(`${path}: expected bytes`);
      writer.bytes(value);
      return;
    case 'ipv4': {
      const parts = typeof value === 'string' ? parseIpv4(value) : undefined;
      if (!parts) throw new EncodeError(`${path}: "${String(value)}" is not an IPv4 address`);
      // Little-endian u32 of a.b.c.d: d c b a on the wire.
      writer.bytes(parts.slice().reverse());
      return;
    }
    case 'ipv6': {
      const parsed = typeof value === 'string' ? parseIpv6(value) : undefined;
      if (!parsed) throw new EncodeError(`${path}: "${String(value)}" is not an IPv6 address`);
      writer.bytes(parsed);
      return;
    }
    case 'struct': {
      if (typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value) || typeof value === 'bigint') {
        throw new EncodeError(`${path}: expected an object`);
      }
      for (const field of type.fields) {
        const member = value[field.name];
        if (member === undefined) throw new EncodeError(`${path}.${field.name}: missing`);
        encodeField(writer, field.type, member, `${path}.${field.name}`);
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) throw new EncodeError(`${path}: expected an array`);
      if (value.length > (type.count === 'u8' ? 0xff : 0xffff)) throw new EncodeError(`${path}: too many elements`);
      writer[type.count](value.length);
      value.forEach((element, i) => encodeField(writer, type.element, element, `${path}[${i}]`));
      return;
    }
  }
}

/**
 * Encodes the named fields present in `fields` as TLVs, in descending type order as libqmi does (a modem must
 * accept any order). Throws EncodeError (a programming error, not input from the wire) on a bad value.
 */
export function encodeTlvs(schema: readonly TlvSchema[], fields: Fields, context: string): RawTlv[] {
  const known = new Set(schema.map((tlv) => tlv.name));
  for (const name of Object.keys(fields)) {
    if (!known.has(name) && fields[name] !== undefined) throw new EncodeError(`${context}: no TLV named "${name}"`);
  }
  const out: RawTlv[] = [];
  for (const tlv of [...schema].sort((a, b) => b.id - a.id)) {
    const value = fields[tlv.name];
    if (value === undefined) continue;
    const writer = new Writer();
    encodeField(writer, tlv.type, value, `${context} ${tlv.name}`);
    out.push({ type: tlv.id, value: writer.done() });
  }
  return out;
}

export function encodeResult(result: QmiResult): RawTlv {
  const writer = new Writer();
  writer.u16(result.status);
  writer.u16(result.error);
  return { type: RESULT_TLV, value: writer.done() };
}

// ---- decoder --------------------------------------------------------------------------------------------

type Read<T> = { ok: true; value: T; offset: number } | { ok: false; reason: string };

function decodeField(type: FieldType, data: Uint8Array, offset: number, end: number, isLast: boolean): Read<FieldValue> {
  const need = (n: number): string | undefined =>
    offset + n > end ? `needs ${n} byte${n === 1 ? '' : 's'} at offset ${offset}, has ${end - offset}` : undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (type.kind) {
    case 'u8':
    case 'u16':
    case 'u32': {
      const size = type.kind === 'u8' ? 1 : type.kind === 'u16' ? 2 : 4;
      const missing = need(size);
      if (missing) return { ok: false, reason: missing };
      const n = size === 1 ? data[offset]! : size === 2 ? view.getUint16(offset, true) : view.getUint32(offset, true);
      const name = type.enum?.[n];
      return { ok: true, value: name ?? n, offset: offset + size };
    }
    case 'u64': {
      const missing = need(8);
      if (missing) return { ok: false, reason: missing };
      return { ok: true, value: view.getBigUint64(offset, true), offset: offset + 8 };
    }
    case 'string':
    case 'bytes': {
      if (!isLast) return { ok: false, reason: `${type.kind} that takes the rest must be last` };
      const slice = data.slice(offset, end);
      if (type.kind === 'bytes') return { ok: true, value: slice, offset: end };
      // Some firmwares NUL-terminate strings; the NUL is not part of the value.
      let stop = slice.length;
      while (stop > 0 && slice[stop - 1] === 0) stop -= 1;
      return { ok: true, value: new TextDecoder().decode(slice.subarray(0, stop)), offset: end };
    }
    case 'string8': {
      const missing = need(1);
      if (missing) return { ok: false, reason: missing };
      const length = data[offset]!;
      const missingBody = offset + 1 + length > end ? `string of ${length} bytes runs past the end` : undefined;
      if (missingBody) return { ok: false, reason: missingBody };
      return { ok: true, value: new TextDecoder().decode(data.subarray(offset + 1, offset + 1 + length)), offset: offset + 1 + length };
    }
    case 'ipv4': {
      const missing = need(4);
      if (missing) return { ok: false, reason: missing };
      const value = formatIpv4(data.slice(offset, offset + 4).reverse());
      return { ok: true, value, offset: offset + 4 };
    }
    case 'ipv6': {
      const missing = need(16);
      if (missing) return { ok: false, reason: missing };
      return { ok: true, value: formatIpv6(data.subarray(offset, offset + 16)), offset: offset + 16 };
    }
    case 'struct': {
      const value: Record<string, FieldValue> = {};
      let at = offset;
      for (let i = 0; i < type.fields.length; i++) {
        const field = type.fields[i]!;
        const read = decodeField(field.type, data, at, end, isLast && i === type.fields.length - 1);
        if (!read.ok) return { ok: false, reason: `${field.name}: ${read.reason}` };
        value[field.name] = read.value;
        at = read.offset;
      }
      return { ok: true, value, offset: at };
    }
    case 'array': {
      const countSize = type.count === 'u8' ? 1 : 2;
      const missing = need(countSize);
      if (missing) return { ok: false, reason: missing };
      const count = countSize === 1 ? data[offset]! : view.getUint16(offset, true);
      const value: FieldValue[] = [];
      let at = offset + countSize;
      for (let i = 0; i < count; i++) {
        const read = decodeField(type.element, data, at, end, false);
        if (!read.ok) return { ok: false, reason: `[${i}]: ${read.reason}` };
        value.push(read.value);
        at = read.offset;
      }
      return { ok: true, value, offset: at };
    }
  }
}

/** Decodes one TLV value against its type: the value, or a reason. Trailing bytes are an error. */
export function decodeValue(type: FieldType, data: Uint8Array): { value: FieldValue } | { reason: string } {
  const read = decodeField(type, data, 0, data.length, true);
  if (!read.ok) return { reason: read.reason };
  if (read.offset !== data.length) return { reason: `${data.length - read.offset} trailing bytes` };
  return { value: read.value };
}

/** Decodes TLVs against a schema. Never throws; the Result TLV is left to decodeResult. */
export function decodeTlvs(schema: readonly TlvSchema[], tlvs: readonly RawTlv[]): DecodedTlvs {
  const fields: Fields = {};
  const unknown: RawTlv[] = [];
  const errors: TlvDecodeError[] = [];
  for (const tlv of tlvs) {
    const entry = schema.find((s) => s.id === tlv.type);
    if (!entry) {
      if (tlv.type !== RESULT_TLV) unknown.push(tlv);
      continue;
    }
    const decoded = decodeValue(entry.type, tlv.value);
    if ('reason' in decoded) errors.push({ type: tlv.type, name: entry.name, reason: decoded.reason, value: tlv.value });
    else fields[entry.name] = decoded.value;
  }
  return { fields, unknown, errors };
}

/** The Result TLV 0x02 of a response: status u16 (0 ok, 1 failure), error u16. Undefined when absent or short. */
export function decodeResult(tlvs: readonly RawTlv[]): QmiResult | undefined {
  const tlv = tlvs.find((t) => t.type === RESULT_TLV);
  if (!tlv || tlv.value.length < 4) return undefined;
  const v = tlv.value;
  return { status: v[0]! | (v[1]! << 8), error: v[2]! | (v[3]! << 8) };
}
