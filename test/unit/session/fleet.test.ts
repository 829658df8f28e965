// session/fleet.ts: one supervisor per [modem] of the config, READY=1 only when every modem is ready, STATUS=
// joined per modem, each journal line naming its modem; the second modem here is absent (waited for).
import { afterEach, describe, expect, it } from 'vitest';
import { runFleet } from '../../../src/session/fleet.js';
import { parseFleetConfig } from '../../../src/session/config.js';
import { makeRig, type Rig } from './rig.js';
import { until } from './run-support.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));


describe('run over several modems', () => {
  it('runs each modem on its own: the present one comes up, the absent one is waited for, READY=1 waits for both', async () => {
    const r: Rig = makeRig();
    cleanups.push(() => r.cleanup());
    r.model.rmnetLoaded = true;
    const fleet = parseFleetConfig([
      '[modem]', 'name = lte', 'device = cdc-wdm0', 'proxy = no', '[pdn]', 'mux = 1', 'apn = internet',
      '[modem]', 'name = backup', 'device = cdc-wdm7', 'proxy = no', '[pdn]', 'mux = 1', 'apn = internet', 'metric = 200',
    ].join('\n'), 'router.conf');
    const notes: string[] = [];
    const stop = new AbortController();
    const running = runFleet(r.env, fleet, { signal: stop.signal, notify: (m) => notes.push(m), backoff: { initialMs: 10, maxMs: 50 }, healthCheckMs: 0, modemPollMs: 5 });
    const status = () => notes.filter((n) => n.startsWith('STATUS=')).at(-1) ?? '';
    await until('lte up and backup waiting', () => /^STATUS=lte: mux 1 up on \S+ \(unknown\); recovery idle; .*routes priority: mux 1 IPv4 active \| backup: waiting for the modem$/.test(status()));
    expect(notes).not.toContain('READY=1');
    expect(r.log.some((l) => /^lte: mux 1: up on /.test(l))).toBe(true);
    expect(r.log.some((l) => /^backup: waiting for the modem: /.test(l))).toBe(true);
    stop.abort();
    await running;
    expect(notes.filter((n) => n === 'STOPPING=1')).toHaveLength(1);
    expect(r.modem.sessions()).toEqual([]);
  });
});
