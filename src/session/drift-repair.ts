// `run`'s repair of kernel-mode drift: someone (ModemManager re-opening the port) wrote qmi_wwan's raw_ip or
// pass_through, or reset the parent's MTU, under live PDNs. What drifted is drift.ts's rule; what to do about
// it is the table below, the least disruptive step each case allows, from the kernel facts the lab measured
// on 6.1, 6.12 and 7.2 (docs/kernel.md, "Kernel mode written under live links", lab scenario kernel-drift):
//  - pass_through is a flag qmi_wwan's rx path reads per packet; its store has no running check (no EBUSY,
//    no MTU or receive-size change) and leaves rmnet's links alone: one write, the parent stays up;
//  - raw_ip only changes with the parent down (EBUSY), and its Y -> N resets the MTU to 1500 (ether_setup),
//    so the receive URB no longer covers the granted aggregate: the parent down, the mode and the receive
//    size as `up` sets them (the datapath planner, the owner of those orders), the parent up. The rmnet
//    links, their addresses and routes survive all of it;
//  - anything the steps cannot fix (a write refused, the drift still there afterwards): the caller's
//    fallback, the ladder's "every PDN down and up".
import type { Netlink } from '../netlink/rtnl.js';
import { bulkInMaxPacketSize } from '../sysfs/discovery.js';
import type { Sysfs } from '../sysfs/sysfs.js';
import { executeWithRollback, SystemDatapath } from '../datapath/execute.js';
import { describeAction, planDatapath, type ParentState, type Plan } from '../datapath/plan.js';
import { readParentState } from '../datapath/setup.js';
import { describeDrift, kernelModeDrift, likelyCulprit, type KernelModeDrift } from './drift.js';
import type { SessionEnv } from './env.js';
import { findModemManager } from './peers.js';
import type { PdnRecord } from './state.js';

export type RepairKind = 'pass-through' | 'mode-switch' | 'restart-all';

/** What is wrong with the parent, as the repair sees it: the mode (drift.ts) and the receive size. */
export interface ParentDrift {
  /** The live links' kind: what the parent must fit. */
  backend: 'rmnet' | 'qmimux';
  mode: KernelModeDrift | undefined;
  /** The raw-ip MTU (the receive URB follows it) is below the granted DL aggregate: transfers would be cut. */
  receiveShort: { mtu: number; granted: number } | undefined;
}

/** The live PDNs as the repair needs them: which backend, and the granted DL size of their data format. */
export interface LivePdns {
  parent: string;
  pdns: ReadonlyArray<Pick<PdnRecord, 'state' | 'backend'>>;
  /** The DL aggregation max size the modem granted; null without aggregation. */
  grantedDlSize: number | null;
}

/** Reads the parent and compares it with what the live PDNs need; undefined when nothing is wrong. */
export function findDrift(state: ParentState, live: LivePdns): ParentDrift | undefined {
  const backend = live.pdns.find((p) => p.state === 'up' && (p.backend === 'rmnet' || p.backend === 'qmimux'))?.backend;
  if (backend !== 'rmnet' && backend !== 'qmimux') return undefined; // no mux links: nothing on the parent to fit
  const mode = kernelModeDrift(state, live.pdns);
  // Only a raw-ip parent is judged on its MTU: in 802.3 the mode drift already says it all.
  const short = state.rawIp && live.grantedDlSize !== null && state.mtu < live.grantedDlSize;
  const receiveShort = short ? { mtu: state.mtu, granted: live.grantedDlSize! } : undefined;
  return mode || receiveShort ? { backend, mode, receiveShort } : undefined;
}

/** "pass_through is N", "MTU 1500 below the granted 16384-byte transfers", both joined. */
export function describeParentDrift(drift: ParentDrift): string {
  return [drift.mode && describeDrift(drift.mode), drift.receiveShort && `MTU ${drift.receiveShort.mtu} below the granted ${drift.receiveShort.granted}-byte transfers`]
    .filter(Boolean)
    .join(' and ');
}

interface Rule {
  kind: Exclude<RepairKind, 'restart-all'>;
  /** Whether this rule's step is enough for the drift. */
  applies(drift: ParentDrift, state: ParentState): boolean;
  why: string;
}

