// A reference model of how Linux walks one aggregated QMAP transfer, written as tables of facts read from the
// kernel source (mainline, 5.14 and later), not from rmnetctl's reader: the differential tests compare
// src/qmap/deaggregate.ts and native/bench/qmap_walk.c against it. Slow and plain on purpose: one frame at a
// time, every rule a row, first matching row wins.
//
// Sources (drivers/net/...):
//   usb/qmi_wwan.c                        qmimux_rx_fixup                QMAP v1 only, copies each packet
//   ethernet/qualcomm/rmnet/rmnet_map_data.c   rmnet_map_deaggregate     frame size, end-of-walk rules
//   ethernet/qualcomm/rmnet/rmnet_handlers.c   __rmnet_map_ingress_handler   commands, mux lookup, trim
//   ethernet/qualcomm/rmnet/rmnet_map_data.c   rmnet_map_process_next_hdr_packet (v5), _checksum_downlink_packet (v4)
//   include/linux/if_rmnet.h              MAP_CMD_FLAG BIT(7), MAP_NEXT_HEADER_FLAG BIT(6), MAP_PAD_LEN_MASK
//                                         GENMASK(5,0); v5 header_info type GENMASK(7,1), csum_info valid BIT(7);
//                                         v4 trailer flags valid BIT(0)
//
// The kernel keeps no per-reason counters; the counter named in each row is rmnetctl's name for that outcome
// (src/qmap/stats.ts). Where the reader deliberately does something else than the kernel, the row says
// DEVIATION and why.
import type { QmapStatsField } from '../../../src/qmap/stats.js';
import { QmapStatsIndex } from '../../../src/qmap/stats.js';

export type ModelVersion = 1 | 4 | 5;
export type ModelRules = 'qmimux' | 'rmnet';

export interface ModelConfig {
  version: ModelVersion;
  rules: ModelRules;
  /** 256 entries, 1 where a link exists for that mux id. */
  links: Uint8Array;
  /** Hand command frames to the caller (rmnetctl's option; rmnet's analogue is INGRESS_MAP_COMMANDS). */
  deliverCommands: boolean;
}

/** Bytes around the payload, per version (rmnet_map_deaggregate: how packet_len is computed). */
export const LAYOUT: Readonly<Record<ModelVersion, { dataHeader: number; commandHeader: number; trailer: number }>> = {
  1: { dataHeader: 4, commandHeader: 4, trailer: 0 },
  // RMNET_FLAGS_INGRESS_MAP_CKSUMV4: the 8-byte trailer is added to every frame, commands included.
  4: { dataHeader: 4, commandHeader: 4, trailer: 8 },
  // RMNET_FLAGS_INGRESS_MAP_CKSUMV5: the 4-byte checksum header only on data frames (`!(flags & MAP_CMD_FLAG)`).
  5: { dataHeader: 8, commandHeader: 4, trailer: 0 },
};
// qmimux_rx_fixup knows only v1. For v4/v5 with rules 'qmimux' the model applies qmimux's rules over the layout
// above: not a kernel configuration (KERNEL.md: "qmimux only parses v1"), it pins the reader's own extension.

/** What the model knows about the frame at the walk's position (all read from the bytes, nothing derived). */
export interface Frame {
  /** Bytes from the frame's start to the end of the transfer. */
  remaining: number;
  command: boolean;
  nextHeader: boolean;
  pad: number;
  muxId: number;
  /** The header's length field (pad included). */
  length: number;
  /** Header(s) + length + trailer: what the kernel's packet_len adds up to. */
  size: number;
  /** Bytes before the payload. */
  header: number;
  /** v5 data frames: the checksum header's type (header_info >> 1); -1 otherwise. */
  headerType: number;
  /** First byte of the payload (0 when there is none inside the transfer). */
  firstByte: number;
}

/** end: the walk stops here, nothing dropped (what is left is counted as trailing); stop: the rest is dropped;
 *  skip: this frame is passed over; count: the counter goes up and the next rows still apply. */
export type Verdict = 'end' | 'stop' | 'skip' | 'count';

export interface Rule {
  /** The kernel function (or rmnetctl option) the row comes from. */
  source: string;
  when: (frame: Frame, config: ModelConfig) => boolean;
  verdict: Verdict;
  counter: QmapStatsField | null;
}

const isV5Data = (f: Frame, c: ModelConfig) => c.version === 5 && !f.command;
const isIp = (f: Frame) => (f.firstByte & 0xf0) === 0x40 || (f.firstByte & 0xf0) === 0x60;

