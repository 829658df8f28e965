// The fault matrix of `rmnetctl run`'s recovery (issue 10, docs/faults.md "The supervisor's recovery"):
// every QMI request the supervisor sends to reconnect a PDN the network dropped, and the two DMS Set
// Operating Mode requests of the reset rung, fail in each of the six ways in turn. Each cell checks that the
// supervisor brings the PDN back (a new session, its link), that the modem holds no client id nobody
// recorded while it runs, that the modem is online again, and that stopping it and then `down --all` leave
// nothing. The table is written to docs/faults.md (RMNETCTL_WRITE_FAULTS=1 rewrites it); the test fails when
// the file says otherwise.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { markdownTable, measuredSection } from '../../support/doc-table.js';
import { join } from 'node:path';
import { QmiDevice } from '../../../src/qmi/device.js';
import { serviceName } from '../../../src/qmi/enums.js';
import { runService, type SupervisorOptions } from '../../../src/session/supervisor.js';
import { parseConfig } from '../../../src/session/config.js';
import { down } from '../../../src/session/down.js';
import type { Prober } from '../../../src/health/probe.js';
import { faultTransport, QMI_FAULTS, type FaultPlan, type QmiFault } from '../../support/fault-transport.js';
import { makeRig, type Rig } from './rig.js';

const TIMEOUT_MS = 150;
const LATE_MS = 400;
const RECOVERY_MS = 10_000;
const SECOND_MS = 15;
const faults = Object.keys(QMI_FAULTS) as QmiFault[];

type Recovery = 'reconnect' | 'reset-rung';

const configs: Record<Recovery, string> = {
  // timeout bounds Start Network too: a swallowed one is retried after 0.2 s, not 120 s.
  reconnect: '[modem]\nproxy = no\ntimeout = 200\n[pdn]\nmux = 1\napn = internet\n',
  // A probe that always fails and one bad interval per rung: the ladder climbs to the reset quickly.
  'reset-rung': '[modem]\nproxy = no\n[health]\nprobe-interval = 1\nunhealthy-after = 1\nprobe = 192.0.2.1\n[pdn]\nmux = 1\napn = internet\n',
};

const failingProber: Prober = { probe: async () => false };

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** A supervisor on the rig whose ports go through the fault transport; `plan.at` arms the fault later. */
function startSupervisor(rig: Rig, recovery: Recovery, plan: FaultPlan, requests: string[]) {
  rig.model.rmnetLoaded = true;
  let opened = 0;
  rig.env.openQmi = async (path, _viaProxy, timeoutMs) => {
    opened++;
    // Only the first port carries the fault: after a lost port the supervisor opens a clean one.
    const transport = faultTransport(rig.modem, path, opened === 1 ? plan : undefined, opened === 1 ? requests : []);
    return new QmiDevice(transport, { timeoutMs: timeoutMs ?? TIMEOUT_MS, lateAllocationGraceMs: 700 });
  };
  const notes: string[] = [];
  const stop = new AbortController();
  const options: SupervisorOptions = {
    signal: stop.signal,
    notify: (m) => notes.push(m),
    backoff: { initialMs: 10, maxMs: 100 },
    healthCheckMs: 0,
    modemPollMs: 5,
    resetSettleMs: 0,
    secondMs: SECOND_MS,
    giveUpRetryMs: 60_000,
    ...(recovery === 'reset-rung' ? { prober: failingProber } : {}),
  };
  const running = runService(rig.env, parseConfig(configs[recovery], 'test.conf'), options);
  return {
    notes,
    async stop() {
      stop.abort();
      await running;
    },
  };
}

const handleOf = (rig: Rig) => rig.modem.sessions().find((s) => s.muxId === 1)?.packetDataHandle;
const IFF_UP = 0x1;
const linkUp = (rig: Rig) => rig.model.list().some((l) => l.kind === 'rmnet' && l.muxId === 1 && (l.flags & IFF_UP) !== 0);

