// `rmnetctl run`'s default-route failover (issue 14 item 3) on the emulated modem and the test kernel model:
// a PDN judged unhealthy loses (or demotes) its default route, the journal has one line per change, STATUS=
// and the health record say each PDN's role; every PDN unhealthy keeps the route on the best one.
import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisorOptions } from '../../../src/session/supervisor.js';
import { parseConfig } from '../../../src/session/config.js';
import type { Rig } from './rig.js';
import { linkTraffic, runRig, startRun, until } from './run-support.js';
import { readHealthRecord } from '../../../src/session/health-record.js';
import { status } from '../../../src/session/status.js';
import { renderStatus } from '../../../src/cli/commands/status.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const rig = (): Rig => runRig(cleanups);

const SECOND_MS = 15;
const conf = (failover: string[]) =>
  parseConfig(['[modem]', 'proxy = no', '[health]', 'probe-interval = 1', 'unhealthy-after = 3', 'probes = off', '[failover]', ...failover,
    '[pdn]', 'mux = 1', 'apn = internet', '[pdn]', 'mux = 2', 'apn = backup'].join('\n'), 'test.conf');

const linkOf = (r: Rig, muxId: number) => r.model.list().find((l) => l.kind === 'rmnet' && l.muxId === muxId);
/** The model's IPv4 default routes as "link@metric". */
const defaults = (r: Rig) => r.model.routes.filter((x) => x.family === 4 && x.prefixLength === 0)
  .map((x) => `${r.model.byIndex(x.outputIndex!)?.name}@${x.metric}`).sort();

const traffic = (r: Rig, muxId: number, per: { rxPackets?: number; txPackets?: number }) => linkTraffic(r, muxId, per, cleanups);

const start = (r: Rig, config: ReturnType<typeof conf>, extra: Partial<SupervisorOptions> = {}) => startRun(r, config, SECOND_MS, extra);

describe('run: default-route failover', () => {
  it('withdraws the default route of a PDN judged unhealthy at once, keeps it withdrawn through its session restart, and says so', async () => {
    const r = rig();
    const run = start(r, conf(['hold-time = 3600']));
    await until('READY=1', () => run.notes.includes('READY=1'));
    const [one, two] = [linkOf(r, 1)!.name, linkOf(r, 2)!.name];
    expect(defaults(r)).toEqual([`${one}@100`, `${two}@101`]);
    await until('the routes judged', () => run.status().includes('routes priority: mux 1 IPv4 active, mux 2 IPv4 standby'));
    traffic(r, 2, { rxPackets: 2, txPackets: 2 });
    traffic(r, 1, { txPackets: 4 });
    await until('mux 1 withdrawn', () => run.status().includes('mux 1 IPv4 withdrawn'));
    expect(r.log.join('\n')).toMatch(new RegExp(`IPv4 default route: delete metric 100 via ${one.replace('.', '\\.')} \\(\\d+\\.\\d ms\\)`));
    expect(run.status()).toMatch(/routes priority: mux 1 IPv4 withdrawn, mux 2 IPv4 active/);
    // The ladder restarts mux 1's session: ipconfig gives its new link the route again, the failover takes it away.
    await until('mux 1 restarted', () => r.log.some((l) => l.startsWith('mux 1 unhealthy: recovery rung 1')));
    await until('mux 1 up again', () => linkOf(r, 1) !== undefined && r.log.filter((l) => l.startsWith('mux 1: up on')).length >= 2);
    await until('the new route withdrawn', () => defaults(r).length === 1);
    expect(defaults(r)).toEqual([`${two}@101`]);
    const record = readHealthRecord(r.env.store, 'cdc-wdm0');
    expect(record?.failover).toMatchObject({ policy: 'priority', mode: 'withdraw' });
    expect(record?.failover?.changes).toBeGreaterThanOrEqual(2);
    expect(record?.pdns.map((p) => p.routes)).toEqual([[{ family: 4, role: 'withdrawn', carries: false }], [{ family: 4, role: 'active', carries: true }]]);
    // `rmnetctl status` says the same under the modem's table.
    const [seen] = await status(r.env, { proxy: 'no' });
    expect(renderStatus([seen!])).toMatch(/\n  run \(pid \d+\): mux 1 unhealthy, mux 2 \w+; recovery .*; routes priority: mux 1 IPv4 withdrawn, mux 2 IPv4 active/);
    await run.stop();
  });

  it('demotes instead with failover = demote, and gives the route back after the hold time', async () => {
    const r = rig();
    const run = start(r, conf(['failover = demote', 'demote-offset = 500', 'hold-time = 0']));
    await until('READY=1', () => run.notes.includes('READY=1'));
    traffic(r, 2, { rxPackets: 2, txPackets: 2 });
    const sick = traffic(r, 1, { txPackets: 4 });
    await until('mux 1 demoted', () => run.status().includes('mux 1 IPv4 demoted'));
    await until('the demoted route', () => defaults(r).some((d) => d.endsWith('@600')));
    expect(defaults(r)).toEqual([`${linkOf(r, 1)!.name}@600`, `${linkOf(r, 2)!.name}@101`].sort());
    sick();
    traffic(r, 1, { rxPackets: 3, txPackets: 3 });
    await until('mux 1 active again', () => run.status().includes('mux 1 IPv4 active'));
    await until('its route back at 100', () => defaults(r).some((d) => d.endsWith('@100')) && !defaults(r).some((d) => d.endsWith('@600')));
    await run.stop();
  });

  it('keeps the route on the best PDN when every one is unhealthy, and STATUS= says why', async () => {
    const r = rig();
    const run = start(r, conf(['hold-time = 3600']), { giveUpRetryMs: 60_000 });
    await until('READY=1', () => run.notes.includes('READY=1'));
    traffic(r, 1, { txPackets: 4 });
    traffic(r, 2, { txPackets: 4 });
    await until('both unhealthy', () => /every IPv4 uplink is unhealthy: the default route stays on modem\/mux 1/.test(run.status()));
    expect(run.status()).toMatch(/mux 1 IPv4 kept/);
    await until('one default route', () => defaults(r).length === 1);
    expect(defaults(r)[0]).toMatch(/@100$/);
    expect(r.log.join('\n')).toMatch(/default routes: every IPv4 uplink is unhealthy/);
    await run.stop();
  });
});
