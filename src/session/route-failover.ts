// The one place the default routes are decided for a `run`, across all its modems: every supervisor reports
// its PDNs (link, metric, weight, health) after each judgement and bring-up; this decides with the failover
// policy (health/failover.ts) over all of them and applies the result (route-apply.ts), one apply at a
// time, each reading the kernel afresh (so a route ipconfig re-added after a reconnect is put right too).
import type { Netlink } from '../netlink/rtnl.js';
import type { Family } from '../ip-address.js';
import type { HealthState } from '../health/judge.js';
import { decideFailover, routeSetKey, uplinkKey, type FailoverDecision, type FailoverMemory, type FailoverSettings, type Role, type Uplink } from '../health/failover.js';
import { applyDefaultRoutes, describeChange } from './route-apply.js';

/** A PDN with a default route, as its supervisor sees it now. */
export interface UplinkReport {
  muxId: number;
  link: string;
  families: Family[];
  metric: number;
  weight: number;
  health: HealthState;
}

/** The roles that carry traffic. */
const CARRIES: Record<Role, boolean> = { active: true, kept: true, standby: false, holding: false, withdrawn: false, demoted: false };

export class RouteFailover {
  private readonly reports = new Map<string, UplinkReport[]>();
  private memory: FailoverMemory = new Map();
  private decision: FailoverDecision | undefined;
  private lastNotes = '';
  private running: Promise<void> | undefined;
  private again = false;
  private reconcile = true;
  /** routeSetKey of the last set applied without errors. */
  private applied: string | undefined;
  /** Route changes applied, per modem whose PDN link the change touched. */
  private readonly changesBy = new Map<string, number>();
  /** The last apply: how long from the report that asked for it to the kernel's last answer (ms). */
  lastApplyMs: number | undefined;

  /** Called after an apply changed routes or roles (supervisors rewrite their status). */
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly netlink: Netlink,
    readonly settings: FailoverSettings,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A modem's PDNs now (all of them: one missing from the list has no default route any more). The kernel is
   * read and put right only when the decision changed, or with `reconcile` (after a bring-up: ipconfig gave
   * the new link its route at the configured metric, which the decision may not want); a judgement that
   * changes nothing costs no netlink round trip.
   */
  report(modem: string, uplinks: UplinkReport[], reconcile = false): Promise<void> {
    this.reports.set(modem, uplinks);
    if (reconcile) this.reconcile = true;
    return this.schedule();
  }

  /** A modem stopped: its uplinks are no longer decided on. */
  forget(modem: string): Promise<void> {
    this.reports.delete(modem);
    this.reconcile = true;
    return this.schedule();
  }

  /** Waits for the apply in flight. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  role(modem: string, muxId: number, family: Family): Role | undefined {
    return this.decision?.roles.get(uplinkKey({ id: idOf(modem, muxId), family }));
  }

  /** The gauge of `rmnetctl metrics`: 1 when this PDN's default route in this family carries the traffic. */
  carries(modem: string, muxId: number, family: Family): boolean {
    const role = this.role(modem, muxId, family);
    return role !== undefined && CARRIES[role];
  }

  changes(modem: string): number {
    return this.changesBy.get(modem) ?? 0;
  }

  notes(): string[] {
    return this.decision?.notes ?? [];
  }

  /** For STATUS= and the journal: "routes priority: mux 1 IPv4 active, mux 2 IPv4 standby". */
  summary(modem: string): string {
    const mine = this.reports.get(modem) ?? [];
    const roles = mine.flatMap((u) => u.families.map((f) => `mux ${u.muxId} IPv${f} ${this.role(modem, u.muxId, f) ?? 'pending'}`));
    if (roles.length === 0) return '';
    return [`routes ${this.settings.policy}: ${roles.join(', ')}`, ...this.notes()].join('; ');
  }

  private schedule(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.applyOnce();
    } while (this.again);
  }

  private async applyOnce(): Promise<void> {
    const started = performance.now();
    const modemOf = new Map<string, string>();
    const uplinks: Uplink[] = [];
    for (const [modem, list] of this.reports) {
      for (const u of list) {
        modemOf.set(u.link, modem);
        for (const family of u.families) uplinks.push({ id: idOf(modem, u.muxId), family, ifname: u.link, metric: u.metric, weight: u.weight, health: u.health });
      }
    }
    const decision = decideFailover(uplinks, this.settings, this.memory, this.now());
    this.memory = decision.memory;
    const before = this.decision;
    this.decision = decision;
    const families = [...new Set(uplinks.map((u) => u.family))];
    const key = `${routeSetKey(decision.routes)} @${[...modemOf.keys()].sort().join(',')}`;
    const rolesChangedNow = !before || [...decision.roles].some(([k, r]) => before.roles.get(k) !== r) || before.roles.size !== decision.roles.size;
    if (!this.reconcile && key === this.applied) {
      if (rolesChangedNow) for (const listener of this.listeners) listener();
      return;
    }
    this.reconcile = false;
    const outcome = await applyDefaultRoutes(this.netlink, decision.routes, new Set(modemOf.keys()), families).catch((error: unknown) => ({ changes: [], errors: [(error as Error).message] }));
    const ms = performance.now() - started;
    for (const change of outcome.changes) {
      this.log(`${describeChange(change)} (${ms.toFixed(1)} ms)`);
      for (const link of change.via.split(' + ').map((h) => h.split(' ')[0]!)) {
        const modem = modemOf.get(link);
        if (modem) this.changesBy.set(modem, (this.changesBy.get(modem) ?? 0) + 1);
      }
    }
    for (const error of outcome.errors) this.log(`default routes: ${error}`);
    const notes = decision.notes.join('; ');
    if (notes !== this.lastNotes && notes) this.log(`default routes: ${notes}`);
    this.lastNotes = notes;
    if (outcome.changes.length > 0) this.lastApplyMs = ms;
    // A refused step is tried again on the next report.
    this.applied = outcome.errors.length === 0 ? key : undefined;
    if (outcome.changes.length > 0 || rolesChangedNow) for (const listener of this.listeners) listener();
  }
}

const idOf = (modem: string, muxId: number): string => `${modem}/mux ${muxId}`;
