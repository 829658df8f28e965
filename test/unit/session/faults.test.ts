// The fault matrix (issue 10, docs/faults.md): every QMI request of `up` and of `down` fails in each of six
// ways in turn, and every kernel step of `up` is refused with EBUSY, EINVAL or ENODEV; after the failed
// command and after `down --all` on a fresh port the modem, the kernel and the state directory are checked.
// The cells' outcomes are written to docs/faults.md; this test holds the file to what it measures
// (RMNETCTL_WRITE_FAULTS=1 rewrites the table instead).
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { markdownTable, measuredSection } from '../../support/doc-table.js';
import { join } from 'node:path';
import { QmiDevice } from '../../../src/qmi/device.js';
import { RmnetError } from '../../../src/errors.js';
import { up } from '../../../src/session/up.js';
import { down } from '../../../src/session/down.js';
import type { PdnRequest } from '../../../src/session/request.js';
import { memoryTransport } from '../../modem/index.js';
import { faultTransport, QMI_FAULTS, type FaultPlan, type QmiFault } from '../../support/fault-transport.js';
import { makeRig, type Rig } from './rig.js';

const TIMEOUT_MS = 150;
const LATE_MS = 400;
const GRACE_MS = 700;
const request: PdnRequest = { muxId: 1, apn: 'internet', ipType: '4', auth: 'none', backend: 'auto', noIp: false, routeMetric: 100 };
const faults = Object.keys(QMI_FAULTS) as QmiFault[];
const KERNEL_ERRNOS = ['EBUSY', 'EINVAL', 'ENODEV'] as const;

/** The rig with `up`'s (or `down`'s) first port going through the fault transport; later ports are clean. */
function faultyRig(plan: FaultPlan | undefined, requests: string[], faultOn: 'first' | 'second' = 'first'): Rig {
  const rig = makeRig();
  let opened = 0;
  rig.env.openQmi = async (path, _viaProxy, timeoutMs) => {
    opened++;
    const faulty = (faultOn === 'first' && opened === 1) || (faultOn === 'second' && opened === 2);
    const transport = faulty ? faultTransport(rig.modem, path, plan, requests) : memoryTransport(rig.modem, path);
    return new QmiDevice(transport, { timeoutMs: timeoutMs ?? 2000, lateAllocationGraceMs: GRACE_MS });
  };
  return rig;
}

interface Snapshot {
  clients: number;
  sessions: number;
  links: number;
  addresses: number;
  routes: number;
  stateFiles: string[];
  mode: string;
}

async function snapshot(rig: Rig): Promise<Snapshot> {
  const wwan = rig.model.list().find((l) => l.name === 'wwan0')!;
  return {
    clients: rig.modem.clients().length,
    sessions: rig.modem.sessions().length,
    links: rig.model.list().filter((l) => l.kind === 'rmnet' || l.qmimuxParent !== null).length,
    addresses: rig.addresses().filter((a) => a.index !== wwan.index && a.index !== 1).length,
    routes: rig.routes().filter((r) => r.outputIndex !== wwan.index && r.outputIndex !== 1 && r.table === 254).length,
    stateFiles: readdirSync(rig.env.store.dir).sort(),
    mode: `raw_ip ${await rig.sysfs.read('class/net/wwan0/qmi/raw_ip')}, pass_through ${await rig.sysfs.read('class/net/wwan0/qmi/pass_through')}, mtu ${wwan.mtu}`,
  };
}

const settle = () => new Promise((r) => setTimeout(r, LATE_MS + 100)); // late answers have arrived

/** What the modem holds that the record does not know: client ids nobody can release. */
function unrecorded(rig: Rig): number {
  const record = rig.env.store.read('cdc-wdm0');
  const known = new Set([...(record?.pdns ?? []).flatMap((p) => p.clients.map((c) => `1:${c.clientId}`)), ...(record?.strayClients ?? []).map((s) => `${s.service === 'wda' ? 0x1a : 1}:${s.clientId}`)]);
  return rig.modem.clients().filter((c) => !known.has(`${c.service}:${c.clientId}`)).length;
}

