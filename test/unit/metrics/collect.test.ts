// One scrape against the session rig: the emulated modem (real QMI bytes) with PDNs brought up by `up`, the
// kernel model's mux links with counters. What the modem and the kernel say, as answers and as metric samples.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { up } from '../../../src/session/up.js';
import type { PdnRequest } from '../../../src/session/request.js';
import { metricsTargets, scrape } from '../../../src/metrics/collect.js';
import { metricFamilies, metricNames } from '../../../src/metrics/families.js';
import { Category, RmnetError } from '../../../src/errors.js';
import { QmiService } from '../../../src/qmi/enums.js';
import { trafficInterval } from '../../modem/modem.js';
import { makeRig, type Rig } from '../session/rig.js';

let rig: Rig;
beforeEach(() => (rig = makeRig()));
afterEach(() => rig.cleanup());

const request = (overrides: Partial<PdnRequest>): PdnRequest => ({ muxId: 1, apn: 'internet', ipType: '4', auth: 'none', backend: 'auto', noIp: false, routeMetric: 100 + (overrides.muxId ?? 1), ...overrides });

/** The samples of one metric as `labels -> value`, labels written k=v in sorted order. */
function samples(result: Awaited<ReturnType<typeof scrape>>, name: string): Record<string, number | bigint> {
  const family = metricFamilies(result).find((f) => f.name === name);
  return Object.fromEntries((family?.samples ?? []).map((s) => [Object.entries(s.labels).sort().map(([k, v]) => `${k}=${v}`).join(','), s.value]));
}

async function scrapeAll() {
  return scrape(rig.env, await metricsTargets(rig.env, undefined, 'no'), 'no');
}

