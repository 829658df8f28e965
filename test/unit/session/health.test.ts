// `rmnetctl run`'s health check and recovery ladder (issue 14) on the emulated modem and the test kernel
// model: link counters the test moves (IFLA_STATS64 through production's RtNetlink), a fake prober, and
// config seconds shortened to a few milliseconds.
import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisorOptions } from '../../../src/session/supervisor.js';
import { parseConfig } from '../../../src/session/config.js';
import type { Prober } from '../../../src/health/probe.js';
import { QmiError, QmiService } from '../../../src/qmi/enums.js';
import type { Rig } from './rig.js';
import { linkTraffic, runRig, startRun, until } from './run-support.js';
import { existsSync } from 'node:fs';
import { status } from '../../../src/session/status.js';
import { renderStatus } from '../../../src/cli/commands/status.js';
import { healthRecordPath, readHealthRecord } from '../../../src/session/health-record.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const rig = (): Rig => runRig(cleanups);

const SECOND_MS = 15;
const conf = (health: string[], pdn2: string[] = []) =>
  parseConfig(['[modem]', 'proxy = no', '[health]', 'probe-interval = 1', ...health, '[pdn]', 'mux = 1', 'apn = internet', '[pdn]', 'mux = 2', 'apn = ims', ...pdn2].join('\n'), 'test.conf');

/** The rmnet link of a mux id now (a restart makes a new one). */
const linkOf = (r: Rig, muxId: number) => r.model.list().find((l) => l.kind === 'rmnet' && l.muxId === muxId)?.name;
const handleOf = (r: Rig, muxId: number) => r.modem.sessions().find((s) => s.muxId === muxId)?.packetDataHandle;
const setDataFormats = (r: Rig) => r.modem.received.filter((f) => f.service === QmiService.WDA && f.messageId === 0x0020).length;

/** Moves a link's counters every few ms, as traffic would. */
const traffic = (r: Rig, muxId: number, per: { rxPackets?: number; txPackets?: number }) => linkTraffic(r, muxId, per, cleanups);

/** A prober that answers as `answer` says and records what it was asked. */
function fakeProber(answer: (ifname: string, target: string) => boolean): Prober & { asked: Array<{ ifname: string; target: string }> } {
  const asked: Array<{ ifname: string; target: string }> = [];
  return { asked, probe: async (ifname, target) => (asked.push({ ifname, target }), answer(ifname, target)) };
}

const start = (r: Rig, config: ReturnType<typeof conf>, extra: Partial<SupervisorOptions> = {}) => startRun(r, config, SECOND_MS, extra);

