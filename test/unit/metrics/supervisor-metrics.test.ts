// `rmnetctl metrics` from a running supervisor's health record: PDN health, the recovery ladder's climbs and
// the default-route failover (changes counted, the active route per PDN and family, the role as a state set).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metricsTargets, scrape } from '../../../src/metrics/collect.js';
import { metricFamilies } from '../../../src/metrics/families.js';
import { writeHealthRecord, type HealthRecord } from '../../../src/session/health-record.js';
import { makeRig, type Rig } from '../session/rig.js';

let rig: Rig;
beforeEach(() => (rig = makeRig()));
afterEach(() => rig.cleanup());

function samples(result: Awaited<ReturnType<typeof scrape>>, name: string): Record<string, number | bigint> {
  const family = metricFamilies(result).find((f) => f.name === name);
  return Object.fromEntries((family?.samples ?? []).map((s) => [Object.entries(s.labels).sort().map(([k, v]) => `${k}=${v}`).join(','), s.value]));
}

const record = (pid: number): HealthRecord => ({
  version: 1, pid, updated: new Date().toISOString(),
  ladder: { rung: 1, action: 'restart-session', counts: [2, 1, 0, 0], summary: 'recovery rung 1 (restart-session); climbed 1:2 2:1 3:0 4:0' },
  pdns: [
    { muxId: 1, link: 'wwan0.1', state: 'unhealthy', failures: 3, successes: 0, reached: 1, routes: [{ family: 4, role: 'withdrawn', carries: false }] },
    { muxId: 2, link: 'wwan0.2', state: 'healthy', failures: 0, successes: 5, reached: 0, routes: [{ family: 4, role: 'active', carries: true }] },
  ],
  failover: { modem: 'lte', policy: 'priority', mode: 'withdraw', changes: 3, notes: [], lastApplyMs: 1.2 },
});

describe('metrics of a running supervisor', () => {
  it('exports health, recovery climbs and the default routes from the health record', async () => {
    writeHealthRecord(rig.env.store, 'cdc-wdm0', record(process.pid));
    const result = await scrape(rig.env, await metricsTargets(rig.env, undefined, 'no'), 'no');
    expect(samples(result, 'rmnetctl_default_route_changes_total')).toEqual({ 'modem=cdc-wdm0': 3 });
    expect(samples(result, 'rmnetctl_default_route_active')).toEqual({ 'ip_family=ipv4,modem=cdc-wdm0,mux_id=1': 0, 'ip_family=ipv4,modem=cdc-wdm0,mux_id=2': 1 });
    expect(samples(result, 'rmnetctl_default_route_role')['ip_family=ipv4,modem=cdc-wdm0,mux_id=1,state=withdrawn']).toBe(1);
    expect(samples(result, 'rmnetctl_default_route_role')['ip_family=ipv4,modem=cdc-wdm0,mux_id=1,state=active']).toBe(0);
    expect(samples(result, 'rmnetctl_pdn_health')['modem=cdc-wdm0,mux_id=1,state=unhealthy']).toBe(1);
    expect(samples(result, 'rmnetctl_recovery_climbs_total')).toEqual({
      'action=restart-session,modem=cdc-wdm0,rung=1': 2, 'action=restart-all,modem=cdc-wdm0,rung=2': 1, 'action=reset-modem,modem=cdc-wdm0,rung=3': 0, 'action=give-up,modem=cdc-wdm0,rung=4': 0,
    });
  });

  it('says nothing of a supervisor that is gone (its record left behind)', async () => {
    writeHealthRecord(rig.env.store, 'cdc-wdm0', record(2 ** 22 + 12345));
    const result = await scrape(rig.env, await metricsTargets(rig.env, undefined, 'no'), 'no');
    expect(samples(result, 'rmnetctl_default_route_changes_total')).toEqual({});
    expect(samples(result, 'rmnetctl_pdn_health')).toEqual({});
  });
});
