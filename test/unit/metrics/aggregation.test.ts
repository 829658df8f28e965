// The live aggregation ratio: mux link packets per parent transfer between two readings of the kernel.
import { describe, expect, it } from 'vitest';
import { AggregationTracker, aggregationRatio, parentReading } from '../../../src/metrics/aggregation.js';
import type { ModemScrape } from '../../../src/metrics/collect.js';
import type { LinkStats } from '../../../src/netlink/link.js';
import { metricFamilies } from '../../../src/metrics/families.js';

const stats = (rxPackets: number): LinkStats => ({ rxPackets, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0, rxOverErrors: 0 });

const scrapeOf = (parentRx: number, linksRx: number[]): ModemScrape => ({
  target: { name: 'cdc-wdm0', path: '/dev/cdc-wdm0', parent: 'wwan0', recordKey: 'cdc-wdm0' },
  answers: null, error: null, warnings: [],
  links: linksRx.map((rx, i) => ({ name: `rmnet_data${i}`, muxId: i + 1, backend: 'rmnet', up: true, stats: stats(rx) })),
  parent: { name: 'wwan0', stats: stats(parentRx) },
  aggregationRatio: null,
});

describe('aggregation ratio', () => {
  it('is the links\' received packets per parent transfer between two readings', () => {
    expect(aggregationRatio({ transfers: 10n, packets: 10n }, { transfers: 14n, packets: 42n })).toBe(8);
    expect(aggregationRatio({ transfers: 0n, packets: 0n }, { transfers: 3n, packets: 10n })).toBe(3.33);
  });
  it('is unknown without a transfer in between, or when a counter went back (a link recreated)', () => {
    expect(aggregationRatio({ transfers: 5n, packets: 9n }, { transfers: 5n, packets: 9n })).toBeNull();
    expect(aggregationRatio({ transfers: 5n, packets: 90n }, { transfers: 9n, packets: 4n })).toBeNull();
  });
  it('sums every mux link of the parent; no parent stats, no reading', () => {
    expect(parentReading(scrapeOf(7, [3, 4]))).toEqual({ transfers: 7n, packets: 7n });
    expect(parentReading({ ...scrapeOf(7, [3]), parent: { name: 'wwan0', stats: null } })).toBeNull();
  });
  it('the tracker sets the ratio from the second scrape on, and the families carry it beside the parent counter', () => {
    const tracker = new AggregationTracker();
    const first = scrapeOf(100, [50, 60]);
    tracker.update([first]);
    expect(first.aggregationRatio).toBeNull();
    const second = scrapeOf(104, [50 + 16, 60 + 16]); // 4 transfers, 32 packets
    tracker.update([second]);
    expect(second.aggregationRatio).toBe(8);
    const families = metricFamilies({ modems: [second], durationSeconds: 0.01 });
    const sample = (name: string) => families.find((f) => f.name === name)?.samples;
    expect(sample('rmnetctl_parent_rx_transfers_total')).toEqual([{ labels: { modem: 'cdc-wdm0', parent: 'wwan0' }, value: 104 }]);
    expect(sample('rmnetctl_parent_aggregation_ratio')).toEqual([{ labels: { modem: 'cdc-wdm0', parent: 'wwan0' }, value: 8 }]);
    expect(metricFamilies({ modems: [first], durationSeconds: 0.01 }).find((f) => f.name === 'rmnetctl_parent_aggregation_ratio')?.samples).toEqual([]);
  });
});
