// Splitting one aggregated transfer into packets, without copying: the reader yields (mux id, offset, length)
// into the caller's own buffer. Total: any bytes give packets and counters, never a throw, never a read
// outside [0, transfer.length). Malformed frames are handled the way the kernel handles them; the rules are
// written down as a table, with their kernel sources, in test/support/qmap/kernel-model.ts, and
// test/unit/qmap/kernel-differential.test.ts holds this reader (both walks) to that model.
//
// qmimux (qmimux_rx_fixup, QMAP v1 only in the kernel; v4/v5 here apply the same rules to those layouts):
//   - walks while a header plus at least one byte remain; fewer trailing bytes are ignored;
//   - a length running past the end drops the rest of the transfer;
//   - command frames, zero length, pad >= length, mux ids without a link, and packets that are not
//     IPv4/IPv6 by their first nibble are skipped, and the walk goes on after them.
// rmnet (rmnet_map_deaggregate + __rmnet_map_ingress_handler), in the kernel's order:
//   - the frame size counts the v5 checksum header (data frames only) and the v4 trailer (every frame);
//   - these stop the walk and drop the rest of the transfer: a v5 data frame without the next-header bit
//     (0x40 in byte 0; "Mapv5 data pkt without csum hdr is invalid", checked before the length), a frame
//     running past the end, a zero length, a v5 checksum header whose type is not 2;
//   - command frames and mux ids without a link are skipped; a non-IP packet is handed on (the kernel passes
//     it up as ETH_P_MAP) rather than checked.
//   - pad >= length: the kernel computes a wrapped length there; we skip the frame (it holds no packet).
import {
  QMAP_COMMAND_FLAG,
  QMAP_MAX_MUX_ID,
  QMAP_MIN_MUX_ID,
  QMAP_NEXT_HEADER_FLAG,
  QMAP_PAD_MASK,
  QMAP_V4_CHECKSUM_VALID_FLAG,
  QMAP_V5_CHECKSUM_VALID_FLAG,
  QMAP_V5_HEADER_TYPE_CHECKSUM,
  type QmapVersion,
} from './format.js';
import { QmapStats, QmapStatsIndex } from './stats.js';
import { isValidMuxId } from '../mux-id.js';

const TRANSFERS = QmapStatsIndex.transfers;
const PACKETS = QmapStatsIndex.packets;
const BYTES = QmapStatsIndex.bytes;
const TRUNCATED = QmapStatsIndex.truncated;
const ZERO_LENGTH = QmapStatsIndex.zeroLength;
const BAD_NEXT_HEADER = QmapStatsIndex.badNextHeader;
const DROPPED_BYTES = QmapStatsIndex.droppedBytes;
/** Header word bits (byte 0 is the top byte): rmnet's MAP_CMD_FLAG and MAP_NEXT_HEADER_FLAG. */
const WORD_COMMAND = QMAP_COMMAND_FLAG << 24;
const WORD_NEXT_HEADER = QMAP_NEXT_HEADER_FLAG << 24;

/** Packet flag: the v5 checksum header or v4 trailer says the checksum was checked (never for v1). */
export const QMAP_PACKET_CHECKSUM_VALID = 1;
/** Packet flag: a command frame (only delivered with deliverCommands). */
export const QMAP_PACKET_COMMAND = 2;

/** Whose reaction to malformed frames to mirror (see the top of this file). */
export type QmapRules = 'qmimux' | 'rmnet';

export interface QmapReaderOptions {
  /** 1 (default), 4 or 5. */
  version?: QmapVersion;
  /**
   * Default: 'qmimux' for v1 (what qmi_wwan does), 'rmnet' for v4 and v5 (qmimux cannot parse them). 'qmimux'
   * with v4 or v5 applies qmimux's rules to those layouts, which no kernel does.
   */
  rules?: QmapRules;
  /**
   * The mux ids that have a link; frames for others are counted in `unknownMux` and skipped. Default: every
   * valid id, 1..254 (0 and 255 are always skipped: no link can carry them).
   */
  muxIds?: Iterable<number>;
  /** Yield command frames too (`command` is then true; the payload is the MAP command). Default: skip them. */
  deliverCommands?: boolean;
  /** Counters to add to (share one object across readers, or read `reader.stats`). Default: a new one. */
  stats?: QmapStats;
}

