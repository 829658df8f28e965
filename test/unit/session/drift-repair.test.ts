// `run`'s kernel-mode drift repair (src/session/drift-repair.ts): the rule table on its own, then the
// supervisor on the emulated modem and the kernel double, with the parent's mode written under it the way
// ModemManager does (pass_through N while up; the parent down, pass_through N, raw_ip N, up).
import { afterEach, describe, expect, it } from 'vitest';
import { findDrift, planDriftRepair, type LivePdns } from '../../../src/session/drift-repair.js';
import { describeAction, type ParentState } from '../../../src/datapath/plan.js';
import { runService } from '../../../src/session/supervisor.js';
import { parseConfig } from '../../../src/session/config.js';
import { readHealthRecord } from '../../../src/session/health-record.js';
import type { Rig } from './rig.js';
import { runRig, until } from './run-support.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const rmnetLive = (grantedDlSize: number | null): LivePdns => ({ parent: 'wwan0', pdns: [{ state: 'up', backend: 'rmnet' }], grantedDlSize });
const parent = (over: Partial<ParentState>): ParentState => ({
  name: 'wwan0', rawIp: true, passThrough: true, up: true, mtu: 32769, maxMtu: 65535,
  links: [{ name: 'rmnet_data1', muxId: 1, backend: 'rmnet', parent: 'wwan0', ifindex: 9, up: true, mtu: 16380 }], ...over,
});

describe('the repair rule table', () => {
  it('finds nothing wrong with the mode and the receive size up left', () => {
    expect(findDrift(parent({}), rmnetLive(32768))).toBeUndefined();
  });

  it('repairs pass_through alone with one write, the parent left up', () => {
    const state = parent({ passThrough: false });
    const drift = findDrift(state, rmnetLive(32768))!;
    const repair = planDriftRepair(state, drift, rmnetLive(32768), 512);
    expect(repair.kind).toBe('pass-through');
    expect(repair.plan.steps.map((s) => describeAction(s.action))).toEqual(['wwan0 pass_through=Y']);
  });

  it('qmimux: pass_through Y written under its links is taken back with one write (qmimux needs it off)', () => {
    const live: LivePdns = { parent: 'wwan0', pdns: [{ state: 'up', backend: 'qmimux' }], grantedDlSize: 16384 };
    const state = parent({ passThrough: true, mtu: 16384, links: [{ name: 'qmimux0', muxId: 1, backend: 'qmimux', parent: 'wwan0', ifindex: 9, up: true, mtu: 1500 }] });
    const repair = planDriftRepair(state, findDrift(state, live)!, live, 512);
    expect([repair.kind, repair.plan.steps.map((s) => describeAction(s.action))]).toEqual(['pass-through', ['wwan0 pass_through=N']]);
  });

  it('repairs raw_ip N (MTU reset to 1500) with the parent down, the receive size as up sets it, and up again; no link made', () => {
    const state = parent({ rawIp: false, passThrough: false, mtu: 1500, up: true });
    const drift = findDrift(state, rmnetLive(32768))!;
    expect(drift.mode?.differ.map((d) => d.attribute)).toEqual(['raw_ip', 'pass_through']);
    const steps = planDriftRepair(state, drift, rmnetLive(32768), 512).plan.steps.map((s) => s.action);
    expect(steps[0]).toEqual({ op: 'set-up', link: 'wwan0', up: false });
    expect(steps.some((a) => a.op === 'create-link' || a.op === 'delete-link')).toBe(false);
    const last = steps.filter((a) => a.op === 'set-mtu').at(-1);
    expect(last && last.op === 'set-mtu' && last.mtu).toBeGreaterThanOrEqual(32768);
    expect(steps.findIndex((a) => a.op === 'set-pass-through' && a.value)).toBeGreaterThan(steps.findIndex((a) => a.op === 'set-raw-ip' && a.value));
    expect(steps.filter((a) => a.op === 'set-up').at(-1)).toEqual({ op: 'set-up', link: 'wwan0', up: true });
  });

  it('sees a raw-ip MTU below the granted aggregate (Y -> N -> Y behind its back) and raises it', () => {
    const state = parent({ mtu: 1500 });
    const drift = findDrift(state, rmnetLive(16384))!;
    expect(drift).toEqual({ backend: 'rmnet', mode: undefined, receiveShort: { mtu: 1500, granted: 16384 } });
    const repair = planDriftRepair(state, drift, rmnetLive(16384), 512);
    expect(repair.kind).toBe('mode-switch');
    expect(repair.plan.steps.map((s) => describeAction(s.action))).toEqual(['wwan0 mtu 16385']);
  });

  it('leaves a PDN without aggregation alone on the MTU, and a parent without mux links alone altogether', () => {
    expect(findDrift(parent({ mtu: 1500 }), rmnetLive(null))).toBeUndefined();
    expect(findDrift(parent({ rawIp: false, passThrough: false, mtu: 1500 }), { parent: 'wwan0', pdns: [{ state: 'up', backend: 'none' }], grantedDlSize: null })).toBeUndefined();
  });
});

