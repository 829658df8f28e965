// Counters of one QMAP deaggregator: what was delivered and every kind of frame skipped or dropped.
//
// The numbers live in one Float64Array behind accessors, not in plain fields: a byte counter passes 2^31
// within seconds at line rate, and a plain field then changes representation (small integer -> double), which
// changes the object's hidden class and throws V8's optimised receive loop back to the interpreter (measured:
// a deopt loop in the benchmark). Typed-array elements never change shape.

const FIELDS = [
  'transfers',
  'packets',
  'bytes',
  'commands',
  'zeroLength',
  'padTooLong',
  'unknownMux',
  'notIp',
  'badNextHeader',
  'truncated',
  'droppedBytes',
  'trailingBytes',
] as const;
export type QmapStatsField = (typeof FIELDS)[number];

/** Index of each counter in QmapStats.values (for hot paths that add to it directly). */
export const QmapStatsIndex = Object.freeze(Object.fromEntries(FIELDS.map((name, i) => [name, i]))) as Readonly<
  Record<QmapStatsField, number>
>;

const I = QmapStatsIndex;

export class QmapStats {
  /** Every counter, indexed by QmapStatsIndex. */
  readonly values = new Float64Array(FIELDS.length);

  /** Transfers walked. */
  get transfers(): number { return this.values[I.transfers]!; }
  set transfers(v: number) { this.values[I.transfers] = v; }
  /** Packets delivered (data frames, plus command frames when the reader delivers them). */
  get packets(): number { return this.values[I.packets]!; }
  set packets(v: number) { this.values[I.packets] = v; }
  /** Bytes of the delivered packets, without QMAP headers, pad or trailers. */
  get bytes(): number { return this.values[I.bytes]!; }
  set bytes(v: number) { this.values[I.bytes] = v; }
  /** Command frames (flow control, ...) seen; skipped unless delivered on request. */
  get commands(): number { return this.values[I.commands]!; }
  set commands(v: number) { this.values[I.commands] = v; }
  /** Frames whose length field is 0 (qmimux skips the 4-byte header; rmnet drops the rest of the transfer). */
  get zeroLength(): number { return this.values[I.zeroLength]!; }
  set zeroLength(v: number) { this.values[I.zeroLength] = v; }
  /** Frames whose pad length is not smaller than their length (no packet left): skipped. */
  get padTooLong(): number { return this.values[I.padTooLong]!; }
  set padTooLong(v: number) { this.values[I.padTooLong] = v; }
  /** Frames for a mux id outside the filter (and always 0 and 255, which no link can have): skipped. */
  get unknownMux(): number { return this.values[I.unknownMux]!; }
  set unknownMux(v: number) { this.values[I.unknownMux] = v; }
  /** qmimux rules only: frames whose packet is neither IPv4 nor IPv6 by its first nibble: skipped. */
  get notIp(): number { return this.values[I.notIp]!; }
  set notIp(v: number) { this.values[I.notIp] = v; }
  /** v5 data frames without the next-header bit, or whose checksum header's type is not 2 (rmnet drops the rest of the transfer). */
  get badNextHeader(): number { return this.values[I.badNextHeader]!; }
  set badNextHeader(v: number) { this.values[I.badNextHeader] = v; }
  /** Frames whose length runs past the end of the transfer: the rest of the transfer is dropped. */
  get truncated(): number { return this.values[I.truncated]!; }
  set truncated(v: number) { this.values[I.truncated] = v; }
  /** Bytes dropped with the rest of a transfer (after a bogus length, a zero length under rmnet, ...). */
  get droppedBytes(): number { return this.values[I.droppedBytes]!; }
  set droppedBytes(v: number) { this.values[I.droppedBytes] = v; }
  /** Bytes after the last frame too few to hold a frame (the kernel ignores them). */
  get trailingBytes(): number { return this.values[I.trailingBytes]!; }
  set trailingBytes(v: number) { this.values[I.trailingBytes] = v; }

  /** Frames skipped or transfers cut short for being malformed (not counting commands or filtered mux ids). */
  get malformed(): number {
    return this.zeroLength + this.padTooLong + this.notIp + this.badNextHeader + this.truncated;
  }

  reset(): void {
    this.values.fill(0);
  }

  toJSON(): Record<QmapStatsField, number> {
    const out = {} as Record<QmapStatsField, number>;
    FIELDS.forEach((name, i) => {
      out[name] = this.values[i]!;
    });
    return out;
  }
}
