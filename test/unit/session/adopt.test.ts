// `rmnetctl run` started while its PDNs are already up (a supervisor killed and restarted: the record in the
// state directory, the links, the sessions the modem holds for their client ids): it adopts them. Nothing
// is torn down and no Start Network goes on the wire; a session the modem dropped meanwhile is redialled.
import { afterEach, describe, expect, it } from 'vitest';
import { runService } from '../../../src/session/supervisor.js';
import { parseConfig } from '../../../src/session/config.js';
import { upMany } from '../../../src/session/up.js';
import { QmiService } from '../../../src/qmi/enums.js';
import { makeRig, type Rig } from './rig.js';
import { until } from './run-support.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));


const config = parseConfig(['[modem]', 'proxy = no', '[pdn]', 'mux = 1', 'apn = internet', '[pdn]', 'mux = 2', 'apn = ims'].join('\n'), 'test.conf');
/** WDS Start Network (0x0020) requests the modem received. */
const startNetworks = (r: Rig) => r.modem.received.filter((f) => f.service === QmiService.WDS && f.messageId === 0x0020).length;
const links = (r: Rig) => r.model.list().filter((l) => l.kind === 'rmnet').map((l) => `${l.name}#${l.index}`).sort();

/** What a killed supervisor leaves: its PDNs brought up, the port closed keeping the client ids. */
async function leftByAKilledRun(): Promise<Rig> {
  const r = makeRig();
  cleanups.push(() => r.cleanup());
  r.model.rmnetLoaded = true;
  const outcomes = await upMany(r.env, config.pdns, { selector: config.modem.device, proxy: 'no' });
  expect(outcomes.every((o) => !(o instanceof Error))).toBe(true);
  return r;
}

function start(r: Rig, healthCheckMs = 0) {
  const notes: string[] = [];
  const stop = new AbortController();
  const running = runService(r.env, config, { signal: stop.signal, notify: (m) => notes.push(m), backoff: { initialMs: 10, maxMs: 50 }, healthCheckMs, modemPollMs: 5 });
  return { notes, stop: async () => (stop.abort(), await running) };
}

describe('run: adoption on restart', () => {
  it('adopts the sessions and links an earlier run left up: no new Start Network, the same links, READY=1', async () => {
    const r = await leftByAKilledRun();
    const before = { starts: startNetworks(r), links: links(r), handles: r.modem.sessions().map((s) => s.packetDataHandle).sort() };
    expect(before.starts).toBe(2);
    const run = start(r, 40);
    await until('READY=1', () => run.notes.includes('READY=1'));
    await new Promise((res) => setTimeout(res, 100)); // the adoption's own check of each session, and two periodic ones
    expect(startNetworks(r)).toBe(before.starts);
    expect(links(r)).toEqual(before.links);
    expect(r.modem.sessions().map((s) => s.packetDataHandle).sort()).toEqual(before.handles);
    expect(r.log.filter((l) => /^mux \d: adopted the PDN an earlier run left up on \S+ \(client \d+ IPv4\)$/.test(l))).toHaveLength(2);
    expect(r.log.join('\n')).not.toMatch(/reconnecting/);
    // The adopted sessions are watched on their own client ids: a drop is found by the periodic check (the
    // emulated modem, like qmi-proxy, sends a client's indications to the connection that allocated it, gone here).
    r.modem.dropSession(1);
    await until('mux 1 redialled', () => startNetworks(r) === before.starts + 1 && r.modem.sessions().length === 2);
    await run.stop();
    expect(r.modem.sessions()).toEqual([]);
  });

  it('redials at once a session the modem dropped while no supervisor watched, and only that one', async () => {
    const r = await leftByAKilledRun();
    const starts = startNetworks(r);
    r.modem.dropSession(2, 3, { indicate: false });
    const run = start(r);
    await until('mux 2 redialled', () => startNetworks(r) === starts + 1 && r.modem.sessions().some((s) => s.muxId === 2));
    expect(r.log.join('\n')).toMatch(/mux 2: the adopted IPv4 session is disconnected; reconnecting/);
    expect(r.log.join('\n')).not.toMatch(/mux 1: the adopted/);
    await new Promise((res) => setTimeout(res, 50));
    expect(startNetworks(r)).toBe(starts + 1);
    await run.stop();
  });
});
