/**
 * QMAP codec: v1, v4 (the downlink 8-byte checksum trailer; not rmnet's uplink v4 header) and v5 (the 4-byte
 * checksum-offload header, same both ways), data and command frames. Pure and total; allocation-free on the hot
 * paths (QmapReader.deaggregate/next, QmapAggregator.add, encode*). No I/O: callers feed bytes and send what
 * they are handed.
 *
 * ## Frames (format.ts)
 *   type QmapVersion = 1 | 4 | 5
 *   qmapFrameLength(packetLength, version = 1, command = false): number   bytes one frame takes in a transfer
 *   qmapPadLength(length): number                                         0..3 pad bytes to a multiple of 4
 *   qmapOverhead(version): number                                         4, 12 (v4) or 8 (v5)
 *   constants: QMAP_HEADER_LENGTH, QMAP_COMMAND_FLAG, QMAP_NEXT_HEADER_FLAG, QMAP_PAD_MASK, ...
 *
 * ## Encoding one frame (encode.ts), into a buffer the caller owns
 *   encodeQmapPacket(target, offset, muxId, packet, { version?, checksumValid? }?): number
 *   encodeQmapCommand(target, offset, muxId, body, { version? }?): number
 *     -> bytes written, or a negative QmapEncodeError: noRoom (-1), badMuxId (-2), tooLong (-3).
 *     Data frames need mux id 1..254; the pad (to 4 bytes) is zeroed and its length goes into byte 0.
 *
 * ## Aggregating (aggregate.ts): DL on the emulated modem, UL on the host
 *   const agg = new QmapAggregator(buffer, { maxSize, maxDatagrams, version?, checksumValid? });
 *   agg.add(muxId, packet): QmapAddResult        added | full (take() then add again) | tooLarge | badMuxId
 *   agg.addCommand(muxId, body): QmapAddResult
 *   agg.take(): Uint8Array                       the transfer (a view of buffer), starts the next one
 *   agg.length, agg.datagrams, agg.reset()
 *   aggregatePackets(packets: Iterable<{muxId, packet}>, buffer, limits, onTransfer(transfer, datagrams))
 *     -> { transfers, packets, rejected }        convenience loop over an aggregator
 *
 * ## Deaggregating (deaggregate.ts): DL on the host, UL on the emulated modem
 *   const reader = new QmapReader({ version?, rules?: 'qmimux' | 'rmnet', muxIds?, deliverCommands?, stats? });
 *   reader.deaggregate(buffer, onPacket(muxId, data, offset, length, flags), begin?, end?): number
 *                                                push, fastest: pass one long-lived handler (V8 inlines it);
 *                                                flags = QMAP_PACKET_CHECKSUM_VALID | QMAP_PACKET_COMMAND
 *   reader.start(buffer, begin?, end?);          pull, a cursor:
 *   while (reader.next()) use(reader.muxId, buffer, reader.offset, reader.length);
 *   reader.checksumValid, reader.command         of the current packet (read on demand)
 *   reader.packet(): Uint8Array                  view of the current packet (allocates the view object)
 *   reader.packetFlags(): number                 the same as flags, for the current packet
 *   deaggregateAll(transfer, options?) -> { packets: {muxId, packet, checksumValid, command}[], stats }
 *                                                allocating convenience for tests, tools and the emulated modem
 *   reader.stats: QmapStats                      transfers, packets, bytes, commands, zeroLength, padTooLong,
 *                                                unknownMux, notIp, badNextHeader, truncated, droppedBytes,
 *                                                trailingBytes; .malformed, .reset(), .toJSON();
 *                                                stored in .values (Float64Array, QmapStatsIndex)
 *
 * Malformed input is never thrown: it is counted and skipped the way the kernel does. A length running past
 * the end drops the rest of the transfer (qmimux and rmnet alike). Under 'qmimux' rules (default for v1) zero
 * length, pad >= length, commands, unknown mux ids and non-IP packets are skipped and the walk goes on; under
 * 'rmnet' rules (default for v4/v5) a zero length, a v5 data frame without the next-header bit, or a v5 header
 * of the wrong type also drops the rest. deaggregate.ts states each rule with its kernel source;
 * test/support/qmap/kernel-model.ts is the same rules as a table, and the differential test holds the reader to it. Offsets are always relative to the buffer passed in;
 * packets are views (no copy), valid until the caller reuses the buffer.
 */
export {
  QMAP_COMMAND_FLAG,
  QMAP_HEADER_LENGTH,
  QMAP_MAX_MUX_ID,
  QMAP_MAX_PAYLOAD_LENGTH,
  QMAP_MIN_MUX_ID,
  QMAP_NEXT_HEADER_FLAG,
  QMAP_PAD_MASK,
  QMAP_V4_CHECKSUM_TRAILER_LENGTH,
  QMAP_V4_CHECKSUM_VALID_FLAG,
  QMAP_V5_CHECKSUM_HEADER_LENGTH,
  QMAP_V5_CHECKSUM_VALID_FLAG,
  QMAP_V5_HEADER_TYPE_CHECKSUM,
  QMAP_V5_NEXT_HEADER_FLAG,
  isQmapVersion,
  qmapFrameLength,
  qmapOverhead,
  qmapPadLength,
  type QmapVersion,
} from './format.js';
export { encodeQmapCommand, encodeQmapPacket, QmapEncodeError, type QmapEncodeOptions } from './encode.js';
export {
  aggregatePackets,
  QmapAddResult,
  QmapAggregator,
  type QmapAggregationLimits,
  type QmapOutgoingPacket,
} from './aggregate.js';
export {
  deaggregateAll,
  QMAP_PACKET_CHECKSUM_VALID,
  QMAP_PACKET_COMMAND,
  QmapReader,
  type QmapPacket,
  type QmapPacketHandler,
  type QmapReaderOptions,
  type QmapRules,
} from './deaggregate.js';
export { QmapStats, QmapStatsIndex, type QmapStatsField } from './stats.js';