/** qmimux_rx_fixup (qmi_wwan.c), in its order. */
export const QMIMUX_RULES: readonly Rule[] = [
  // `while (offset + qmimux_hdr_sz < skb->len)`: a header and at least one byte, else the loop ends.
  { source: 'qmimux_rx_fixup: loop condition', when: (f) => f.remaining <= 4, verdict: 'end', counter: 'trailingBytes' },
  // "drop the packet, bogus length": return 0, the rest of the transfer is lost.
  { source: 'qmimux_rx_fixup: bogus length', when: (f) => f.size > f.remaining, verdict: 'stop', counter: 'truncated' },
  // "control packet, we do not know what to do": skipped (rmnetctl can hand it to the caller instead).
  { source: 'qmimux_rx_fixup: control packet', when: (f, c) => f.command && !c.deliverCommands, verdict: 'skip', counter: 'commands' },
  { source: 'deliverCommands option', when: (f) => f.command, verdict: 'count', counter: 'commands' },
  // `if (len == 0 || pad_len >= len) goto skip`
  { source: 'qmimux_rx_fixup: len == 0', when: (f) => f.length === 0, verdict: 'skip', counter: 'zeroLength' },
  { source: 'qmimux_rx_fixup: pad_len >= len', when: (f) => f.pad >= f.length, verdict: 'skip', counter: 'padTooLong' },
  // qmimux_find_dev: no qmimux link with that mux id.
  { source: 'qmimux_rx_fixup: qmimux_find_dev', when: (f, c) => !f.command && c.links[f.muxId] === 0, verdict: 'skip', counter: 'unknownMux' },
  // `switch (skb->data[offset + qmimux_hdr_sz] & 0xf0)`: 0x40 and 0x60 only, "not ip" is skipped.
  { source: 'qmimux_rx_fixup: not ip', when: (f) => !f.command && !isIp(f), verdict: 'skip', counter: 'notIp' },
];

/** rmnet_map_deaggregate (until it returns NULL), then __rmnet_map_ingress_handler per frame, in their order. */
export const RMNET_RULES: readonly Rule[] = [
  // `if (skb->len == 0) return NULL`: the transfer is used up.
  { source: 'rmnet_map_deaggregate: skb->len == 0', when: (f) => f.remaining === 0, verdict: 'end', counter: null },
  // No room for a header: packet_len is at least 4, so the length check returns NULL whatever the bytes past
  // the data say (the kernel reads pkt_len there; rmnetctl must not). Counted as trailing bytes.
  { source: 'rmnet_map_deaggregate: skb->len < packet_len, no header', when: (f) => f.remaining < 4, verdict: 'end', counter: 'trailingBytes' },
  // "Mapv5 data pkt without csum hdr is invalid": checked before the length, returns NULL.
  { source: 'rmnet_map_deaggregate: v5 data without MAP_NEXT_HEADER_FLAG', when: (f, c) => isV5Data(f, c) && !f.nextHeader, verdict: 'stop', counter: 'badNextHeader' },
  { source: 'rmnet_map_deaggregate: skb->len < packet_len', when: (f) => f.size > f.remaining, verdict: 'stop', counter: 'truncated' },
  // "Some hardware can send us empty frames": `if (!maph->pkt_len) return NULL`.
  { source: 'rmnet_map_deaggregate: !pkt_len', when: (f) => f.length === 0, verdict: 'stop', counter: 'zeroLength' },
  // `nexthdr_type != RMNET_MAP_HEADER_TYPE_CSUM_OFFLOAD` (2): NULL.
  { source: 'rmnet_map_deaggregate: v5 header type != 2', when: (f, c) => isV5Data(f, c) && f.headerType !== 2, verdict: 'stop', counter: 'badNextHeader' },
  // MAP_CMD_FLAG: rmnet_map_command (INGRESS_MAP_COMMANDS) or freed; never reaches a link, the walk goes on.
  { source: '__rmnet_map_ingress_handler: MAP_CMD_FLAG', when: (f, c) => f.command && !c.deliverCommands, verdict: 'skip', counter: 'commands' },
  { source: 'deliverCommands option', when: (f) => f.command, verdict: 'count', counter: 'commands' },
  // DEVIATION. The kernel computes `len = pkt_len - pad` in a u16: pad == len trims the skb to 0 bytes,
  // pad > len wraps (skb_trim is then a no-op, and with CKSUMV4 the trailer is looked for ~64 KiB past the
  // packet). Either way no well-formed packet reaches the stack; rmnetctl skips the frame.
  { source: '__rmnet_map_ingress_handler: len = pkt_len - pad (u16)', when: (f) => f.pad >= f.length, verdict: 'skip', counter: 'padTooLong' },
  // `mux_id >= RMNET_MAX_LOGICAL_EP` or no rmnet_get_endpoint: freed. (rmnet would take a link for mux id 0;
  // rmnetctl never makes one, mux-id.ts: 1..254.)
  { source: '__rmnet_map_ingress_handler: rmnet_get_endpoint', when: (f, c) => !f.command && c.links[f.muxId] === 0, verdict: 'skip', counter: 'unknownMux' },
  // Anything else is delivered, IP or not (rmnet_set_skb_proto: ETH_P_MAP for a non-IP first nibble).
];

export const RULES: Readonly<Record<ModelRules, readonly Rule[]>> = { qmimux: QMIMUX_RULES, rmnet: RMNET_RULES };

/** Packet flags, the same bits as src/qmap/deaggregate.ts exports. */
export const MODEL_CHECKSUM_VALID = 1;
export const MODEL_COMMAND = 2;

