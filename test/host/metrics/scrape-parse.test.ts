// A full scrape with PDNs and mux links (the session rig: emulated modem, kernel model, PDNs brought up by
// `up`) read back by Debian's python3-prometheus-client: counters are counters, and the values survive.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { up } from '../../../src/session/up.js';
import type { PdnRequest } from '../../../src/session/request.js';
import { metricsTargets, scrape } from '../../../src/metrics/collect.js';
import { metricFamilies } from '../../../src/metrics/families.js';
import { renderExposition } from '../../../src/metrics/exposition.js';
import { trafficInterval } from '../../modem/modem.js';
import { makeRig, type Rig } from '../../unit/session/rig.js';
import { parseExposition, sampleValue } from '../../support/prometheus.js';

let rig: Rig;
beforeEach(() => (rig = makeRig()));
afterEach(() => rig.cleanup());

const request = (muxId: number, ipType: PdnRequest['ipType']): PdnRequest => ({ muxId, apn: `apn${muxId}`, ipType, auth: 'none', backend: 'auto', noIp: false, routeMetric: 100 + muxId });

describe('a scrape with PDNs and links, parsed', () => {
  it('reads PDN and link counters as counters with their values, every family once', async () => {
    await up(rig.env, request(1, '4'), { proxy: 'no' });
    await up(rig.env, request(3, '4v6'), { proxy: 'no' });
    const link = rig.model.list().find((l) => l.kind === 'rmnet' && l.muxId === 3)!;
    // Past 2^53 the parser reads a float; stay below to compare exactly.
    link.stats = { rxBytes: 2 ** 40 + 7, txBytes: 12345, rxPackets: 9, txPackets: 8, rxDropped: 3, txDropped: 2, rxErrors: 1, txErrors: 0 };
    const text = renderExposition(metricFamilies(await scrape(rig.env, await metricsTargets(rig.env, undefined, 'no'), 'no')));
    const families = await parseExposition(text);
    const names = families.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    const byName = new Map(families.map((f) => [f.name, f]));
    expect(byName.get('rmnetctl_pdn_rx_bytes')?.type).toBe('counter');
    expect(byName.get('rmnetctl_link_rx_bytes')?.type).toBe('counter');
    expect(byName.get('rmnetctl_pdn_session_state')?.type).toBe('gauge');
    const modem = { modem: 'cdc-wdm0' };
    expect(sampleValue(families, 'rmnetctl_link_rx_bytes_total', { ...modem, link: link.name, mux_id: '3' })).toBe(2 ** 40 + 7);
    expect(sampleValue(families, 'rmnetctl_link_tx_dropped_total', { ...modem, link: link.name, mux_id: '3' })).toBe(2);
    expect(sampleValue(families, 'rmnetctl_pdn_rx_bytes_total', { ...modem, mux_id: '3', ip_family: 'ipv6' })).toBe(trafficInterval(3).rxBytes);
    expect(sampleValue(families, 'rmnetctl_pdn_tx_packets_total', { ...modem, mux_id: '1', ip_family: 'ipv4' })).toBe(trafficInterval(1).txPackets);
    expect(sampleValue(families, 'rmnetctl_pdn_session_state', { ...modem, mux_id: '3', ip_family: 'ipv4', state: 'connected' })).toBe(1);
    expect(sampleValue(families, 'rmnetctl_pdn_info', { ...modem, mux_id: '3', apn: 'apn3', backend: 'rmnet', link: link.name })).toBe(1);
    expect(sampleValue(families, 'rmnetctl_data_format_dl_max_size_bytes', modem)).toBe(32768);
    // The link of mux 1 carried nothing: the kernel reports its counters as 0, and so does the scrape.
    const link1 = rig.model.list().find((l) => l.kind === 'rmnet' && l.muxId === 1)!;
    expect(sampleValue(families, 'rmnetctl_link_up', { ...modem, link: link1.name })).toBe(1);
    expect(sampleValue(families, 'rmnetctl_link_rx_bytes_total', { ...modem, link: link1.name })).toBe(0);
  });
});
