// What a capture saw, accumulated per transfer and per packet: transfers, datagrams and bytes per transfer
// (min/median/max from exact histograms: a capture's transfer sizes take few distinct values), per-mux
// packets and bytes, and malformed frames by the QMAP reader's own counter names.
import { QmapStatsIndex, type QmapStats, type QmapStatsField } from '../qmap/index.js';

/** The reader's counters that count frames it did not deliver, by kind. */
const MALFORMED_KINDS = ['zeroLength', 'padTooLong', 'notIp', 'badNextHeader', 'truncated', 'trailingBytes'] as const satisfies readonly QmapStatsField[];

export interface Distribution {
  min: number;
  median: number;
  max: number;
}

export interface CaptureSummary {
  transfers: number;
  datagramsPerTransfer: Distribution | null;
  bytesPerTransfer: Distribution | null;
  mux: { muxId: number; packets: number; bytes: number }[];
  malformed: Partial<Record<(typeof MALFORMED_KINDS)[number], number>>;
  /** Frames on a mux id other than --mux (not written). */
  filtered: number;
}

/** Lower median of a histogram value -> count. */
function distribution(histogram: Map<number, number>, total: number): Distribution | null {
  if (total === 0) return null;
  const values = [...histogram.keys()].sort((a, b) => a - b);
  const middle = Math.floor((total - 1) / 2);
  let seen = 0;
  let median = values[0]!;
  for (const value of values) {
    seen += histogram.get(value)!;
    if (seen > middle) {
      median = value;
      break;
    }
  }
  return { min: values[0]!, median, max: values[values.length - 1]! };
}

const bump = (histogram: Map<number, number>, value: number): void => {
  histogram.set(value, (histogram.get(value) ?? 0) + 1);
};

export class CaptureSummaryAccumulator {
  private transfers = 0;
  private readonly datagrams = new Map<number, number>();
  private readonly bytes = new Map<number, number>();
  private readonly perMux = new Map<number, { packets: number; bytes: number }>();
  private filtered = 0;
  private current = 0;

  /** Call once per packet the reader delivered. */
  packet(muxId: number, length: number, written: boolean): void {
    this.current++;
    if (!written) {
      this.filtered++;
      return;
    }
    const entry = this.perMux.get(muxId) ?? { packets: 0, bytes: 0 };
    entry.packets++;
    entry.bytes += length;
    this.perMux.set(muxId, entry);
  }

  /** Call after each transfer has been walked. */
  transfer(length: number): void {
    this.transfers++;
    bump(this.datagrams, this.current);
    bump(this.bytes, length);
    this.current = 0;
  }

  /** The summary, malformed counts read from the reader's stats (kinds at zero are left out). */
  summary(stats: QmapStats): CaptureSummary {
    const malformed: CaptureSummary['malformed'] = {};
    for (const kind of MALFORMED_KINDS) {
      const count = stats.values[QmapStatsIndex[kind]]!;
      if (count > 0) malformed[kind] = count;
    }
    return {
      transfers: this.transfers,
      datagramsPerTransfer: distribution(this.datagrams, this.transfers),
      bytesPerTransfer: distribution(this.bytes, this.transfers),
      mux: [...this.perMux].sort(([a], [b]) => a - b).map(([muxId, v]) => ({ muxId, ...v })),
      malformed,
      filtered: this.filtered,
    };
  }
}