/** The least disruptive first. */
export const REPAIR_RULES: readonly Rule[] = [
  {
    kind: 'pass-through',
    applies: (d, s) => s.rawIp && !d.receiveShort && d.mode !== undefined && d.mode.differ.every((x) => x.attribute === 'pass_through'),
    why: 'qmi_wwan takes pass_through on a running parent and nothing else moves',
  },
  {
    kind: 'mode-switch',
    applies: () => true,
    why: 'raw_ip changes only with the parent down and its Y -> N reset the MTU: the mode and receive size as up sets them',
  },
];

export interface RepairPlan {
  kind: Exclude<RepairKind, 'restart-all'>;
  why: string;
  plan: Plan;
}

/** The steps for `drift` on `state`, by the first rule that applies. Pure; throws what the planner throws. */
export function planDriftRepair(state: ParentState, drift: ParentDrift, live: LivePdns, maxPacketSize: number): RepairPlan {
  const rule = REPAIR_RULES.find((r) => r.applies(drift, state))!;
  const { backend } = drift;
  if (rule.kind === 'pass-through') {
    const want = drift.mode!.differ[0]!.want;
    return {
      kind: rule.kind,
      why: rule.why,
      plan: { steps: [{ action: { op: 'set-pass-through', link: state.name, value: want }, undo: null, why: `${backend} ${want ? 'receives through' : 'needs the parent without'} the pass_through rx path` }], receiveSize: null, notes: [] },
    };
  }
  // The links stay on the parent through a mode switch (measured): the planner is asked as for a parent
  // without links, so that it orders the mode and the receive size exactly as `up` does, creating nothing.
  const plan = planDatapath({ ...state, links: [] }, { backend, grantedDlSize: live.grantedDlSize, maxPacketSize, create: [] });
  return { kind: rule.kind, why: rule.why, plan };
}

export interface RepairOutcome {
  kind: RepairKind;
  drift: ParentDrift;
  /** The steps as run (empty for restart-all). */
  steps: string[];
  ms: number;
  /** Why the steps were not enough (restart-all only). */
  failure?: string;
}

/**
 * Finds and repairs drift on the live PDNs' parent. Undefined when nothing is wrong. `restartAll` is the
 * fallback (the ladder's rung 2) when the planned steps fail or leave the drift in place.
 */
export async function repairDrift(sysfs: Sysfs, netlink: Netlink, live: LivePdns, restartAll: () => Promise<void>, log?: (line: string) => void): Promise<RepairOutcome | undefined> {
  const started = Date.now();
  const { state, qmiWwan } = await readParentState(sysfs, netlink, live.parent);
  if (!qmiWwan) return undefined; // mhi_net has no switches to drift
  const drift = findDrift(state, live);
  if (!drift) return undefined;
  let failure: string;
  try {
    const maxPacketSize = (await bulkInMaxPacketSize(sysfs, live.parent)).size;
    const repair = planDriftRepair(state, drift, live, maxPacketSize);
    await executeWithRollback(repair.plan, new SystemDatapath(sysfs, netlink), { log });
    const after = findDrift((await readParentState(sysfs, netlink, live.parent)).state, live);
    const steps = repair.plan.steps.filter((s) => s.action.op !== 'none').map((s) => describeAction(s.action));
    if (!after) return { kind: repair.kind, drift, steps, ms: Date.now() - started };
    failure = `still ${describeParentDrift(after)} after ${steps.join(', ')}`;
  } catch (error) {
    failure = (error as Error).message;
  }
  await restartAll();
  return { kind: 'restart-all', drift, steps: [], ms: Date.now() - started, failure };
}

/** The one decision line `run` logs for a repair. */
export function describeRepair(parent: string, outcome: RepairOutcome, culprit: string): string {
  const what = outcome.kind === 'restart-all'
    ? `every PDN down and up (${outcome.failure ?? 'the steps did not do'})`
    : `${outcome.steps.join(', ')}`;
  return `kernel mode drift on ${parent}: ${describeParentDrift(outcome.drift)}${culprit}; repair: ${outcome.kind}: ${what} (${outcome.ms} ms)`;
}

/** The repairs' tally for the health record (`status`), by kind. */
export interface RepairCounts {
  count: number;
  byKind: Record<RepairKind, number>;
  last: { at: string; kind: RepairKind; drift: string; ms: number } | null;
}

export const initialRepairCounts = (): RepairCounts => ({ count: 0, byKind: { 'pass-through': 0, 'mode-switch': 0, 'restart-all': 0 }, last: null });