describe('run: health and recovery', () => {
  it('finds a PDN whose TX grows while RX does not unhealthy after unhealthy-after intervals, and restarts its session (rung 1)', async () => {
    const r = rig();
    const run = start(r, conf(['unhealthy-after = 3', 'probes = off']));
    await until('READY=1', () => run.notes.includes('READY=1'));
    const [one, two] = [handleOf(r, 1), handleOf(r, 2)];
    const started = Date.now();
    const stopTraffic = traffic(r, 1, { txPackets: 4 });
    await until('the restart of mux 1', () => handleOf(r, 1) !== undefined && handleOf(r, 1) !== one);
    // Idle from now on (probes off: idle counts neither way), so a loaded machine cannot climb to rung 2
    // before the checks below read the state.
    stopTraffic();
    // Three failing intervals: the first may end just after the traffic started, the other two take their time.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * SECOND_MS);
    const log = r.log.join('\n');
    expect(log).toMatch(/mux 1: unhealthy on \S+ \(TX moves while RX does not for 3 intervals\)/);
    expect(log).toMatch(/mux 1 unhealthy: recovery rung 1 \(restart-session\)/);
    expect(log).not.toMatch(/mux 2: unhealthy/);
    expect(handleOf(r, 2)).toBe(two); // only the sick PDN's session was restarted
    expect(run.status()).toMatch(/mux 1 up on \S+ \(unhealthy\), mux 2 up on \S+ \(unknown\); recovery rung 1 \(restart-session\); climbed 1:1 2:0 3:0 4:0/);
    // `rmnetctl status` shows what the running supervisor judges.
    await until('the health record', () => readHealthRecord(r.env.store, 'cdc-wdm0')?.pdns[0]?.link === linkOf(r, 1));
    const [seen] = await status(r.env, { proxy: 'no' });
    expect(seen!.health?.pdns.map((p) => [p.muxId, p.state, p.reached])).toEqual([[1, 'unhealthy', 1], [2, 'unknown', 0]]);
    expect(seen!.health?.ladder).toMatchObject({ rung: 1, action: 'restart-session', counts: [1, 0, 0, 0] });
    expect(renderStatus([seen!])).toMatch(/\n  run \(pid \d+\): mux 1 unhealthy, mux 2 unknown; recovery rung 1 \(restart-session\); climbed 1:1 2:0 3:0 4:0/);
    await run.stop();
    expect(r.modem.sessions()).toEqual([]);
    expect(existsSync(healthRecordPath(r.env.store, 'cdc-wdm0'))).toBe(false);
    expect((await status(r.env, { proxy: 'no' }))[0]?.health ?? null).toBeNull();
  });

  it('gives a second PDN that falls sick its own session restart, not the first one\'s next rung', async () => {
    const r = rig();
    const run = start(r, conf(['unhealthy-after = 2', 'healthy-after = 1', 'probes = off']));
    await until('READY=1', () => run.notes.includes('READY=1'));
    const stopSick = traffic(r, 1, { txPackets: 2 });
    await until('rung 1 for mux 1', () => r.log.some((l) => l.startsWith('mux 1 unhealthy: recovery rung 1 ')));
    stopSick();
    traffic(r, 1, { rxPackets: 2, txPackets: 2 });
    traffic(r, 2, { txPackets: 2 });
    await until('rung 1 for mux 2', () => r.log.some((l) => l.startsWith('mux 2 unhealthy: recovery rung 1 ')));
    expect(r.log.join('\n')).not.toMatch(/recovery rung 2/);
    expect(run.status()).toMatch(/climbed 1:2 2:0/);
    await run.stop();
  });

  it('never probes a PDN whose RX grows, and probes an idle one through its own link', async () => {
    const r = rig();
    const prober = fakeProber(() => true);
    const run = start(r, conf(['probe = 192.0.2.1 2001:db8::1']), { prober });
    await until('READY=1', () => run.notes.includes('READY=1'));
    traffic(r, 1, { rxPackets: 3, txPackets: 3 });
    const idle = linkOf(r, 2)!;
    await until('several probes of mux 2', () => prober.asked.length >= 4);
    await new Promise((res) => setTimeout(res, 5 * SECOND_MS));
    expect(new Set(prober.asked.map((a) => a.ifname))).toEqual(new Set([idle]));
    // mux 2 is IPv4 only: the IPv6 target is never asked through it (it would fail for the wrong reason).
    expect(new Set(prober.asked.map((a) => a.target))).toEqual(new Set(['192.0.2.1']));
    expect(run.status()).toMatch(/mux 1 up on \S+ \(healthy\), mux 2 up on \S+ \(healthy\); recovery idle/);
    expect(r.log.join('\n')).not.toMatch(/unhealthy|recovery rung/);
    await run.stop();
  });

  it('judges by the counters alone, saying so once, when no probe can be sent (no ping on the host)', async () => {
    const r = rig();
    const prober: Prober = { probe: async () => undefined };
    const run = start(r, conf(['probe = 192.0.2.1', 'unhealthy-after = 2'], ['probes = off']), { prober });
    await until('READY=1', () => run.notes.includes('READY=1'));
    await new Promise((res) => setTimeout(res, 6 * SECOND_MS));
    // Idle and unprobed: nothing against mux 1.
    expect(r.log.join('\n')).not.toMatch(/unhealthy/);
    expect(r.log.filter((l) => l.includes('cannot run ping'))).toHaveLength(1);
    traffic(r, 1, { txPackets: 2 });
    await until('rung 1 from the counters', () => r.log.some((l) => l.startsWith('mux 1 unhealthy: recovery rung 1 ')));
    await run.stop();
  });

  it('climbs the ladder rung by rung while probes fail: session, every PDN (data format renegotiated), modem reset, give up', async () => {
    const r = rig();
    const prober = fakeProber(() => false);
    // mux 2 is idle without probes (nothing to judge): only mux 1 climbs, and the modem-wide rungs take mux 2 along.
    const run = start(r, conf(['probe = 192.0.2.1', 'unhealthy-after = 2'], ['probes = off']), { prober });
    await until('READY=1', () => run.notes.includes('READY=1'));
    const formats = setDataFormats(r);
    const climbed = (n: number) => r.log.some((l) => l.includes(`recovery rung ${n} `));

    await until('rung 1', () => climbed(1));
    expect(climbed(2)).toBe(false);
    await until('rung 2', () => climbed(2));
    await until('every PDN brought up again', () => setDataFormats(r) > formats && r.modem.sessions().length === 2);
    expect(r.modem.resets).toBe(0);
    await until('rung 3', () => climbed(3));
    await until('the modem reset', () => r.modem.resets === 1);
    await until('PDNs back after the reset', () => r.modem.sessions().length === 2);
    await until('rung 4', () => climbed(4), 8000);
    expect(r.log.join('\n')).toMatch(/giving up on recovery until/);
    // Given up: no further rung until the slow retry (60 s here).
    await new Promise((res) => setTimeout(res, 10 * SECOND_MS));
    expect(r.log.filter((l) => / recovery rung \d /.test(l)).map((l) => /rung (\d) \((\S+)\)/.exec(l)!.slice(1).join(' '))).toEqual([
      '1 restart-session', '2 restart-all', '3 reset-modem', '4 give-up',
    ]);
    expect(r.modem.resets).toBe(1);
    // The reset went through offline first (firmware refuses reset from online).
    const modes = r.modem.received.filter((f) => f.service === QmiService.DMS && f.messageId === 0x002e).map((f) => f.tlvs.find((t) => t.type === 1)?.value[0]);
    expect(modes).toEqual([3, 4]);
    if (process.env.SHOW_LOG) console.log(r.log.join('\n'), run.notes.join('\n'));
    expect(run.status()).toMatch(/recovery rung 4 \(give-up\); climbed 1:1 2:1 3:1 4:1/);
    await run.stop();
    expect(r.modem.sessions()).toEqual([]);
  });

  it('brings the PDNs up again when the modem refuses the reset, reports it, and goes on to rung 4', async () => {
    const r = rig();
    r.modem.behaviour.refusedMessages = { ...r.modem.behaviour.refusedMessages, 'dms:Set Operating Mode': QmiError.NotSupported };
    const run = start(r, conf(['probe = 192.0.2.1', 'unhealthy-after = 1'], ['probes = off']), { prober: fakeProber(() => false) });
    await until('READY=1', () => run.notes.includes('READY=1'));
    await until('rung 3 refused', () => r.log.some((l) => l.includes('recovery rung 3 (reset-modem) failed')), 8000);
    expect(r.log.join('\n')).toMatch(/recovery rung 3 \(reset-modem\) failed: .*Set Operating Mode failed: QMI error NotSupported/);
    await until('PDNs up again', () => r.modem.sessions().length === 2 && r.log.filter((l) => /^mux 2: up on/.test(l)).length >= 3);
    await until('rung 4', () => r.log.some((l) => l.includes('recovery rung 4 ')), 8000);
    expect(r.modem.resets).toBe(0);
    await run.stop();
    expect(r.modem.sessions()).toEqual([]);
  });

  it('starts over from rung 1 on the slow schedule after giving up', async () => {
    const r = rig();
    let clock = 0;
    const run = start(r, conf(['probe = 192.0.2.1', 'unhealthy-after = 1'], ['probes = off']), { prober: fakeProber(() => false), now: () => clock, giveUpRetryMs: 1000 });
    await until('READY=1', () => run.notes.includes('READY=1'));
    await until('rung 4', () => r.log.some((l) => l.includes('recovery rung 4 ')), 8000);
    await new Promise((res) => setTimeout(res, 5 * SECOND_MS));
    expect(r.log.filter((l) => l.includes('recovery rung 1 '))).toHaveLength(1);
    clock += 1000;
    await until('rung 1 again', () => r.log.filter((l) => l.includes('recovery rung 1 ')).length === 2);
    expect(run.status()).toMatch(/climbed 1:2 2:1 3:1 4:1/);
    await run.stop();
  });

  it('resets the ladder once the PDN is healthy again (healthy-after successes): the next trouble starts at rung 1', async () => {
    const r = rig();
    let answering = false;
    const prober = fakeProber(() => answering);
    const run = start(r, conf(['probe = 192.0.2.1', 'unhealthy-after = 2', 'healthy-after = 3'], ['probes = off']), { prober });
    await until('READY=1', () => run.notes.includes('READY=1'));
    await until('rung 1', () => r.log.some((l) => l.includes('mux 1 unhealthy: recovery rung 1 ')));
    answering = true;
    await until('healthy again', () => r.log.some((l) => l.includes('every PDN is healthy again')));
    const log = r.log.join('\n');
    expect(log).toMatch(/mux 1: healthy on /);
    expect(log).not.toMatch(/recovery rung 2/);
    expect(run.status()).toMatch(/mux 1 up on \S+ \(healthy\).*; recovery idle; climbed 1:1 2:0 3:0 4:0/);
    answering = false;
    await until('rung 1 again', () => r.log.filter((l) => l.includes('recovery rung 1 ')).length === 2);
    expect(r.log.join('\n')).not.toMatch(/recovery rung 2/);
    await run.stop();
  });
});
