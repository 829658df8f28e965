// QMAP wire format: header layout, flag bits and per-version frame sizes (PROTOCOL.md "QMAP").
//
//   byte 0   command bit 0x80 | next-header bit 0x40 (v5; reserved in v1/v4) | pad length (low 6 bits)
//   byte 1   mux id
//   byte 2-3 payload length, big-endian, including the pad, excluding every header and trailer
//
// v5 puts a 4-byte checksum-offload header between the QMAP header and the packet:
//   byte 0   header type << 1 (type 2 = checksum offload) | next-header bit 0x01
//   byte 1   checksum-valid bit 0x80
//   byte 2-3 reserved (0)
// v4 puts an 8-byte checksum trailer after the padded packet:
//   byte 0 reserved, byte 1 valid bit 0x01, then checksum start offset, length and value (u16 BE each).
// v4 is asymmetric in rmnet: the 8-byte trailer is the downlink layout; uplink (EGRESS_MAP_CKSUMV4) puts a 4-byte
// checksum header (start offset, info) after the QMAP header instead. This codec's version 4 is the downlink
// layout only (uplink v4 is not supported; v5 has one layout both ways). ModemManager and rmnetctl negotiate
// QMAPv5 or v1, never v4.
// Command frames (flow control, ...) carry no IP packet; rmnet gives them no v5 header but does count a v4
// trailer after them, and so do we.

/** QMAP flavours: 1 (aggregation protocol 5, "QMAP"), 4 (8, "QMAPv4"), 5 (9, "QMAPv5"). */
export type QmapVersion = 1 | 4 | 5;

export const QMAP_HEADER_LENGTH = 4;
export const QMAP_V5_CHECKSUM_HEADER_LENGTH = 4;
export const QMAP_V4_CHECKSUM_TRAILER_LENGTH = 8;

export const QMAP_COMMAND_FLAG = 0x80;
export const QMAP_NEXT_HEADER_FLAG = 0x40;
export const QMAP_PAD_MASK = 0x3f;

/** v5 next-header type of the checksum-offload header (top 7 bits of its first byte). */
export const QMAP_V5_HEADER_TYPE_CHECKSUM = 2;
export const QMAP_V5_NEXT_HEADER_FLAG = 0x01;
export const QMAP_V5_CHECKSUM_VALID_FLAG = 0x80;
export const QMAP_V4_CHECKSUM_VALID_FLAG = 0x01;

/** The largest payload length the 16-bit field holds (pad included). */
export const QMAP_MAX_PAYLOAD_LENGTH = 0xffff;
/** Valid mux ids: the one rule (src/mux-id.ts), 1..254; 0 and 255 are reserved. */
export { MUX_ID_MIN as QMAP_MIN_MUX_ID, MUX_ID_MAX as QMAP_MAX_MUX_ID } from '../mux-id.js';

/** Bytes a frame takes besides its padded payload: header, v5 checksum header, v4 trailer. */
export function qmapOverhead(version: QmapVersion): number {
  if (version === 5) return QMAP_HEADER_LENGTH + QMAP_V5_CHECKSUM_HEADER_LENGTH;
  if (version === 4) return QMAP_HEADER_LENGTH + QMAP_V4_CHECKSUM_TRAILER_LENGTH;
  return QMAP_HEADER_LENGTH;
}

/** Pad bytes that bring a packet of `length` bytes to a multiple of 4. */
export function qmapPadLength(length: number): number {
  return (4 - (length & 3)) & 3;
}

/**
 * Total bytes one frame carrying a `packetLength`-byte packet takes in a transfer (a command frame has no v5
 * checksum header).
 */
export function qmapFrameLength(packetLength: number, version: QmapVersion = 1, command = false): number {
  const overhead = command && version === 5 ? QMAP_HEADER_LENGTH : qmapOverhead(version);
  return overhead + packetLength + qmapPadLength(packetLength);
}

/** True for a QMAP version value rmnetctl knows. */
export function isQmapVersion(value: unknown): value is QmapVersion {
  return value === 1 || value === 4 || value === 5;
}
