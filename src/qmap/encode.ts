// Encoding one QMAP frame (data or command) into a caller-provided buffer. No allocation: the caller owns
// the target, the result is the number of bytes written or a negative QmapEncodeError code.
import {
  QMAP_COMMAND_FLAG,
  QMAP_HEADER_LENGTH,
  QMAP_MAX_MUX_ID,
  QMAP_MAX_PAYLOAD_LENGTH,
  QMAP_MIN_MUX_ID,
  QMAP_NEXT_HEADER_FLAG,
  QMAP_V4_CHECKSUM_TRAILER_LENGTH,
  QMAP_V4_CHECKSUM_VALID_FLAG,
  QMAP_V5_CHECKSUM_HEADER_LENGTH,
  QMAP_V5_CHECKSUM_VALID_FLAG,
  QMAP_V5_HEADER_TYPE_CHECKSUM,
  qmapPadLength,
  type QmapVersion,
} from './format.js';

/** Why an encode wrote nothing (always negative, so `result < 0` tells failure from a byte count). */
export const QmapEncodeError = {
  /** The frame does not fit between `offset` and the end of the target. */
  noRoom: -1,
  /** Data frames need a mux id in 1..254; command frames 0..255. */
  badMuxId: -2,
  /** Packet plus pad exceeds the 16-bit length field (65535). */
  tooLong: -3,
} as const;
export type QmapEncodeError = (typeof QmapEncodeError)[keyof typeof QmapEncodeError];

/** Options of one encoded frame. Reuse one object: encoding reads it, never keeps it. */
export interface QmapEncodeOptions {
  /** 1 (default), 4 (adds the 8-byte checksum trailer) or 5 (adds the 4-byte checksum header). */
  version?: QmapVersion;
  /**
   * v5: the checksum-valid bit of the checksum header (downlink: "the modem checked it"; uplink: "offload
   * requested"). v4: the valid bit of the trailer. Ignored for v1.
   */
  checksumValid?: boolean;
}

const DEFAULTS: QmapEncodeOptions = {};

/**
 * Writes one data frame (header, v5 checksum header, packet, zero pad to 4 bytes, v4 trailer) at
 * `target[offset]`. Returns the bytes written (qmapFrameLength(packet.length, version)) or a QmapEncodeError.
 */
export function encodeQmapPacket(
  target: Uint8Array,
  offset: number,
  muxId: number,
  packet: Uint8Array,
  options: QmapEncodeOptions = DEFAULTS,
): number {
  if (!(muxId >= QMAP_MIN_MUX_ID && muxId <= QMAP_MAX_MUX_ID) || (muxId | 0) !== muxId) {
    return QmapEncodeError.badMuxId;
  }
  return writeFrame(target, offset, 0, muxId, packet, options.version ?? 1, options.checksumValid === true);
}

/**
 * Writes one command frame (command bit set, no v5 checksum header, v4 trailer zeroed) carrying `body`
 * (the MAP command itself: command name, type, transaction id, ...), padded to 4 bytes.
 */
export function encodeQmapCommand(
  target: Uint8Array,
  offset: number,
  muxId: number,
  body: Uint8Array,
  options: QmapEncodeOptions = DEFAULTS,
): number {
  if (!(muxId >= 0 && muxId <= 0xff) || (muxId | 0) !== muxId) return QmapEncodeError.badMuxId;
  return writeFrame(target, offset, QMAP_COMMAND_FLAG, muxId, body, options.version ?? 1, false);
}

function writeFrame(
  target: Uint8Array,
  offset: number,
  commandFlag: number,
  muxId: number,
  payload: Uint8Array,
  version: QmapVersion,
  checksumValid: boolean,
): number {
  const pad = qmapPadLength(payload.length);
  const padded = payload.length + pad;
  if (padded > QMAP_MAX_PAYLOAD_LENGTH) return QmapEncodeError.tooLong;
  const command = commandFlag !== 0;
  const v5Header = version === 5 && !command;
  const total = (v5Header ? QMAP_HEADER_LENGTH + QMAP_V5_CHECKSUM_HEADER_LENGTH : QMAP_HEADER_LENGTH) + padded +
    (version === 4 ? QMAP_V4_CHECKSUM_TRAILER_LENGTH : 0);
  if (!(offset >= 0) || (offset | 0) !== offset || offset + total > target.length) return QmapEncodeError.noRoom;

  let at = offset;
  target[at] = commandFlag | (v5Header ? QMAP_NEXT_HEADER_FLAG : 0) | pad;
  target[at + 1] = muxId;
  target[at + 2] = padded >>> 8;
  target[at + 3] = padded & 0xff;
  at += QMAP_HEADER_LENGTH;
  if (v5Header) {
    target[at] = QMAP_V5_HEADER_TYPE_CHECKSUM << 1; // no further next header
    target[at + 1] = checksumValid ? QMAP_V5_CHECKSUM_VALID_FLAG : 0;
    target[at + 2] = 0;
    target[at + 3] = 0;
    at += QMAP_V5_CHECKSUM_HEADER_LENGTH;
  }
  target.set(payload, at);
  at += payload.length;
  for (let i = 0; i < pad; i++) target[at++] = 0;
  if (version === 4) {
    // The modem fills start offset, length and value; rmnetctl only ever needs the valid bit.
    target.fill(0, at, at + QMAP_V4_CHECKSUM_TRAILER_LENGTH);
    target[at + 1] = checksumValid ? QMAP_V4_CHECKSUM_VALID_FLAG : 0;
    at += QMAP_V4_CHECKSUM_TRAILER_LENGTH;
  }
  return at - offset;
}