/**
 * The checksum-valid mark of a delivered frame: v5 csum_info BIT(7) (rmnet_map_process_next_hdr_packet), v4
 * trailer flags BIT(0) (rmnet_map_checksum_downlink_packet, which then also checks the sum itself); commands
 * and v1 carry none.
 */
function checksumMark(data: Uint8Array, at: number, frame: Frame, version: ModelVersion): number {
  if (frame.command) return 0;
  if (version === 5) return (data[at + 5]! & 0x80) !== 0 ? MODEL_CHECKSUM_VALID : 0;
  if (version === 4) return (data[at + 4 + frame.length + 1]! & 0x01) !== 0 ? MODEL_CHECKSUM_VALID : 0;
  return 0;
}

function readFrame(data: Uint8Array, at: number, end: number, version: ModelVersion, frame: Frame): void {
  frame.remaining = end - at;
  if (frame.remaining < 4) {
    // Only the rows that look at `remaining` can match; give the rest harmless values.
    frame.command = frame.nextHeader = false;
    frame.pad = frame.muxId = frame.length = frame.size = frame.header = frame.firstByte = 0;
    frame.headerType = -1;
    return;
  }
  const flags = data[at]!;
  frame.command = (flags & 0x80) !== 0;
  frame.nextHeader = (flags & 0x40) !== 0;
  frame.pad = flags & 0x3f;
  frame.muxId = data[at + 1]!;
  frame.length = (data[at + 2]! << 8) | data[at + 3]!;
  const layout = LAYOUT[version];
  frame.header = frame.command ? layout.commandHeader : layout.dataHeader;
  frame.size = frame.header + frame.length + layout.trailer;
  frame.headerType = version === 5 && !frame.command && frame.remaining >= 8 ? data[at + 4]! >>> 1 : -1;
  frame.firstByte = frame.header < frame.remaining ? data[at + frame.header]! : 0;
}

/** Where the model writes its result; reuse one across transfers (nothing is allocated per transfer). */
export class ModelResult {
  /** Per delivered packet: mux id, offset, length, flags. */
  packets = new Int32Array(4 * 1024);
  count = 0;
  /** Counters in QmapStatsIndex order. */
  readonly stats = new Float64Array(Object.keys(QmapStatsIndex).length);
  /** How often each row decided a frame, over every walk (index 0: delivered, r + 1: RULES[rules][r]); not
   *  cleared by reset(), so a run can show that its mix reached every rule. */
  readonly hits = new Float64Array(32);

  reset(): void {
    this.count = 0;
    this.stats.fill(0);
  }

  push(muxId: number, offset: number, length: number, flags: number): void {
    if (4 * (this.count + 1) > this.packets.length) {
      const bigger = new Int32Array(this.packets.length * 2);
      bigger.set(this.packets);
      this.packets = bigger;
    }
    const i = 4 * this.count++;
    this.packets[i] = muxId;
    this.packets[i + 1] = offset;
    this.packets[i + 2] = length;
    this.packets[i + 3] = flags;
  }
}

const S = QmapStatsIndex;

/** Walks `data[begin .. end)` as the kernel would under `config`, adding to `result` (reset it first). */
export function modelWalk(data: Uint8Array, begin: number, end: number, config: ModelConfig, result: ModelResult): void {
  const rules = RULES[config.rules];
  const frame = FRAME;
  const stats = result.stats;
  stats[S.transfers]! += 1;
  let at = begin;
  for (;;) {
    readFrame(data, at, end, config.version, frame);
    let decided = -1;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r]!;
      if (!rule.when(frame, config)) continue;
      // Counters count frames, except trailingBytes, which counts bytes (added at the end below).
      if (rule.counter !== null && rule.counter !== 'trailingBytes') stats[S[rule.counter]]! += 1;
      if (rule.verdict === 'count') continue;
      decided = r;
      break;
    }
    result.hits[decided + 1]! += 1;
    const verdict = decided < 0 ? 'deliver' : rules[decided]!.verdict;
    if (verdict === 'end') {
      if (decided >= 0 && rules[decided]!.counter === 'trailingBytes') stats[S.trailingBytes]! += frame.remaining;
      return;
    }
    if (verdict === 'stop') {
      stats[S.droppedBytes]! += frame.remaining;
      return;
    }
    if (verdict === 'deliver') {
      const length = frame.length - frame.pad;
      const flags = checksumMark(data, at, frame, config.version) | (frame.command ? MODEL_COMMAND : 0);
      result.push(frame.muxId, at + frame.header, length, flags);
      stats[S.packets]! += 1;
      stats[S.bytes]! += length;
    }
    at += frame.size;
  }
}

const FRAME: Frame = {
  remaining: 0,
  command: false,
  nextHeader: false,
  pad: 0,
  muxId: 0,
  length: 0,
  size: 0,
  header: 0,
  headerType: -1,
  firstByte: 0,
};

/** A links table from a list of mux ids (ids outside 0..255 ignored). */
export function linkTable(muxIds: Iterable<number>): Uint8Array {
  const table = new Uint8Array(256);
  for (const id of muxIds) if (id >= 0 && id <= 255) table[id] = 1;
  return table;
}
