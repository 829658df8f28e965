// QMUX framing: the QMUX header, the two SDU header forms (CTL with a u8 transaction id, every other service
// with a u16 one) and the TLV list. Pure and total: bytes in, a frame or a typed error out; nothing throws on
// input, nothing reads out of bounds.

export const QMUX_MARKER = 0x01;
/** QMUX flags: 0x80 on frames from the modem ("service"), 0x00 from the host ("control point"). */
export const QMUX_FLAG_FROM_MODEM = 0x80;
/** marker + length u16 + flags + service + client id */
export const QMUX_HEADER_LENGTH = 6;
/** flags u8 + transaction u8 + message u16 + tlv length u16 */
export const CTL_SDU_HEADER_LENGTH = 6;
/** flags u8 + transaction u16 + message u16 + tlv length u16 */
export const SERVICE_SDU_HEADER_LENGTH = 7;
export const TLV_HEADER_LENGTH = 3;
/** The largest frame the stream decoder waits for; larger lengths are garbage (cdc-wdm buffers are 4 KiB). */
export const DEFAULT_MAX_FRAME_LENGTH = 16 * 1024;

export type SduKind = 'request' | 'response' | 'indication';

export interface RawTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface QmuxFrame {
  /** True for modem-to-host frames (QMUX flags 0x80). */
  readonly fromModem: boolean;
  readonly service: number;
  readonly clientId: number;
  readonly kind: SduKind;
  readonly transactionId: number;
  readonly messageId: number;
  /** In wire order. */
  readonly tlvs: readonly RawTlv[];
}

export type FrameErrorCode =
  | 'BAD_MARKER'
  | 'LENGTH_TOO_SMALL'
  | 'LENGTH_TOO_LARGE'
  | 'BAD_QMUX_FLAGS'
  | 'BAD_SDU_FLAGS'
  | 'TLV_LENGTH_MISMATCH'
  | 'TLV_OVERRUN';

/** A frame that could not be decoded; `header` carries what was readable, so a pending request can be named. */
export interface FrameError {
  readonly error: FrameErrorCode;
  readonly message: string;
  /** Bytes the stream decoder dropped to get past it. */
  readonly dropped: number;
  readonly header?: { service: number; clientId: number; transactionId?: number; messageId?: number };
}

export function isFrameError(value: QmuxFrame | FrameError): value is FrameError {
  return 'error' in value;
}

const CTL_FLAGS: Record<SduKind, number> = { request: 0x00, response: 0x01, indication: 0x02 };
const SERVICE_FLAGS: Record<SduKind, number> = { request: 0x00, response: 0x02, indication: 0x04 };

function sduKind(service: number, flags: number): SduKind | undefined {
  const table = service === 0 ? CTL_FLAGS : SERVICE_FLAGS;
  for (const kind of ['request', 'response', 'indication'] as const) if (table[kind] === flags) return kind;
  return undefined;
}

export function sduHeaderLength(service: number): number {
  return service === 0 ? CTL_SDU_HEADER_LENGTH : SERVICE_SDU_HEADER_LENGTH;
}

/** Encodes one frame. TLVs go out in the order given. */
export function encodeFrame(frame: QmuxFrame): Uint8Array {
  const sduHeader = sduHeaderLength(frame.service);
  let tlvLength = 0;
  for (const tlv of frame.tlvs) tlvLength += TLV_HEADER_LENGTH + tlv.value.length;
  const total = QMUX_HEADER_LENGTH + sduHeader + tlvLength;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out[0] = QMUX_MARKER;
  view.setUint16(1, total - 1, true);
  out[3] = frame.fromModem ? QMUX_FLAG_FROM_MODEM : 0x00;
  out[4] = frame.service & 0xff;
  out[5] = frame.clientId & 0xff;
  let offset = QMUX_HEADER_LENGTH;
  out[offset] = (frame.service === 0 ? CTL_FLAGS : SERVICE_FLAGS)[frame.kind];
  if (frame.service === 0) {
    out[offset + 1] = frame.transactionId & 0xff;
    offset += 2;
  } else {
    view.setUint16(offset + 1, frame.transactionId & 0xffff, true);
    offset += 3;
  }
  view.setUint16(offset, frame.messageId & 0xffff, true);
  view.setUint16(offset + 2, tlvLength, true);
  offset += 4;
  for (const tlv of frame.tlvs) {
    out[offset] = tlv.type & 0xff;
    view.setUint16(offset + 1, tlv.value.length, true);
    out.set(tlv.value, offset + TLV_HEADER_LENGTH);
    offset += TLV_HEADER_LENGTH + tlv.value.length;
  }
  return out;
}

/**
 * Decodes exactly one whole frame (`bytes` is the frame, marker included). Errors carry `dropped` = the
 * frame's length: the outer framing was sane, only its inside is not.
 */