/**
 * Receives one packet: the bytes are `data[offset .. offset + length)`, valid until the transfer is reused;
 * `flags` is QMAP_PACKET_CHECKSUM_VALID | QMAP_PACKET_COMMAND. It must not use the reader that calls it.
 */
export type QmapPacketHandler = (muxId: number, data: Uint8Array, offset: number, length: number, flags: number) => void;

const EMPTY = new Uint8Array(0);

/**
 * A reader over transfers. One per receive path; reuse it (and the receive buffer) for every transfer.
 *
 * Push, fastest (the walk keeps its state in locals; a single long-lived handler gets inlined by V8):
 *
 *   reader.deaggregate(buffer, onPacket, 0, bytesRead);
 *
 * Pull, a cursor (next() writes its result into the reader's fields):
 *
 *   reader.start(buffer, 0, bytesRead);
 *   while (reader.next()) deliver(reader.muxId, buffer, reader.offset, reader.length);
 *
 * Both are allocation-free once the buffer has been seen (start() makes one DataView per new buffer object).
 */
export class QmapReader {
  private readonly counters: QmapStats;
  readonly version: QmapVersion;
  readonly rules: QmapRules;

  /** The current packet's mux id (valid after next() returned true). */
  muxId = 0;
  /** Offset of the current packet in the transfer (after the QMAP and v5 headers). */
  offset = 0;
  /** Length of the current packet (pad excluded). */
  length = 0;

  /**
   * Packets and bytes delivered by the fast path and not yet added to the counters: two plain fields on the
   * reader cost less per packet than read-modify-writes through another object. Flushed at the end of every
   * transfer, on start(), and whenever `stats` is read.
   */
  private pendingPackets = 0;
  private pendingBytes = 0;

  private data: Uint8Array = EMPTY;
  /**
   * A DataView over `data`, so the fast paths read a whole 4-byte header with one bounds-checked load instead
   * of four (measured about 1.4x faster per packet). Made when start() sees a new buffer; a receive path that
   * reuses its buffer (begin/end) allocates nothing.
   */
  private view: DataView = new DataView(EMPTY.buffer);
  private viewOf: Uint8Array = EMPTY;
  private position = 0;
  private end = 0;
  /** Start of the current packet's frame: checksumValid and command read it on demand. */
  private frameStart = 0;
  /** The fast path needs a header and at least one byte. */
  private readonly fastMinimum: number;
  /** rmnet rules with v5: a data frame needs the next-header bit and a checksum header of type 2. */
  private readonly checkV5Type: boolean;
  /**
   * The fast paths' rules as data, so each is one compare whatever the mode (this keeps deaggregate() under
   * V8's inlining budget of 460 bytes of bytecode). A frame is taken when `(word & flagMask) === flagBits`
   * (command bit clear; for v5 under rmnet also the next-header bit set) and `byteOk[frame[byteAt]]` is 1:
   * qmimux checks the payload's first nibble (IPv4/IPv6), v5 under rmnet the checksum header's type (2),
   * anything else checks nothing (all 1).
   */
  private readonly flagMask: number;
  private readonly flagBits: number;
  private readonly byteAt: number;
  private readonly byteOk = new Uint8Array(256);
  /** 256 entries, 1 where the mux id is accepted. */
  private readonly accepted = new Uint8Array(256);
  private readonly deliverCommands: boolean;
  private readonly qmimux: boolean;
  /** Bytes before the packet: QMAP header (+ v5 checksum header for data frames). */
  private readonly dataHeaderLength: number;
  /** Bytes after the padded packet: the v4 trailer. */
  private readonly trailerLength: number;
  /** qmimux walks while more than a header remains; rmnet while anything remains. */
  private readonly minimumRemaining: number;