/** Client ids the modem holds that neither the record nor the supervisor's port knows. */
function unrecorded(rig: Rig): number {
  const record = rig.env.store.read('cdc-wdm0');
  const known = new Set([...(record?.pdns ?? []).flatMap((p) => p.clients.map((c) => `wds:${c.clientId}`)), ...(record?.strayClients ?? []).map((s) => `${s.service}:${s.clientId}`)]);
  return rig.modem.clients().filter((c) => !known.has(`${serviceName(c.service)}:${c.clientId}`)).length;
}

function leftOver(rig: Rig): string {
  const parts = [
    rig.modem.clients().length ? `${rig.modem.clients().length} client id(s)` : '',
    rig.modem.sessions().length ? `${rig.modem.sessions().length} session(s)` : '',
    rig.model.list().filter((l) => l.kind === 'rmnet').length ? 'link(s)' : '',
    readdirSync(rig.env.store.dir).length ? 'state files' : '',
    rig.modem.radio.state().operatingMode !== 'online' ? `modem ${rig.modem.radio.state().operatingMode}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'clean';
}

/** Starts recovery of the given kind on a supervisor that is up; resolves once the recovery began. */
async function trigger(rig: Rig, recovery: Recovery): Promise<void> {
  if (recovery === 'reconnect') rig.modem.dropSession(1);
  // reset-rung: the failing probe climbs the ladder on its own.
}

interface Cell {
  recovery: Recovery;
  request: string;
  fault: string;
  outcome: string;
  whileRunning: string;
  afterStop: string;
  afterDown: string;
  clean: boolean;
}

/** The requests a clean recovery sends, from the moment it is triggered until the PDN is back. */
async function requestsOf(recovery: Recovery): Promise<{ labels: string[] }> {
  const rig = makeRig();
  const requests: string[] = [];
  const supervisor = startSupervisor(rig, recovery, { at: -1, fault: 'swallowed', lateMs: LATE_MS }, requests);
  try {
    expect(await until(() => supervisor.notes.includes('READY=1'), RECOVERY_MS)).toBe(true);
    const from = requests.length;
    const before = handleOf(rig);
    const resetsBefore = rig.modem.resets;
    await trigger(rig, recovery);
    const done = recovery === 'reconnect' ? () => handleOf(rig) !== undefined && handleOf(rig) !== before && linkUp(rig) : () => rig.modem.resets > resetsBefore;
    expect(await until(done, RECOVERY_MS)).toBe(true);
    const labels = requests.slice(from);
    // The reset rung: only its own requests (Set Operating Mode), not the session restarts before it.
    return { labels: recovery === 'reconnect' ? labels : labels.filter((l) => l === 'DMS Set Operating Mode') };
  } finally {
    await supervisor.stop();
    rig.cleanup();
  }
}

async function runCell(recovery: Recovery, index: number, label: string, fault: QmiFault): Promise<Cell> {
  const rig = makeRig();
  const requests: string[] = [];
  const plan: FaultPlan = { at: -1, fault, lateMs: LATE_MS };
  const supervisor = startSupervisor(rig, recovery, plan, requests);
  let outcome: string;
  let whileRunning: string;
  try {
    if (!(await until(() => supervisor.notes.includes('READY=1'), RECOVERY_MS))) throw new Error('the supervisor never got ready');
    const before = handleOf(rig);
    // reconnect: the index-th request from now; reset-rung: the index-th Set Operating Mode from now.
    if (recovery === 'reconnect') plan.at = requests.length + index;
    else Object.assign(plan, { only: 'DMS Set Operating Mode', at: index });
    await trigger(rig, recovery);
    // Back means: a new session on mux 1 (after a reset: one after the reset) and its link up, and for the
    // reset rung the modem reset once the fault let it.
    // The reset rung is over once the ladder climbed on to rung 4 (one rung at a time; the probe keeps failing).
    const back = () => {
      const handle = handleOf(rig);
      const fresh = recovery === 'reconnect' ? handle !== undefined && handle !== before : handle !== undefined && rig.log.some((l) => / recovery rung 4 /.test(l));
      return fresh && linkUp(rig) && rig.modem.radio.state().operatingMode === 'online';
    };
    const recovered = await until(back, RECOVERY_MS);
    outcome = recovered ? 'recovers' : `not recovered in ${RECOVERY_MS / 1000} s`;
    if (recovered && recovery === 'reset-rung') {
      const failedLine = rig.log.find((l) => l.includes('recovery rung 3 (reset-modem) failed'));
      const code = failedLine ? (/QMI error (\w+)|(got no answer)|(timed out|no answer)|(closed)/.exec(failedLine)?.slice(1).find(Boolean) ?? 'error') : undefined;
      outcome += failedLine ? `; rung 3 reported failed (${code})` : '; taken as restarting';
      if (rig.log.some((l) => l.includes('still offline after the reset rung'))) outcome += '; found offline, put back online';
    }
    await new Promise((r) => setTimeout(r, LATE_MS + 100)); // late answers have arrived and been released
    const stray = unrecorded(rig);
    whileRunning = stray ? `${stray} client id(s) unrecorded` : 'clean';
    if (process.env.SHOW_CELL === `${recovery} ${index + 1} ${fault}`) console.log(`${rig.log.join('\n')}\n${requests.join('\n')}`);
  } finally {
    await supervisor.stop();
  }
  try {
    const afterStop = leftOver(rig);
    await down(rig.env, { all: true, proxy: 'no' });
    const afterDown = leftOver(rig);
    return { recovery, request: label, fault, outcome, whileRunning, afterStop, afterDown, clean: outcome.startsWith('recovers') && whileRunning === 'clean' && afterStop === 'clean' && afterDown === 'clean' };
  } finally {
    rig.cleanup();
  }
}

function table(cells: Cell[]): string {
  return markdownTable(['recovery', 'request', 'fault', 'outcome', 'while it runs', 'after the stop', 'after `down --all`'], cells.map((c) => [c.recovery, c.request, c.fault, c.outcome, c.whileRunning, c.afterStop, c.afterDown]));
}

const DOC = join(import.meta.dirname, '../../../docs/faults.md');
const BEGIN = '<!-- supervisor fault matrix: generated by test/unit/session/supervisor-faults.test.ts -->';
const END = '<!-- end of supervisor fault matrix -->';

describe("the supervisor's recovery under faults", () => {
  it('every cell: the PDN comes back, nothing unrecorded on the modem, and the stop and `down --all` leave nothing; docs/faults.md says so', async () => {
    const cells: Cell[] = [];
    const only = process.env.SHOW_CELL?.split(' ');
    for (const recovery of ['reconnect', 'reset-rung'] as const) {
      const { labels } = await requestsOf(recovery);
      if (only) {
        if (only[0] === recovery) await runCell(recovery, Number(only[1]) - 1, labels[Number(only[1]) - 1]!, only[2] as QmiFault);
        continue;
      }
      expect(labels.length).toBeGreaterThanOrEqual(recovery === 'reconnect' ? 4 : 2);
      for (const [index, label] of labels.entries()) {
        cells.push(...(await Promise.all(faults.map((fault) => runCell(recovery, index, `${index + 1}. ${label}`, fault)))));
      }
    }
    if (only) return; // a debugging run of one cell (SHOW_CELL="reconnect 5 port-lost")
    const text = table(cells);
    expect(measuredSection(DOC, BEGIN, END, text), 'docs/faults.md is not what the matrix measures (RMNETCTL_WRITE_FAULTS=1 rewrites it)').toBe(text);
    expect(cells.filter((c) => !c.clean).map((c) => `${c.recovery} ${c.request} ${c.fault}: ${c.outcome}; ${c.whileRunning}; ${c.afterStop}; ${c.afterDown}`)).toEqual([]);
  }, 600_000);
});