export function decodeFrame(bytes: Uint8Array): QmuxFrame | FrameError {
  const dropped = bytes.length;
  if (bytes.length < 1 || bytes[0] !== QMUX_MARKER) {
    return { error: 'BAD_MARKER', message: `QMUX marker is not 0x01`, dropped };
  }
  if (bytes.length < QMUX_HEADER_LENGTH) {
    return { error: 'LENGTH_TOO_SMALL', message: `frame of ${bytes.length} bytes is shorter than the QMUX header`, dropped };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint16(1, true);
  const qmuxFlags = bytes[3]!;
  const service = bytes[4]!;
  const clientId = bytes[5]!;
  const sduHeader = sduHeaderLength(service);
  if (length + 1 !== bytes.length) {
    return { error: 'LENGTH_TOO_SMALL', message: `QMUX length ${length} does not match the ${bytes.length}-byte frame`, dropped, header: { service, clientId } };
  }
  if (bytes.length < QMUX_HEADER_LENGTH + sduHeader) {
    return { error: 'LENGTH_TOO_SMALL', message: `QMUX length ${length} leaves no room for the SDU header`, dropped, header: { service, clientId } };
  }
  if (qmuxFlags !== 0x00 && qmuxFlags !== QMUX_FLAG_FROM_MODEM) {
    return { error: 'BAD_QMUX_FLAGS', message: `QMUX flags 0x${hex2(qmuxFlags)} are neither 0x00 nor 0x80`, dropped, header: { service, clientId } };
  }
  let offset = QMUX_HEADER_LENGTH;
  const sduFlags = bytes[offset]!;
  const transactionId = service === 0 ? bytes[offset + 1]! : view.getUint16(offset + 1, true);
  offset += service === 0 ? 2 : 3;
  const messageId = view.getUint16(offset, true);
  const tlvLength = view.getUint16(offset + 2, true);
  offset += 4;
  const header = { service, clientId, transactionId, messageId };
  const kind = sduKind(service, sduFlags);
  if (kind === undefined) {
    return { error: 'BAD_SDU_FLAGS', message: `SDU flags 0x${hex2(sduFlags)} are not a request, response or indication`, dropped, header };
  }
  if (offset + tlvLength !== bytes.length) {
    return {
      error: 'TLV_LENGTH_MISMATCH',
      message: `SDU declares ${tlvLength} bytes of TLVs but the frame holds ${bytes.length - offset}`,
      dropped,
      header,
    };
  }
  const tlvs: RawTlv[] = [];
  while (offset < bytes.length) {
    if (offset + TLV_HEADER_LENGTH > bytes.length) {
      return { error: 'TLV_OVERRUN', message: `TLV header at byte ${offset} runs past the end of the frame`, dropped, header };
    }
    const type = bytes[offset]!;
    const valueLength = view.getUint16(offset + 1, true);
    const start = offset + TLV_HEADER_LENGTH;
    if (start + valueLength > bytes.length) {
      return { error: 'TLV_OVERRUN', message: `TLV 0x${hex2(type)} of ${valueLength} bytes runs past the end of the frame`, dropped, header };
    }
    tlvs.push({ type, value: bytes.slice(start, start + valueLength) });
    offset = start + valueLength;
  }
  return { fromModem: qmuxFlags === QMUX_FLAG_FROM_MODEM, service, clientId, kind, transactionId, messageId, tlvs };
}

/**
 * Turns a byte stream split anywhere into whole frames. Keeps one remainder buffer with amortized growth.
 * On a bad marker or an impossible length it drops bytes until the next 0x01 (one error per run), so a
 * stream with garbage in front resynchronises on the next frame.
 */
export class FrameDecoder {
  private buffer: Uint8Array;
  private start = 0;
  private end = 0;

  constructor(private readonly maxFrameLength = DEFAULT_MAX_FRAME_LENGTH) {
    this.buffer = new Uint8Array(4096);
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.end - this.start;
  }

  /** Appends `chunk` (copied) and returns every frame or error now complete, in stream order. */
  push(chunk: Uint8Array): Array<QmuxFrame | FrameError> {
    return this.pushRaw(chunk).map((item) => (item instanceof Uint8Array ? decodeFrame(item) : item));
  }

  /** Like push, but yields each whole frame's bytes (a copy) undecoded: for relays and the emulated modem. */
  pushRaw(chunk: Uint8Array): Array<Uint8Array | FrameError> {
    this.append(chunk);
    const out: Array<Uint8Array | FrameError> = [];
    let skipped = 0;
    let skipReason: FrameError | undefined;
    const flushSkip = () => {
      if (skipped > 0 && skipReason) out.push({ ...skipReason, dropped: skipped });
      skipped = 0;
      skipReason = undefined;
    };
    while (this.end - this.start >= 1) {
      const available = this.end - this.start;
      const first = this.buffer[this.start]!;
      if (first !== QMUX_MARKER) {
        skipReason ??= { error: 'BAD_MARKER', message: `byte 0x${hex2(first)} where a QMUX marker 0x01 was expected`, dropped: 0 };
        skipped += 1;
        this.start += 1;
        continue;
      }
      if (available < 3) break;
      const length = this.buffer[this.start + 1]! | (this.buffer[this.start + 2]! << 8);
      const minimum = QMUX_HEADER_LENGTH - 1 + CTL_SDU_HEADER_LENGTH;
      if (length < minimum || length + 1 > this.maxFrameLength) {
        skipReason ??= length < minimum
          ? { error: 'LENGTH_TOO_SMALL', message: `QMUX length ${length} is below the minimum ${minimum}`, dropped: 0 }
          : { error: 'LENGTH_TOO_LARGE', message: `QMUX length ${length} exceeds ${this.maxFrameLength - 1}`, dropped: 0 };
        skipped += 1;
        this.start += 1;
        continue;
      }
      if (available < length + 1) break;
      flushSkip();
      out.push(this.buffer.slice(this.start, this.start + length + 1));
      this.start += length + 1;
    }
    flushSkip();
    if (this.start === this.end) this.start = this.end = 0;
    return out;
  }

  private append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.buffer.length) {
      const live = this.end - this.start;
      if (live + chunk.length <= this.buffer.length) {
        this.buffer.copyWithin(0, this.start, this.end);
      } else {
        let size = this.buffer.length * 2;
        while (size < live + chunk.length) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(this.buffer.subarray(this.start, this.end));
        this.buffer = grown;
      }
      this.start = 0;
      this.end = live;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }
}

export function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