  constructor(options: QmapReaderOptions = {}) {
    this.version = options.version ?? 1;
    this.rules = options.rules ?? (this.version === 1 ? 'qmimux' : 'rmnet');
    this.counters = options.stats ?? new QmapStats();
    this.deliverCommands = options.deliverCommands === true;
    this.qmimux = this.rules === 'qmimux';
    this.dataHeaderLength = this.version === 5 ? 8 : 4;
    this.trailerLength = this.version === 4 ? 8 : 0;
    this.minimumRemaining = this.qmimux ? 5 : 1;
    this.fastMinimum = this.dataHeaderLength + 1;
    this.checkV5Type = !this.qmimux && this.version === 5;
    this.flagMask = this.checkV5Type ? WORD_COMMAND | WORD_NEXT_HEADER : WORD_COMMAND;
    this.flagBits = this.checkV5Type ? WORD_NEXT_HEADER : 0;
    this.byteAt = this.qmimux ? this.dataHeaderLength : this.checkV5Type ? 4 : 0;
    for (let b = 0; b < 256; b++) {
      const ip = ((b >>> 4) | 2) === 6; // first nibble 4 or 6
      this.byteOk[b] = (this.qmimux ? ip : this.checkV5Type ? b >>> 1 === QMAP_V5_HEADER_TYPE_CHECKSUM : true) ? 1 : 0;
    }
    if (options.muxIds === undefined) this.accepted.fill(1, QMAP_MIN_MUX_ID, QMAP_MAX_MUX_ID + 1);
    else {
      for (const id of options.muxIds) {
        if (isValidMuxId(id)) this.accepted[id] = 1;
      }
    }
  }

  /**
   * Starts walking `transfer`, or the transfer held in `transfer[begin .. end)` (a receive buffer read at an
   * offset, without making a subarray); offsets stay relative to `transfer`. Counts one transfer. Any earlier
   * transfer is abandoned. Out-of-range bounds are clamped.
   */
  start(transfer: Uint8Array, begin = 0, end = transfer.length): void {
    if (this.pendingPackets !== 0) this.flushCounts();
    if (this.viewOf !== transfer) this.attach(transfer);
    const length = transfer.length;
    // Clamp to [0, length] and to integers (NaN and fractions included) without a branch in the common case.
    const stop = end >= 0 && end <= length ? Math.floor(end) : end > length ? length : 0;
    this.position = begin >= 0 && begin <= stop ? Math.floor(begin) : begin > stop ? stop : 0;
    this.end = stop;
    const values = this.counters.values;
    values[TRANSFERS] = values[TRANSFERS]! + 1;
  }

  /** A new buffer object: a DataView over it (kept out of start() so start() stays small enough to inline). */
  private attach(transfer: Uint8Array): void {
    this.view = new DataView(transfer.buffer, transfer.byteOffset, transfer.byteLength);
    this.viewOf = transfer;
    this.data = transfer;
  }

  /** v5 checksum header or v4 trailer says the checksum was checked; always false for v1 and commands. */
  get checksumValid(): boolean {
    const data = this.data;
    const start = this.frameStart;
    if ((data[start]! & QMAP_COMMAND_FLAG) !== 0) return false;
    if (this.version === 5) return (data[start + 5]! & QMAP_V5_CHECKSUM_VALID_FLAG) !== 0;
    // v4: the trailer ends the frame, and the reader's position is the frame's end after next() returned true
    if (this.version === 4) return (data[this.position - 7]! & QMAP_V4_CHECKSUM_VALID_FLAG) !== 0;
    return false;
  }

  /** The current frame is a command frame (only with deliverCommands). */
  get command(): boolean {
    return (this.data[this.frameStart]! & QMAP_COMMAND_FLAG) !== 0;
  }

  /**
   * Advances to the next deliverable packet. False when the transfer is done (or its rest was dropped).
   *
   * This is the hot path, kept small so V8 inlines it into the caller's loop: it takes a well-formed data
   * frame in a few reads and branches, and hands anything else (end of transfer, commands, every malformed
   * case, filtered mux ids) to nextSlow(), which applies the full rules.
   */
  next(): boolean {
    const data = this.data;
    const position = this.position;
    const header = this.dataHeaderLength;
    const remaining = this.end - position;
    if (remaining >= this.fastMinimum) {
      const word = this.view.getUint32(position); // flags | mux id | length (big-endian)
      const length = word & 0xffff;
      const frameEnd = position + header + length + this.trailerLength;
      const pad = (word >>> 24) & QMAP_PAD_MASK;
      const muxId = (word >>> 16) & 0xff;
      if (
        (word & this.flagMask) === this.flagBits &&
        frameEnd <= this.end &&
        pad < length &&
        this.accepted[muxId] !== 0 &&
        // IPv4 or IPv6: the first nibble is 4 or 6, i.e. (nibble | 2) === 6
        this.byteOk[data[position + this.byteAt]!] !== 0
      ) {
        this.position = frameEnd;
        this.frameStart = position;
        this.muxId = muxId;
        this.offset = position + header;
        this.length = length - pad;
        this.pendingPackets++;
        this.pendingBytes += length - pad;
        return true;
      }
    } else if (remaining === 0) {
      this.flushCounts(); // the transfer ended on a frame boundary
      return false;
    }
    return this.nextSlow();
  }