interface Cell {
  command: 'up' | 'down';
  request: string;
  fault: string;
  outcome: string;
  afterCommand: string;
  afterDown: string;
  clean: boolean;
}

function describeState(s: Snapshot, strays: number): string {
  const parts = [
    s.clients ? `${s.clients} client id(s) held${strays ? `, ${strays} unrecorded` : ', recorded'}` : '',
    s.sessions ? `${s.sessions} session(s)` : '',
    s.links ? `${s.links} link(s)` : '',
    s.stateFiles.length ? 'record kept' : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'clean';
}

const outcomeOf = (error: unknown) => (error === undefined ? 'succeeds' : error instanceof RmnetError ? `fails: ${error.code}` : `throws ${String(error)}`);

async function runCell(command: 'up' | 'down', plan: FaultPlan | { kernel: string; at: number }, label: string): Promise<Cell> {
  const requests: string[] = [];
  const rig = faultyRig('fault' in plan ? plan : undefined, requests, command === 'up' ? 'first' : 'second');
  try {
    const before = await snapshot(rig);
    let error: unknown;
    if (command === 'down') await up(rig.env, request, { proxy: 'no', timeoutMs: TIMEOUT_MS });
    if ('kernel' in plan) rig.model.fail({ at: plan.at, errno: plan.kernel });
    try {
      if (command === 'up') await up(rig.env, request, { proxy: 'no', timeoutMs: TIMEOUT_MS });
      else await down(rig.env, { all: true, proxy: 'no' });
    } catch (e) {
      error = e;
    }
    await settle();
    const after = await snapshot(rig);
    const strays = unrecorded(rig);
    rig.model.clearFaults();
    await down(rig.env, { all: true, proxy: 'no' });
    await settle();
    const final = await snapshot(rig);
    const clean = final.clients === 0 && final.sessions === 0 && final.links === 0 && final.addresses === 0 && final.routes === 0 && final.stateFiles.length === 0 && final.mode === before.mode && strays === 0;
    return {
      command,
      request: label,
      fault: 'fault' in plan ? plan.fault : plan.kernel,
      outcome: outcomeOf(error),
      afterCommand: describeState(after, strays),
      afterDown: final.mode === before.mode ? describeState(final, unrecorded(rig)) : `${describeState(final, 0)}; kernel mode ${final.mode}, was ${before.mode}`,
      clean,
    };
  } finally {
    rig.cleanup();
  }
}

/** The requests a clean `up` (or `down` after one) sends, in order. */
async function requestsOf(command: 'up' | 'down'): Promise<string[]> {
  const requests: string[] = [];
  const rig = faultyRig(undefined, requests, command === 'up' ? 'first' : 'second');
  try {
    await up(rig.env, request, { proxy: 'no' });
    if (command === 'down') await down(rig.env, { all: true, proxy: 'no' });
    return requests;
  } finally {
    rig.cleanup();
  }
}

/** How many kernel steps a clean `up` makes (each is refused in turn). */
async function kernelStepsOfUp(): Promise<string[]> {
  const rig = makeRig();
  try {
    const from = rig.model.log.length;
    await up(rig.env, request, { proxy: 'no' });
    return rig.model.log.slice(from).map((s) => s.what);
  } finally {
    rig.cleanup();
  }
}

function table(cells: Cell[]): string {
  return markdownTable(['command', 'request / step', 'fault', 'outcome', 'after the command', 'after `down --all`'], cells.map((c) => [c.command, c.request, c.fault, c.outcome, c.afterCommand, c.afterDown]));
}

const DOC = join(import.meta.dirname, '../../../docs/faults.md');
const BEGIN = '<!-- fault matrix: generated by test/unit/session/faults.test.ts -->';
const END = '<!-- end of fault matrix -->';

describe('the fault matrix', () => {
  it('every cell: after `down --all` nothing is left on the modem, the kernel or in /run/rmnetctl, and docs/faults.md says so', async () => {
    const cells: Cell[] = [];
    const upRequests = await requestsOf('up');
    expect(upRequests.length).toBeGreaterThanOrEqual(7);
    for (const [at, label] of upRequests.entries()) {
      const row = await Promise.all(faults.map((fault) => runCell('up', { at, fault, lateMs: LATE_MS }, `${at + 1}. ${label}`)));
      cells.push(...row);
    }
    const downRequests = await requestsOf('down'); // only the second port (down's) goes through the fault transport
    expect(downRequests.length).toBeGreaterThanOrEqual(2);
    for (const [at, label] of downRequests.entries()) {
      cells.push(...(await Promise.all(faults.map((fault) => runCell('down', { at, fault, lateMs: LATE_MS }, `${at + 1}. ${label}`)))));
    }
    const steps = await kernelStepsOfUp();
    for (const [index, what] of steps.entries()) {
      cells.push(...(await Promise.all(KERNEL_ERRNOS.map((errno) => runCell('up', { kernel: errno, at: index + 1 }, `kernel ${index + 1}. ${what}`)))));
    }
    const text = table(cells);
    expect(measuredSection(DOC, BEGIN, END, text), 'docs/faults.md is not what the matrix measures (RMNETCTL_WRITE_FAULTS=1 rewrites it)').toBe(text);
    // Every cell is clean, the Allocate CID whose answer is lost included: nobody else uses the rig's modem,
    // so `up` frees that client id with a CTL Sync before it exits (session/lost-allocations.ts).
    expect(cells.filter((c) => !c.clean).map((c) => `${c.command} ${c.request} ${c.fault}`)).toEqual([]);
    const lostCells = cells.filter((c) => /CTL Allocate CID/.test(c.request) && c.fault === 'answer-lost');
    expect(lostCells.length).toBe(2);
    for (const cell of lostCells) expect(cell.afterCommand).toBe('clean');
  }, 240_000);
});

/** A rig whose first `up` loses the answer to the Allocate CID at request `at`; later ports are clean. */
async function lostAllocationUp(rig: Rig, at: number, proxy: 'yes' | 'no' = 'no'): Promise<unknown> {
  let opened = 0;
  const requests: string[] = [];
  rig.env.openQmi = async (path, _viaProxy, timeoutMs) => {
    opened++;
    const transport = opened === 1 ? faultTransport(rig.modem, path, { at, fault: 'answer-lost', lateMs: LATE_MS }, requests) : memoryTransport(rig.modem, path);
    return new QmiDevice(transport, { timeoutMs: timeoutMs ?? 2000, lateAllocationGraceMs: GRACE_MS });
  };
  return up(rig.env, request, { proxy, timeoutMs: TIMEOUT_MS }).then(() => undefined, (error: unknown) => error);
}

describe('a client id whose Allocate CID answer was lost', () => {
  it('is not freed while another process holds the port: recorded with the reason, freed by the `down` after it let go', async () => {
    const rig = makeRig();
    try {
      rig.proc.add(4242, 'qmicli', ['/dev/cdc-wdm0']);
      const error = await lostAllocationUp(rig, 0);
      expect((error as RmnetError).code).toBe('QMI_TIMEOUT');
      expect(rig.modem.clients()).toHaveLength(1); // the WDA client nobody learned
      const record = rig.env.store.read('cdc-wdm0');
      expect(record?.lostAllocations).toEqual([expect.objectContaining({ service: 'wda', reason: expect.stringContaining('qmicli (pid 4242) has /dev/cdc-wdm0 open') })]);
      expect(rig.log.some((l) => /CTL Sync sent/.test(l))).toBe(false);

      const kept = await down(rig.env, { all: true, proxy: 'no' });
      expect(kept.freedLost).toEqual([]);
      expect(kept.stillLost).toEqual([expect.objectContaining({ service: 'wda' })]);
      expect(rig.modem.clients()).toHaveLength(1);
      expect(rig.env.store.read('cdc-wdm0')?.lostAllocations).toHaveLength(1);

      rig.proc.remove(4242);
      const freed = await down(rig.env, { all: true, proxy: 'no' });
      expect(freed.freedLost).toEqual(['wda']);
      expect(freed.stillLost).toEqual([]);
      expect(rig.modem.clients()).toEqual([]);
      expect(readdirSync(rig.env.store.dir)).toEqual([]);
    } finally {
      rig.cleanup();
    }
  }, 20_000);

  it('is never freed through qmi-proxy, nor while ModemManager runs: a CTL Sync would drop their clients', async () => {
    for (const setting of ['proxy', 'modemmanager'] as const) {
      const rig = makeRig();
      try {
        if (setting === 'modemmanager') rig.proc.add(77, 'ModemManager');
        const error = await lostAllocationUp(rig, 0, setting === 'proxy' ? 'yes' : 'no');
        expect((error as RmnetError).code).toBe('QMI_TIMEOUT');
        const reason = setting === 'proxy' ? /shared through qmi-proxy/ : /ModemManager runs \(pid 77\)/;
        expect(rig.env.store.read('cdc-wdm0')?.lostAllocations?.[0]?.reason).toMatch(reason);
        const kept = await down(rig.env, { all: true, proxy: setting === 'proxy' ? 'yes' : 'no' });
        expect(kept.stillLost[0]?.reason).toMatch(reason);
        expect(rig.log.some((l) => /CTL Sync sent/.test(l))).toBe(false);
        expect(rig.modem.clients()).toHaveLength(1);
      } finally {
        rig.cleanup();
      }
    }
  }, 30_000);

  it('is not freed while another PDN of rmnetctl is up on the modem (the Sync would end its session)', async () => {
    const rig = makeRig();
    try {
      await up(rig.env, { ...request, muxId: 2, routeMetric: 101 }, { proxy: 'no' });
      const sessionsBefore = rig.modem.sessions().length;
      const sent = await requestsBesideMux2();
      const at = sent.lastIndexOf('CTL Allocate CID'); // the WDS client (WDA's comes first)
      expect(at).toBeGreaterThanOrEqual(0);
      const error = await lostAllocationUp(rig, at);
      expect(error).toBeInstanceOf(RmnetError);
      expect(rig.modem.sessions().length).toBe(sessionsBefore);
      expect(rig.env.store.read('cdc-wdm0')?.lostAllocations?.[0]?.reason).toMatch(/rmnetctl still has PDNs/);
      // `down --all` ends mux 2 first, then nothing of ours is left: the lost client id goes too.
      const result = await down(rig.env, { all: true, proxy: 'no' });
      expect(result.freedLost).toEqual(['wds']);
      expect(rig.modem.clients()).toEqual([]);
      expect(rig.modem.sessions()).toEqual([]);
    } finally {
      rig.cleanup();
    }
  }, 20_000);
});

/** The requests of `up --mux 1` while mux 2 is already up (the data format is live: fewer requests). */
async function requestsBesideMux2(): Promise<string[]> {
  const rig = makeRig();
  try {
    await up(rig.env, { ...request, muxId: 2, routeMetric: 101 }, { proxy: 'no' });
    const requests: string[] = [];
    rig.env.openQmi = async (path, _viaProxy, timeoutMs) => new QmiDevice(faultTransport(rig.modem, path, undefined, requests), { timeoutMs: timeoutMs ?? 2000 });
    await up(rig.env, request, { proxy: 'no' });
    return requests;
  } finally {
    rig.cleanup();
  }
}