const config = parseConfig('[modem]\nproxy = no\nbackend = rmnet\n[pdn]\nmux = 1\napn = internet\n', 'test.conf');

const rig = (): Rig => runRig(cleanups);

describe('run repairs kernel-mode drift', () => {
  it('puts pass_through back (named ModemManager), then undoes a whole raw_ip switch, keeping the links, sessions and addresses; counted in the health record', async () => {
    const { env, modem, model, log, proc, addresses } = rig();
    proc.add(4242, 'ModemManager');
    const notes: string[] = [];
    const stop = new AbortController();
    const running = runService(env, config, { signal: stop.signal, notify: (m) => notes.push(m), backoff: { initialMs: 20, maxMs: 100 }, driftCheckMs: 20, healthCheckMs: 0 });
    await until('READY=1', () => notes.includes('READY=1'));
    const wwan = model.get('wwan0');
    const link = model.list().find((l) => l.kind === 'rmnet')!;
    const before = { mtu: wwan.mtu, urb: wwan.qmi!.urbSize, sessions: modem.sessions().map((s) => s.packetDataHandle), addresses: addresses() };

    model.setPassThrough(wwan, false);
    await until('pass_through Y again', () => wwan.qmi!.passThrough);
    await until('the decision logged', () => log.some((l) => l.startsWith('kernel mode drift on wwan0')));
    const line = log.find((l) => l.startsWith('kernel mode drift on wwan0'))!;
    expect(line).toMatch(/^kernel mode drift on wwan0: pass_through is N \(ModemManager, pid 4242, may have reset it\); repair: pass-through: wwan0 pass_through=Y \(\d+ ms\)$/);
    expect(model.isUp(wwan)).toBe(true);

    // The way a tool that passes through 802.3 leaves it: down, pass_through N, raw_ip N (MTU 1500), up.
    model.setUp(wwan, false);
    model.setPassThrough(wwan, false);
    model.setRawIp(wwan, false);
    model.setUp(wwan, true);
    expect(wwan.mtu).toBe(1500);
    await until('raw-ip, pass_through and the MTU back', () => wwan.qmi!.rawIp && wwan.qmi!.passThrough && wwan.mtu === before.mtu && model.isUp(wwan));
    await until('the second decision logged', () => log.filter((l) => l.startsWith('kernel mode drift on wwan0')).length === 2);
    expect(log.filter((l) => l.startsWith('kernel mode drift'))[1]).toMatch(/raw_ip is N and pass_through is N .*repair: mode-switch: set wwan0 down, .*wwan0 raw_ip=Y, wwan0 pass_through=Y, set wwan0 up/);
    expect(wwan.qmi!.urbSize).toBeGreaterThanOrEqual(before.urb > 1514 ? 16384 : 0);
    // Nothing above the parent was touched: the same link, sessions and addresses.
    expect(model.list().find((l) => l.kind === 'rmnet')?.index).toBe(link.index);
    expect(model.isUp(link)).toBe(true);
    expect(modem.sessions().map((s) => s.packetDataHandle)).toEqual(before.sessions);
    expect(addresses()).toEqual(before.addresses);

    const health = readHealthRecord(env.store, 'cdc-wdm0');
    expect(health?.driftRepairs).toMatchObject({ count: 2, byKind: { 'pass-through': 1, 'mode-switch': 1, 'restart-all': 0 }, last: { kind: 'mode-switch' } });
    stop.abort();
    await running;
    expect(model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
  });

  it('falls back to every PDN down and up when the steps are refused', async () => {
    const { env, modem, model, log } = rig();
    const notes: string[] = [];
    const stop = new AbortController();
    const running = runService(env, config, { signal: stop.signal, notify: (m) => notes.push(m), backoff: { initialMs: 20, maxMs: 100 }, driftCheckMs: 20, healthCheckMs: 0 });
    await until('READY=1', () => notes.includes('READY=1'));
    const wwan = model.get('wwan0');
    const sessions = modem.sessions().map((s) => s.packetDataHandle);
    model.fail({ match: /pass_through Y/, errno: 'EIO', times: 1 });
    model.setPassThrough(wwan, false);
    await until('the fallback logged', () => log.some((l) => /repair: restart-all: every PDN down and up/.test(l)));
    await until('up again with pass_through', () => wwan.qmi!.passThrough && modem.sessions().length === sessions.length && modem.sessions().every((s) => !sessions.includes(s.packetDataHandle)));
    expect(readHealthRecord(env.store, 'cdc-wdm0')?.driftRepairs?.byKind['restart-all']).toBe(1);
    stop.abort();
    await running;
  });

  it('looks on the parent\'s link events without waiting for the interval', async () => {
    const { env, model, log } = rig();
    let changed: ((name: string) => void) | undefined;
    env.watchLinks = (_deleted, onChanged) => {
      changed = onChanged ?? changed;
      return () => {};
    };
    const notes: string[] = [];
    const stop = new AbortController();
    const running = runService(env, config, { signal: stop.signal, notify: (m) => notes.push(m), backoff: { initialMs: 20, maxMs: 100 }, driftCheckMs: 0, healthCheckMs: 0 });
    await until('READY=1', () => notes.includes('READY=1'));
    const wwan = model.get('wwan0');
    model.setUp(wwan, false);
    model.setPassThrough(wwan, false);
    model.setUp(wwan, true);
    changed?.('rmnet_data9'); // another link: not looked at
    await new Promise((r) => setTimeout(r, 400));
    expect(wwan.qmi!.passThrough).toBe(false);
    changed?.('wwan0');
    await until('pass_through Y after the event', () => wwan.qmi!.passThrough);
    // The decision line follows the repair (after looking for ModemManager).
    await until('the decision logged', () => log.some((l) => /repair: pass-through/.test(l)));
    stop.abort();
    await running;
  });
});

describe('describeRepairs (status)', () => {
  it('says nothing before the first repair, then the count and the last one', async () => {
    const { countRepair, describeRepairs, initialRepairCounts } = await import('../../../src/session/drift-repair.js');
    expect(describeRepairs(undefined)).toBe('');
    expect(describeRepairs(initialRepairCounts())).toBe('');
    const drift = { backend: 'rmnet' as const, mode: { backend: 'rmnet' as const, differ: [{ attribute: 'pass_through' as const, now: false, want: true }] }, receiveShort: undefined };
    const counts = countRepair(initialRepairCounts(), { kind: 'pass-through', drift, steps: ['wwan0 pass_through=Y'], ms: 12 }, new Date('2026-12-04T02:00:00Z'));
    expect(describeRepairs(counts)).toBe('; kernel mode repaired 1 time (last: pass-through, pass_through is N, 12 ms, 2026-12-04T02:00:00.000Z)');
  });
});

describe('watchDrift', () => {
  it('says a failing look once until it changes (a parent gone with a USB reset fails every look)', async () => {
    const { watchDrift } = await import('../../../src/session/drift-repair.js');
    const { env, log } = rig();
    const watch = watchDrift(env, {
      intervalMs: 0,
      live: () => ({ parent: 'wwan9', pdns: [{ state: 'up', backend: 'rmnet' }], grantedDlSize: null }),
      exclusive: (work) => work(),
      restartAll: async () => {},
      onRepair: () => {},
    });
    for (let i = 0; i < 3; i++) await watch.check();
    watch.stop();
    expect(log.filter((l) => l.startsWith('kernel mode drift check on wwan9 failed'))).toHaveLength(1);
    expect(watch.counts().count).toBe(0);
  });
});