  /**
   * The counters (shared if one was passed in). Packets and bytes of a transfer still being walked are added
   * when it ends; reading `stats` through the reader brings them up to date first.
   */
  get stats(): QmapStats {
    this.flushCounts();
    return this.counters;
  }

  private flushCounts(): void {
    if (this.pendingPackets !== 0) {
      const values = this.counters.values;
      values[PACKETS] = values[PACKETS]! + this.pendingPackets;
      values[BYTES] = values[BYTES]! + this.pendingBytes;
      this.pendingPackets = 0;
      this.pendingBytes = 0;
    }
  }

  /** next() for everything but a well-formed data frame: the full rules (see the top of this file). */
  private nextSlow(): boolean {
    this.flushCounts();
    const data = this.data;
    const end = this.end;
    const stats = this.counters;
    let position = this.position;
    while (end - position >= this.minimumRemaining) {
      if (end - position < 4) break; // rmnet: a header cannot fit, the kernel's length check fails
      const flags = data[position]!;
      const length = (data[position + 2]! << 8) | data[position + 3]!;
      const command = (flags & QMAP_COMMAND_FLAG) !== 0;
      const headerLength = command ? 4 : this.dataHeaderLength;
      const frameEnd = position + headerLength + length + this.trailerLength;
      // The rules that drop the rest of the transfer, in the kernel's order (see the top of this file).
      let drop = -1;
      if (this.checkV5Type && !command && (flags & QMAP_NEXT_HEADER_FLAG) === 0) drop = BAD_NEXT_HEADER;
      else if (frameEnd > end) drop = TRUNCATED;
      else if (!this.qmimux && length === 0) drop = ZERO_LENGTH;
      else if (this.checkV5Type && !command && data[position + 4]! >>> 1 !== QMAP_V5_HEADER_TYPE_CHECKSUM) drop = BAD_NEXT_HEADER;
      if (drop >= 0) {
        const values = stats.values;
        values[drop] = values[drop]! + 1;
        values[DROPPED_BYTES] = values[DROPPED_BYTES]! + (end - position);
        this.position = end;
        this.end = 0;
        return false;
      }
      const frameStart = position;
      position = frameEnd;
      if (command) {
        stats.commands++;
        if (!this.deliverCommands) continue;
      }
      if (length === 0) {
        stats.zeroLength++; // qmimux only (rmnet stopped above): skip the bare header
        continue;
      }
      const pad = flags & QMAP_PAD_MASK;
      if (pad >= length) {
        stats.padTooLong++;
        continue;
      }
      const muxId = data[frameStart + 1]!;
      const packetOffset = frameStart + headerLength;
      if (!command) {
        if (this.accepted[muxId] === 0) {
          stats.unknownMux++;
          continue;
        }
        if (this.qmimux) {
          const nibble = data[packetOffset]! & 0xf0;
          if (nibble !== 0x40 && nibble !== 0x60) {
            stats.notIp++;
            continue;
          }
        }
      }
      this.position = position;
      this.frameStart = frameStart;
      this.muxId = muxId;
      this.offset = packetOffset;
      this.length = length - pad;
      stats.packets++;
      stats.bytes += length - pad;
      return true;
    }
    if (end > position) stats.trailingBytes += end - position;
    this.position = end;
    this.end = 0;
    return false;
  }

  /** A view (no copy) of the current packet. Allocates the view object: for convenience, not the hot path. */
  packet(): Uint8Array {
    return this.data.subarray(this.offset, this.offset + this.length);
  }

