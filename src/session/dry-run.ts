// `up --dry-run`: what `up` would do, asking nothing of the modem and changing nothing. The modem's grant
// cannot be known without asking, so the kernel plan assumes the first usable rung is granted the DL size it
// asks (the modem may clamp it: `up` then plans for the smaller grant). Same owners as `up`: admission,
// the ladder, the planner; nothing here decides anything of its own.
import { readMuxMap } from '../datapath/mux.js';
import { planSetUp } from '../datapath/setup.js';
import { rmnetFlagsFor } from '../datapath/rmnet.js';
import { describeAction } from '../datapath/plan.js';
import { candidateRungs } from '../wda/ladder.js';
import { askedDlSize } from '../wda/negotiation.js';
import { takenDefaultRoutes } from './default-routes.js';
import type { ProxyChoice, SessionEnv } from './env.js';
import { useProxy } from './env.js';
import type { PdnRequest } from './request.js';
import { devicePath, modemKey, selectModem } from './select.js';
import { recordedRung } from './state.js';
import { admit, checkRequests } from './up-admit.js';

export interface DryRun {
  modem: string;
  parent: string;
  via: 'char-device' | 'qmi-proxy';
  /** Already up as asked: `up` would change nothing. */
  alreadyUp: boolean;
  /** The ladder rungs `up` would try, in order, and the ones ruled out with their reasons. */
  rungs: string[];
  skipped: Array<{ rung: string; reason: string }>;
  /** What the first rung asks of the modem. */
  asks: { rung: string; dlMaxDatagrams: number | null; dlMaxSize: number | null } | null;
  /** The kernel steps, assuming the modem grants what is asked. */
  steps: Array<{ action: string; why: string }>;
  notes: string[];
}

export async function dryRunUp(env: SessionEnv, request: PdnRequest, options: { selector?: string | undefined; proxy: ProxyChoice }): Promise<DryRun> {
  const secrets = checkRequests([request]);
  const modem = await selectModem(env, options.selector, options.proxy);
  const parent = modem.netInterface!;
  const key = modemKey(modem);
  const record = env.store.read(key) ?? { version: 1 as const, device: devicePath(modem), netInterface: parent, pdns: [] };
  const kernelLinks = await readMuxMap(env.sysfs, env.netlink, parent);
  const { outcomes } = admit([request], { record, kernelLinks, defaultRoutes: await takenDefaultRoutes(env, [request]), secrets, key, parent });
  const via = (await useProxy(env, options.proxy)) ? 'qmi-proxy' : 'char-device';
  const base = { modem: devicePath(modem), parent, via, rungs: [], skipped: [], asks: null, steps: [], notes: [] } as const;
  const settled = outcomes[0];
  if (settled instanceof Error) throw settled;
  if (settled) return { ...base, rungs: [], skipped: [], steps: [], notes: [], alreadyUp: true };
  const live = record.pdns.length > 0 ? recordedRung(record.dataFormat) : undefined;
  // Only look: `up` would load the module (modprobe rmnet), a dry run does not.
  const rmnetLoaded = (await env.sysfs.list('module').catch(() => [] as string[])).includes('rmnet');
  const { rungs, skipped } = candidateRungs({
    backend: request.backend,
    // Assumed loadable: `up` runs modprobe, and falls down the ladder to qmimux if that fails (noted below).
    rmnetAvailable: true,
    qmiWwan: modem.driver === 'qmi_wwan',
    live: live ? { backend: live.backend, aggregation: live.aggregation } : undefined,
    muxRequested: true,
  });
  const notes: string[] = [];
  if (!rmnetLoaded && request.backend !== 'qmimux') notes.push('the rmnet module is not loaded: up would run "modprobe rmnet" first, and use qmimux+qmap if that fails');
  const first = live ?? rungs[0];
  const result: DryRun = { ...base, alreadyUp: false, rungs: rungs.map((r) => r.name), skipped: skipped.map((s) => ({ rung: s.rung.name, reason: s.reason })), steps: [], notes };
  if (!first?.backend) return { ...result, notes: [...notes, 'no rung with a mux link can be used here'] };
  const granted = live ? (record.dataFormat?.dlMaxSize ?? null) : (askedDlSize(first) ?? null);
  result.asks = live ? null : { rung: first.name, dlMaxDatagrams: first.wire.dlMaxDatagrams ?? null, dlMaxSize: granted };
  if (live) notes.push(`other PDNs are up with ${first.name}: the format in force is kept`);
  const plan = await planSetUp(env.sysfs, env.netlink, {
    parent,
    backend: first.backend,
    grantedDlSize: first.aggregation === 'none' ? null : granted,
    muxIds: [request.muxId],
    names: [request.ifname],
    rmnetFlags: rmnetFlagsFor(first.aggregation === 'qmapv5' ? 'qmapv5' : 'qmap'),
  });
  // Restore points (op 'none') are undo-only: up does nothing at them, so neither does the plan shown.
  result.steps = plan.steps.filter((s) => s.action.op !== 'none').map((s) => ({ action: describeAction(s.action), why: s.why }));
  result.notes.push(...plan.notes, 'then per IP family: WDS Allocate CID, Bind Mux Data Port, Set IP Family, Start Network, Get Current Settings; the link up; addresses, routes, MTU and DNS from the network');
  return result;
}
