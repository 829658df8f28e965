// The capture loop without I/O: frames in (what the parent received, with their receive time), pcapng and a
// summary out. Per frame it applies the parent's format: a QMAP transfer is split by the project's reader
// (one pcapng interface per mux id, made on the mux id's first packet) and an IP frame goes whole to the one
// interface of the parent. `--mux` and `--count` are applied here, so the loop can be driven by bytes in tests
// and benchmarks exactly as by the packet socket (capture/packet-socket.ts).
import { QmapReader, QmapStats, type QmapPacketHandler } from '../qmap/index.js';
import { LINKTYPE_RAW, PcapngWriter } from './pcapng.js';
import { CaptureSummaryAccumulator, type CaptureSummary } from './summary.js';
import type { CaptureFormat } from './format.js';

export interface CaptureLoopOptions {
  format: CaptureFormat;
  /** The parent interface (wwan0): names the interface of a plain IP capture. */
  parent: string;
  /** Mux id -> its link's name, for the interface names (`mux1 (wwan0.1)`). */
  linkNames?: ReadonlyMap<number, string>;
  /** Write only this mux id's packets; the others are counted as filtered. */
  mux?: number | undefined;
  /** Stop after this many packets written. */
  count?: number | undefined;
  /** Where the pcapng goes; null: summary only. */
  writer: PcapngWriter | null;
}

/** What the kernel's side said about the socket (PACKET_STATISTICS) and what the reads saw. */
export interface CaptureSocketCounters {
  /** Frames the socket took, dropped ones included (tp_packets). */
  kernelPackets: number;
  /** Frames the kernel dropped because the socket's receive buffer was full (tp_drops). */
  kernelDrops: number;
  /** Frames longer than the read buffer (not decoded). */
  truncatedReads: number;
  /** Outgoing copies seen despite PACKET_IGNORE_OUTGOING (kernels before 4.20), skipped. */
  outgoingSkipped: number;
}

export interface CaptureResult extends CaptureSummary {
  format: CaptureFormat;
  /** Packets written to the pcapng (or that would have been, without -w). */
  written: number;
  /** QMAP command frames (flow control): counted, never written. */
  commands: number;
  /** QMAP frames on mux ids 0 or 255 (no link can carry them). */
  unknownMux: number;
  /** Bytes of transfers the reader dropped after a fatal frame (truncated, zero length under rmnet, ...). */
  droppedBytes: number;
}

/** muxId 0 stands for "no mux" in a plain IP capture's summary. */
export const NO_MUX = 0;

export class CaptureLoop {
  private readonly reader: QmapReader | null;
  private readonly stats = new QmapStats();
  private readonly summary = new CaptureSummaryAccumulator();
  private readonly interfaces = new Map<number, number>();
  private readonly writer: PcapngWriter | null;
  private readonly mux: number;
  private readonly limit: number;
  private written = 0;
  /** The current frame's time: in a Float64Array, as a double field would box a heap number per store. */
  private readonly micros = new Float64Array(1);
  private readonly onPacket: QmapPacketHandler;

  constructor(private readonly options: CaptureLoopOptions) {
    const format = options.format;
    // Every mux id 1..254 is read, with or without a link: traffic for a mux id nobody set up is worth seeing.
    this.reader = format.kind === 'qmap' ? new QmapReader({ version: format.version, rules: format.rules, stats: this.stats }) : null;
    this.writer = options.writer;
    this.mux = options.mux ?? -1;
    this.limit = options.count ?? Infinity;
    this.onPacket = (muxId, data, offset, length) => this.packet(muxId, data, offset, length);
  }

  /** True once --count packets are written: the caller stops reading. */
  get done(): boolean {
    return this.written >= this.limit;
  }

  /**
   * One frame as the parent received it: `data[offset .. offset + length)`, stamped `micros` since the epoch.
   * Pass the same receive buffer each time with the frame's offset in it (a new view per frame would cost the
   * reader a DataView per frame).
   */
  frame(data: Uint8Array, length: number, micros: number, offset = 0): void {
    if (this.done) return;
    this.micros[0] = micros;
    if (this.reader) {
      this.reader.deaggregate(data, this.onPacket, offset, offset + length);
    } else {
      this.stats.transfers++;
      this.stats.packets++;
      this.stats.bytes += length;
      this.packet(NO_MUX, data, offset, length);
    }
    this.summary.transfer(length);
  }

  private packet(muxId: number, data: Uint8Array, offset: number, length: number): void {
    // Past --count the rest of the transfer is read (its counters stay whole) but not written.
    if (this.written >= this.limit) return;
    const wanted = this.mux < 0 || muxId === this.mux;
    this.summary.packet(muxId, length, wanted);
    if (!wanted) return;
    this.written++;
    if (this.writer) this.writer.packet(this.interfaceFor(muxId), this.micros[0]!, data, offset, length);
  }

  private interfaceFor(muxId: number): number {
    let id = this.interfaces.get(muxId);
    if (id === undefined) {
      id = this.writer!.addInterface({ name: this.interfaceName(muxId), linkType: LINKTYPE_RAW });
      this.interfaces.set(muxId, id);
    }
    return id;
  }

  /** `mux1 (wwan0.1)`, `mux7` without a link, the parent's name for plain IP. */
  interfaceName(muxId: number): string {
    if (muxId === NO_MUX) return this.options.parent;
    const link = this.options.linkNames?.get(muxId);
    return link ? `mux${muxId} (${link})` : `mux${muxId}`;
  }

  result(): CaptureResult {
    // The reader's getter flushes counts it keeps in its own fields.
    const values = this.reader ? this.reader.stats : this.stats;
    return {
      format: this.options.format,
      ...this.summary.summary(values),
      written: this.written,
      commands: values.commands,
      unknownMux: values.unknownMux,
      droppedBytes: values.droppedBytes,
    };
  }
}
