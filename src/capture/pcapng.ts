// A pcapng writer (the pcapng draft, IETF opsawg): one Section Header Block, Interface Description Blocks and
// Enhanced Packet Blocks, little-endian. Pure: every block is handed to `sink` as bytes; the caller owns the fd.
// Capture writes one interface per mux id with LINKTYPE_RAW, so Wireshark shows each PDN's IP traffic apart.

/** LINKTYPE_RAW: the packet starts with an IPv4 or IPv6 header. */
export const LINKTYPE_RAW = 101;
/** LINKTYPE_USER0: private use; the raw QMAP transfers, when asked for. */
export const LINKTYPE_USER0 = 147;

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_END = 0;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_SHB_USERAPPL = 4;
/** Default snap length: QMAP transfers reach 64 KiB and more (WDA DL max size), so no practical cut. */
const SNAPLEN = 262144;

const pad4 = (n: number): number => (n + 3) & ~3;

/** A little-endian u32 at `at`. */
function put32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}
const encoder = new TextEncoder();

/** Options area: each option is code, length, value padded to 4; ends with opt_endofopt. */
function encodeOptions(options: readonly (readonly [number, Uint8Array])[]): Uint8Array {
  if (options.length === 0) return new Uint8Array(0);
  const size = options.reduce((sum, [, value]) => sum + 4 + pad4(value.length), 0) + 4;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [code, value] of options) {
    view.setUint16(at, code, true);
    view.setUint16(at + 2, value.length, true);
    out.set(value, at + 4);
    at += 4 + pad4(value.length);
  }
  view.setUint16(at, OPT_END, true);
  return out;
}

/** A block: type, total length, body, total length again. */
function block(type: number, body: Uint8Array): Uint8Array {
  const total = 12 + body.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, total, true);
  out.set(body, 8);
  view.setUint32(total - 4, total, true);
  return out;
}

export interface PcapngInterface {
  /** if_name, e.g. 'mux 1'. */
  name: string;
  linkType: number;
}

/** Bytes a batching writer gathers before it hands them on (a block never exceeds SNAPLEN + 32). */
const BATCH_BYTES = 1 << 20;

export interface PcapngWriterOptions {
  /**
   * Gather blocks and hand them on in chunks of up to 1 MiB (on flush() or when full) instead of one chunk per
   * block. The capture's hot path: a Uint8Array over 64 bytes is an off-heap allocation in V8 (about 1.5 µs
   * on this machine, bench/capture), so a chunk per packet cost more than everything else per packet together.
   */
  batch?: boolean;
}

export class PcapngWriter {
  private interfaces = 0;
  private readonly sink: (chunk: Uint8Array) => void;
  private readonly batch: Uint8Array | null;
  private used = 0;

  /**
   * Writes the Section Header Block at once. Without `batch` each chunk handed to `sink` is the sink's to keep;
   * with `batch` a chunk is a view of the batch buffer, valid during the call only (copy or write it then: a
   * fresh megabyte per flush is off-heap memory that drives V8 into full collections).
   */
  constructor(sink: (chunk: Uint8Array) => void, application = 'rmnetctl capture', writerOptions: PcapngWriterOptions = {}) {
    this.sink = sink;
    this.batch = writerOptions.batch ? new Uint8Array(BATCH_BYTES) : null;
    const options = encodeOptions([[OPT_SHB_USERAPPL, encoder.encode(application)]]);
    const body = new Uint8Array(16 + options.length);
    const view = new DataView(body.buffer);
    view.setUint32(0, BYTE_ORDER_MAGIC, true);
    view.setUint16(4, 1, true);
    view.setUint16(6, 0, true);
    // Section length unknown (-1): the output may be a pipe.
    view.setBigInt64(8, -1n, true);
    body.set(options, 16);
    this.emit(block(SHB, body));
  }

  /** Hands on what a batching writer has gathered (a view, valid during the call). No-op without batch. */
  flush(): void {
    if (this.batch === null || this.used === 0) return;
    const chunk = this.batch.subarray(0, this.used);
    this.used = 0;
    this.sink(chunk);
  }

  private emit(block: Uint8Array): void {
    if (this.batch === null) return this.sink(block);
    if (this.used + block.length > this.batch.length) this.flush();
    this.batch.set(block, this.used);
    this.used += block.length;
  }

  /** Writes an Interface Description Block; returns the interface id the packets refer to. */
  addInterface(iface: PcapngInterface): number {
    // Microsecond timestamps (if_tsresol 6), written explicitly so no reader has to assume the default.
    const options = encodeOptions([
      [OPT_IF_NAME, encoder.encode(iface.name)],
      [OPT_IF_TSRESOL, Uint8Array.of(6)],
    ]);
    const body = new Uint8Array(8 + options.length);
    const view = new DataView(body.buffer);
    view.setUint16(0, iface.linkType, true);
    view.setUint32(4, SNAPLEN, true);
    body.set(options, 8);
    this.emit(block(IDB, body));
    return this.interfaces++;
  }

  /**
   * Writes an Enhanced Packet Block: `length` bytes of `data` at `offset`, stamped `micros` since the epoch
   * (a bigint, or an integral number: exact below 2^53 µs, the year 2255).
   * The capture's hot path: with `batch`, plain byte stores into the batch buffer and no allocation.
   */
  packet(interfaceId: number, micros: bigint | number, data: Uint8Array, offset = 0, length = data.length - offset): void {
    if (!(interfaceId >= 0 && interfaceId < this.interfaces)) {
      throw new RangeError(`pcapng: interface ${interfaceId} was not described`);
    }
    const captured = Math.min(length, SNAPLEN);
    const total = 32 + pad4(captured);
    let out: Uint8Array;
    let at = 0;
    if (this.batch === null) out = new Uint8Array(total);
    else {
      if (this.used + total > this.batch.length) this.flush();
      out = this.batch;
      at = this.used;
      // The pad after the packet must be zero; the buffer is reused.
      out.fill(0, at + 28 + captured, at + total - 4);
    }
    const stamp = typeof micros === 'bigint' ? Number(micros) : micros;
    const high = Math.floor(stamp / 4294967296);
    const low = stamp - high * 4294967296;
    put32(out, at, EPB);
    put32(out, at + 4, total);
    put32(out, at + 8, interfaceId);
    put32(out, at + 12, high);
    put32(out, at + 16, low);
    put32(out, at + 20, captured);
    put32(out, at + 24, length);
    out.set(captured === data.length && offset === 0 ? data : data.subarray(offset, offset + captured), at + 28);
    put32(out, at + total - 4, total);
    if (this.batch === null) this.sink(out);
    else this.used += total;
  }
}