describe('metrics collection', () => {
  it('reads identity, radio, format, each PDN session with its WDS counters, and each link with its kernel counters', async () => {
    await up(rig.env, request({ muxId: 1 }), { proxy: 'no' });
    await up(rig.env, request({ muxId: 2, apn: 'ims', ipType: '4v6' }), { proxy: 'no' });
    const link1 = rig.model.list().find((l) => l.kind === 'rmnet' && l.muxId === 1)!;
    link1.stats = { rxBytes: 123456, txBytes: 7890, rxPackets: 100, txPackets: 50, rxDropped: 2, txDropped: 0, rxErrors: 1, txErrors: 0 };
    const wdsBefore = rig.modem.clients().filter((c) => c.service === QmiService.WDS);

    const result = await scrapeAll();
    expect(result.modems).toHaveLength(1);
    const [modem] = result.modems;
    expect(modem!.target).toEqual({ name: 'cdc-wdm0', path: '/dev/cdc-wdm0', parent: 'wwan0', recordKey: 'cdc-wdm0' });
    expect(modem!.error).toBeNull();
    expect(modem!.answers!.identity.value).toEqual({ model: 'EC25-EMU', revision: 'EC25EFAR06A06M4G-EMU', imei: '867698040000001' });
    expect(modem!.answers!.pdns.map((p) => [p.muxId, p.apn, p.sessions.map((s) => `${s.family}:${s.state.value}`)])).toEqual([
      [1, 'internet', ['4:connected']],
      [2, 'ims', ['4:connected', '6:connected']],
    ]);
    // The scrape adopts the sessions' clients and releases only what it allocated itself.
    expect(rig.modem.clients().filter((c) => c.service === QmiService.WDS)).toEqual(wdsBefore);
    expect(rig.modem.clients().filter((c) => c.service !== QmiService.WDS)).toEqual([]);

    const mux2 = trafficInterval(2);
    expect(samples(result, 'rmnetctl_pdn_rx_bytes_total')).toEqual({
      'ip_family=ipv4,modem=cdc-wdm0,mux_id=1': BigInt(trafficInterval(1).rxBytes),
      'ip_family=ipv4,modem=cdc-wdm0,mux_id=2': BigInt(mux2.rxBytes),
      'ip_family=ipv6,modem=cdc-wdm0,mux_id=2': BigInt(mux2.rxBytes),
    });
    expect(samples(result, 'rmnetctl_pdn_session_state')['ip_family=ipv6,modem=cdc-wdm0,mux_id=2,state=connected']).toBe(1);
    expect(samples(result, 'rmnetctl_pdn_info')).toEqual({
      [`apn=internet,backend=rmnet,link=${link1.name},modem=cdc-wdm0,mux_id=1`]: 1,
      [`apn=ims,backend=rmnet,link=${rig.model.list().find((l) => l.kind === 'rmnet' && l.muxId === 2)!.name},modem=cdc-wdm0,mux_id=2`]: 1,
    });
    // Link 2 carried nothing: the kernel's zeros, not missing series.
    const link2 = rig.model.list().find((l) => l.kind === 'rmnet' && l.muxId === 2)!;
    expect(samples(result, 'rmnetctl_link_rx_bytes_total')).toEqual({ [`link=${link1.name},modem=cdc-wdm0,mux_id=1`]: 123456, [`link=${link2.name},modem=cdc-wdm0,mux_id=2`]: 0 });
    expect(samples(result, 'rmnetctl_link_rx_dropped_total')).toEqual({ [`link=${link1.name},modem=cdc-wdm0,mux_id=1`]: 2, [`link=${link2.name},modem=cdc-wdm0,mux_id=2`]: 0 });
    expect(Object.keys(samples(result, 'rmnetctl_link_up'))).toHaveLength(2);
    expect(samples(result, 'rmnetctl_modem_info')).toEqual({ 'imei=867698040000001,model=EC25-EMU,modem=cdc-wdm0,revision=EC25EFAR06A06M4G-EMU': 1 });
    expect(samples(result, 'rmnetctl_data_format_info')).toEqual({ 'dl_aggregation=qmapv5,link_layer=raw-ip,modem=cdc-wdm0,ul_aggregation=qmapv5': 1 });
    expect(samples(result, 'rmnetctl_data_format_dl_max_datagrams')).toEqual({ 'modem=cdc-wdm0': 32 });
    expect(samples(result, 'rmnetctl_signal_rsrp_dbm')).toEqual({ 'modem=cdc-wdm0,rat=lte': -95 });
    expect(samples(result, 'rmnetctl_sim_state')['modem=cdc-wdm0,state=ready']).toBe(1);
    expect(samples(result, 'rmnetctl_registration_state')['modem=cdc-wdm0,state=registered']).toBe(1);
    expect(samples(result, 'rmnetctl_access_technology')['modem=cdc-wdm0,state=lte']).toBe(1);
    expect(samples(result, 'rmnetctl_network_info')).toEqual({ 'mcc=001,mnc=01,modem=cdc-wdm0': 1 });
    expect(samples(result, 'rmnetctl_roaming')).toEqual({ 'modem=cdc-wdm0': 0 });
    // The counters are the modem's: the next scrape reads one more interval.
    const again = await scrapeAll();
    expect(samples(again, 'rmnetctl_pdn_rx_packets_total')['ip_family=ipv4,modem=cdc-wdm0,mux_id=1']).toBe(2 * trafficInterval(1).rxPackets);
  });

  it('gives what it could read when the firmware has no NAS and no UIM', async () => {
    rig.modem.behaviour.services = rig.modem.behaviour.services.filter((s) => s !== QmiService.NAS && s !== QmiService.UIM);
    const result = await scrapeAll();
    expect(result.modems[0]!.error).toBeNull();
    expect(samples(result, 'rmnetctl_modem_scrape_success')).toEqual({ 'modem=cdc-wdm0': 1 });
    expect(samples(result, 'rmnetctl_modem_answer_available')).toMatchObject({
      'modem=cdc-wdm0,question=identity': 1, 'modem=cdc-wdm0,question=sim': 0, 'modem=cdc-wdm0,question=registration': 0, 'modem=cdc-wdm0,question=signal': 0,
      'modem=cdc-wdm0,question=operating_mode': 1,
    });
    expect(samples(result, 'rmnetctl_sim_state')).toEqual({});
    expect(samples(result, 'rmnetctl_signal_rsrp_dbm')).toEqual({});
    expect(Object.keys(samples(result, 'rmnetctl_modem_info'))).toHaveLength(1);
  });

  it('reports a modem it cannot ask as failed, with its kernel counters still there', async () => {
    await up(rig.env, request({ muxId: 1 }), { proxy: 'no' });
    rig.env.openQmi = async (path) => {
      throw new RmnetError('DEVICE_BUSY', `${path}: busy`, Category.busy, { path });
    };
    const result = await scrapeAll();
    expect(result.modems[0]!.error).toMatchObject({ code: 'DEVICE_BUSY' });
    expect(samples(result, 'rmnetctl_modem_scrape_success')).toEqual({ 'modem=cdc-wdm0': 0 });
    expect(Object.keys(samples(result, 'rmnetctl_link_up'))).toHaveLength(1);
    expect(samples(result, 'rmnetctl_modem_info')).toEqual({});
  });

  it('times the scrape in seconds, to the microsecond', async () => {
    let t = 1000;
    const result = await scrape(rig.env, [], 'no', { now: () => (t += 12.3456789) });
    expect(result.durationSeconds).toBe(0.012346);
  });

  it('lets a bug through instead of calling it a failed modem', async () => {
    rig.env.openQmi = async () => {
      throw new TypeError('a bug');
    };
    await expect(scrapeAll()).rejects.toThrow(TypeError);
  });

  it('names every metric with the rmnetctl_ prefix, counters ending in _total', () => {
    const names = metricNames();
    expect(names.every((n) => /^rmnetctl_[a-z0-9_]+$/.test(n))).toBe(true);
    for (const family of metricFamilies({ modems: [], durationSeconds: 0 })) {
      expect(family.name.endsWith('_total')).toBe(family.type === 'counter');
    }
  });
});
