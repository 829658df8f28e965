// The live DL aggregation ratio of a parent: how many packets its mux links received per transfer the parent
// received (usbnet counts one rx packet per USB transfer it passes up), between two readings of the kernel's
// counters. Pure; the reading before is the previous scrape's (AggregationTracker, for --listen).
import type { ModemScrape } from './collect.js';

export interface ParentReading {
  /** Transfers the parent received (its rx_packets). */
  transfers: bigint;
  /** Packets all of its mux links received (the sum of their rx_packets). */
  packets: bigint;
}

/** Packets per transfer between two readings; null without transfers in between or when a counter went back (a link or the parent was recreated). */
export function aggregationRatio(before: ParentReading, after: ParentReading): number | null {
  const transfers = after.transfers - before.transfers;
  const packets = after.packets - before.packets;
  if (transfers <= 0n || packets < 0n) return null;
  // Two decimals are what a ratio of small integers is good for.
  return Math.round((Number(packets) / Number(transfers)) * 100) / 100;
}

/** The reading of one modem's parent in a scrape; null when the kernel did not show the parent. */
export function parentReading(m: Pick<ModemScrape, 'parent' | 'links'>): ParentReading | null {
  if (!m.parent?.stats) return null;
  const packets = m.links.reduce((sum, l) => sum + BigInt(l.stats?.rxPackets ?? 0), 0n);
  return { transfers: BigInt(m.parent.stats.rxPackets), packets };
}

/** Remembers each parent's reading from one scrape to the next (a long-running --listen) and sets the ratio. */
export class AggregationTracker {
  private readonly previous = new Map<string, ParentReading>();

  /** Fills `aggregationRatio` of every modem whose parent was read before; remembers this reading. */
  update(modems: ModemScrape[]): void {
    for (const m of modems) {
      const reading = parentReading(m);
      if (!reading || !m.parent) continue;
      const before = this.previous.get(m.parent.name);
      m.aggregationRatio = before ? aggregationRatio(before, reading) : null;
      this.previous.set(m.parent.name, reading);
    }
  }
}