export function countRepair(counts: RepairCounts, outcome: RepairOutcome, at: Date): RepairCounts {
  return {
    count: counts.count + 1,
    byKind: { ...counts.byKind, [outcome.kind]: counts.byKind[outcome.kind] + 1 },
    last: { at: at.toISOString(), kind: outcome.kind, drift: describeParentDrift(outcome.drift), ms: outcome.ms },
  };
}

// ---- the watch `run` keeps ------------------------------------------------------------------------------

/** What `live` reads of a PDN that is up (UpResult's fields). */
export interface LiveResult {
  parent: string;
  backend: PdnRecord['backend'];
  dataFormat: { aggregation: string; dlMaxSize: number | undefined };
}

/** The live PDNs of one parent, as the repair needs them; undefined when none is up. */
export function livePdns(results: readonly LiveResult[]): LivePdns | undefined {
  const first = results[0];
  if (!first) return undefined;
  const format = first.dataFormat;
  return {
    parent: first.parent,
    pdns: results.map((r) => ({ state: 'up' as const, backend: r.backend })),
    grantedDlSize: format.aggregation === 'none' ? null : (format.dlMaxSize ?? null),
  };
}

export interface DriftWatchOptions {
  /** How often to look (sysfs and one RTM_GETLINK); 0: only on the parent's link events. */
  intervalMs: number;
  /** The PDNs to protect now; undefined while there are none, or while the supervisor is busy with them. */
  live(): LivePdns | undefined;
  /** Runs the repair as the supervisor's one recovery at a time. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** The fallback: every PDN down and up (the ladder's rung 2). */
  restartAll(): Promise<void>;
  onRepair(counts: RepairCounts): void;
}

export interface DriftWatch {
  /** Looks now (tests, and the link events). */
  check(): Promise<void>;
  counts(): RepairCounts;
  stop(): void;
}

/** A burst of link events (down, type change, up) is one change: look once it is quiet for this long. */
const SETTLE_MS = 300;

export function watchDrift(env: Pick<SessionEnv, 'sysfs' | 'netlink' | 'procRoot' | 'log' | 'watchLinks'>, options: DriftWatchOptions): DriftWatch {
  let counts = initialRepairCounts();
  let checking = false;
  let stopped = false;
  let settle: NodeJS.Timeout | undefined;
  /** Said once until it changes: a parent gone with a USB reset fails every look until the reconnect. */
  let lastFailure: string | undefined;
  const check = async (): Promise<void> => {
    const live = options.live();
    if (stopped || checking || !live) return;
    checking = true;
    try {
      const outcome = await options.exclusive(() => repairDrift(env.sysfs, env.netlink, live, () => options.restartAll()));
      lastFailure = undefined;
      if (!outcome || stopped) return;
      const mm = (await findModemManager(env.procRoot).catch(() => undefined))?.pid;
      env.log(describeRepair(live.parent, outcome, likelyCulprit(mm)));
      counts = countRepair(counts, outcome, new Date());
      options.onRepair(counts);
    } catch (error) {
      const line = `kernel mode drift check on ${live.parent} failed: ${(error as Error).message}`;
      if (line !== lastFailure && !stopped) env.log(line);
      lastFailure = line;
    } finally {
      checking = false;
    }
  };
  const timer = options.intervalMs > 0 ? setInterval(() => void check(), options.intervalMs) : undefined;
  timer?.unref();
  // raw_ip's type change and the parent going down and up come as RTM_NEWLINK; a pass_through write alone
  // makes no event, which is what the interval is for.
  const unwatch = env.watchLinks?.(() => {}, (name) => {
    if (stopped || name !== options.live()?.parent) return;
    clearTimeout(settle);
    settle = setTimeout(() => void check(), SETTLE_MS);
  });
  return {
    check,
    counts: () => counts,
    stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(settle);
      unwatch?.();
    },
  };
}

/** `status`'s words for the tally: "; kernel mode repaired 2 times (last: mode-switch, raw_ip is N, 1867 ms)". */
export function describeRepairs(counts: RepairCounts | undefined): string {
  if (!counts || counts.count === 0 || !counts.last) return '';
  return `; kernel mode repaired ${counts.count} time${counts.count === 1 ? '' : 's'} (last: ${counts.last.kind}, ${counts.last.drift}, ${counts.last.ms} ms, ${counts.last.at})`;
}
