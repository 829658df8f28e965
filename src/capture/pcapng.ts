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

export class PcapngWriter {
  private interfaces = 0;
  private readonly sink: (chunk: Uint8Array) => void;

  /** Writes the Section Header Block at once. */
  constructor(sink: (chunk: Uint8Array) => void, application = 'rmnetctl capture') {
    this.sink = sink;
    const options = encodeOptions([[OPT_SHB_USERAPPL, encoder.encode(application)]]);
    const body = new Uint8Array(16 + options.length);
    const view = new DataView(body.buffer);
    view.setUint32(0, BYTE_ORDER_MAGIC, true);
    view.setUint16(4, 1, true);
    view.setUint16(6, 0, true);
    // Section length unknown (-1): the output may be a pipe.
    view.setBigInt64(8, -1n, true);
    body.set(options, 16);
    sink(block(SHB, body));
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
    this.sink(block(IDB, body));
    return this.interfaces++;
  }

  /** Writes an Enhanced Packet Block: `length` bytes of `data` at `offset`, stamped `micros` since the epoch. */
  packet(interfaceId: number, micros: bigint, data: Uint8Array, offset = 0, length = data.length - offset): void {
    if (!(interfaceId >= 0 && interfaceId < this.interfaces)) {
      throw new RangeError(`pcapng: interface ${interfaceId} was not described`);
    }
    const captured = Math.min(length, SNAPLEN);
    const body = new Uint8Array(20 + pad4(captured));
    const view = new DataView(body.buffer);
    view.setUint32(0, interfaceId, true);
    view.setUint32(4, Number(micros >> 32n) >>> 0, true);
    view.setUint32(8, Number(micros & 0xffffffffn) >>> 0, true);
    view.setUint32(12, captured, true);
    view.setUint32(16, length, true);
    body.set(data.subarray(offset, offset + captured), 20);
    this.sink(block(EPB, body));
  }
}
