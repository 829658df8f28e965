// `rmnetctl run` on the emulated modem and the test kernel model: readiness, reconnect after the network drops a session, recovery from a
// modem reset, and a clean stop.
import { afterEach, describe, expect, it } from 'vitest';
import { runService } from '../../../src/session/supervisor.js';
import { parseConfig } from '../../../src/session/config.js';
import { existsSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import type { Sysfs } from '../../../src/sysfs/sysfs.js';
import { fixtureKernel } from '../../support/kernel/index.js';
import { makeRig, type Rig } from './rig.js';
import { runRig, until } from './run-support.js';
import { EmulatedModem } from '../../modem/index.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const rig = (): Rig => runRig(cleanups);

const config = parseConfig('[modem]\nproxy = no\n[pdn]\nmux = 1\napn = internet\nip-type = 4v6\nmetric = 100\n[pdn]\nmux = 2\napn = ims\nip-type = 6\n', 'test.conf');

describe('run (supervisor)', () => {
  it('reports READY=1 once every PDN is up, reconnects a dropped session, survives a modem reset, and stops clean', async () => {
    const { env, modem, model, log } = rig();
    const notes: string[] = [];
    const stop = new AbortController();
    const running = runService(env, config, { signal: stop.signal, notify: (m) => notes.push(m), backoff: { initialMs: 20, maxMs: 100 } });

    await until('READY=1', () => notes.includes('READY=1'));
    expect(modem.sessions().map((s) => `${s.muxId}/${s.ipFamily}/${s.apn}`).sort()).toEqual(['1/4/internet', '1/6/internet', '2/6/ims']);

    const before = modem.sessions().find((s) => s.muxId === 2)!.packetDataHandle;
    modem.dropSession(2);
    await until('mux 2 back up', () => modem.sessions().some((s) => s.muxId === 2 && s.packetDataHandle !== before));
    expect(log.join('\n')).toMatch(/mux 2: the network ended the IPv6 session/);

    modem.reset();
    await until('all back after the reset', () => modem.sessions().length === 3 && log.some((l) => /every session is gone/.test(l)));
    await until('links back', () => model.list().filter((l) => l.kind === 'rmnet').length === 2);

    stop.abort();
    await running;
    expect(notes).toContain('STOPPING=1');
    expect(modem.sessions()).toEqual([]);
    expect(modem.clients()).toEqual([]);
    expect(model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
    expect(existsSync(env.store.path('cdc-wdm0'))).toBe(false);
  });

  it('finds a session lost without an indication by asking the modem, and reconnects it', async () => {
    const { env, modem, log } = rig();
    const notes: string[] = [];
    const stop = new AbortController();
    const running = runService(env, config, { signal: stop.signal, notify: (m) => notes.push(m), backoff: { initialMs: 20, maxMs: 100 }, healthCheckMs: 30 });
    await until('READY=1', () => notes.includes('READY=1'));
    const before = modem.sessions().find((s) => s.muxId === 1 && s.ipFamily === 4)!.packetDataHandle;
    modem.dropSession(1, 3, { indicate: false });
    await until('mux 1 back up', () => modem.sessions().filter((s) => s.muxId === 1).length === 2 && modem.sessions().every((s) => s.packetDataHandle !== before));
    expect(log.join('\n')).toMatch(/mux 1: the modem reports IPv[46] disconnected; reconnecting/);
    stop.abort();
    await running;
    expect(modem.clients()).toEqual([]);
  });

  // Issue 10: firmware that refuses Get Packet Service Status made every health check "find" a lost session.
  it('leaves firmware that refuses the health check question to its indications, still reconnecting on one', async () => {
    const made = makeRig('rawip', EmulatedModem.withFirmware('refuses-optional'));
    cleanups.push(() => made.cleanup());
    made.model.rmnetLoaded = true;
    const { env, modem, log } = made;
    const notes: string[] = [];
    const stop = new AbortController();
    const running = runService(env, config, { signal: stop.signal, notify: (m) => notes.push(m), backoff: { initialMs: 20, maxMs: 100 }, healthCheckMs: 20 });
    await until('READY=1', () => notes.includes('READY=1'));
    const handles = modem.sessions().map((s) => s.packetDataHandle).sort();
    await until('the refused health check', () => log.some((l) => l.includes('does not report session states')));
    await new Promise((r) => setTimeout(r, 150)); // several health check periods
    expect(log.filter((l) => l.includes('does not report session states'))).toEqual([
      'the modem does not report session states (WDS Get Packet Service Status: QMI error InvalidQmiCommand (71)): relying on its indications',
    ]);
    expect(log.join('\n')).not.toMatch(/reconnecting/);
    expect(modem.sessions().map((s) => s.packetDataHandle).sort()).toEqual(handles);
    modem.dropSession(2);
    await until('mux 2 back up after the indication', () => modem.sessions().some((s) => s.muxId === 2 && !handles.includes(s.packetDataHandle)));
    stop.abort();
    await running;
    expect(modem.clients()).toEqual([]);
  });

  it('waits for the modem to appear, and stops while waiting', async () => {
    const { env, log } = rig();
    const missing = { ...env, sysfs: fixtureKernel('802.3').sysfs };
    const waiting = parseConfig('[modem]\ndevice = /dev/cdc-wdm7\n[pdn]\nmux = 1\napn = internet\n', 'test.conf');
    const stop = new AbortController();
    const notes: string[] = [];
    const running = runService(missing, waiting, { signal: stop.signal, notify: (m) => notes.push(m), modemPollMs: 10 });
    await until('the wait', () => notes.includes('STATUS=waiting for the modem'));
    stop.abort();
    await running;
    expect(log.join('\n')).toContain('waiting for the modem: no modem matches "/dev/cdc-wdm7"');
    expect(notes).not.toContain('READY=1');
  });

  // Issue 10: waiting for the modem added an abort listener per poll and never removed it.
  it('waits for an absent modem without adding a listener per poll (1000 polls)', async () => {
    const { env } = rig();
    let polls = 0;
    const list = env.sysfs.list.bind(env.sysfs);
    const real = env.sysfs;
    const sysfs: Sysfs = { root: real.root, read: (p) => real.read(p), write: (p, v) => real.write(p, v), readlink: (p) => real.readlink(p), list: async (p) => (p.startsWith('class/usbmisc') ? (polls++, []) : list(p)) };
    const absent = { ...env, sysfs };
    const stop = new AbortController();
    const running = runService(absent, config, { signal: stop.signal, notify: () => {}, modemPollMs: 0 });
    await until('1000 polls', () => polls >= 1000, 20_000);
    expect(getEventListeners(stop.signal, 'abort').length).toBeLessThanOrEqual(2);
    stop.abort();
    await running;
  });
});