  /**
   * Walks a whole transfer (or `transfer[begin .. end)`), calling `onPacket` for each packet delivered; returns
   * how many. The fastest way through a transfer: the walk keeps its state in locals, and V8 inlines the handler
   * when it is always the same function, so pass one long-lived handler, not a new closure per transfer.
   */
  deaggregate(transfer: Uint8Array, onPacket: QmapPacketHandler, begin = 0, end = transfer.length): number {
    this.start(transfer, begin, end);
    const stop = this.end;
    const view = this.view;
    const header = this.dataHeaderLength;
    const trailer = this.trailerLength;
    const accepted = this.accepted;
    const byteOk = this.byteOk;
    const byteAt = this.byteAt;
    const flagMask = this.flagMask;
    const flagBits = this.flagBits;
    const checksum = this.version !== 1;
    let position = this.position;
    let packets = 0;
    let bytes = 0;
    // Well-formed data frames, state in locals only. Kept small so V8 can inline deaggregate() into the
    // caller's loop; the first unusual frame hands the rest of the transfer to deaggregateRest().
    while (stop - position > header) {
      const word = view.getUint32(position); // flags | mux id | length (big-endian)
      const length = word & 0xffff;
      const frameEnd = position + header + length + trailer;
      const pad = (word >>> 24) & QMAP_PAD_MASK;
      const muxId = (word >>> 16) & 0xff;
      if (
        (word & flagMask) !== flagBits ||
        frameEnd > stop ||
        pad >= length ||
        accepted[muxId] === 0 ||
        byteOk[transfer[position + byteAt]!] === 0
      ) {
        break;
      }
      packets++;
      bytes += length - pad;
      onPacket(
        muxId,
        transfer,
        position + header,
        length - pad,
        checksum ? this.checksumFlag(position, frameEnd) : 0,
      );
      position = frameEnd;
    }
    // start() flushed anything pending, so the totals go straight to the counters.
    const values = this.counters.values;
    values[PACKETS] = values[PACKETS]! + packets;
    values[BYTES] = values[BYTES]! + bytes;
    this.position = position;
    if (position !== stop) return packets + this.deaggregateRest(onPacket);
    return packets;
  }

  /** QMAP_PACKET_CHECKSUM_VALID of a v4/v5 data frame at `frameStart`. */
  private checksumFlag(frameStart: number, frameEnd: number): number {
    return this.version === 5
      ? (this.data[frameStart + 5]! & QMAP_V5_CHECKSUM_VALID_FLAG) >>> 7
      : this.data[frameEnd - 7]! & QMAP_V4_CHECKSUM_VALID_FLAG;
  }

  /** The rest of a transfer after an unusual frame, packet by packet under the full rules. */
  private deaggregateRest(onPacket: QmapPacketHandler): number {
    let delivered = 0;
    while (this.next()) {
      onPacket(this.muxId, this.data, this.offset, this.length, this.packetFlags());
      delivered++;
    }
    return delivered;
  }

  /** QMAP_PACKET_* flags of the current packet (after next() returned true). */
  packetFlags(): number {
    return (this.checksumValid ? QMAP_PACKET_CHECKSUM_VALID : 0) | (this.command ? QMAP_PACKET_COMMAND : 0);
  }
}

/** One packet of deaggregateAll: a view into the transfer. */
export interface QmapPacket {
  muxId: number;
  packet: Uint8Array;
  checksumValid: boolean;
  command: boolean;
}

/**
 * Every packet of one transfer as views into it, with the counters. Allocates a result array: meant for
 * tests, tools and the emulated modem, not the receive hot path (use QmapReader there).
 */
export function deaggregateAll(
  transfer: Uint8Array,
  options: QmapReaderOptions = {},
): { packets: QmapPacket[]; stats: QmapStats } {
  const reader = new QmapReader(options);
  const packets: QmapPacket[] = [];
  reader.start(transfer);
  while (reader.next()) {
    packets.push({ muxId: reader.muxId, packet: reader.packet(), checksumValid: reader.checksumValid, command: reader.command });
  }
  return { packets, stats: reader.stats };
}
