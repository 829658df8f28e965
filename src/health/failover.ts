// The failover policy of the default routes, pure: the uplinks (a PDN's default route in one IP family, on
// one modem or several), their health, and what the policy remembers from its last decision go in; the
// desired default-route set and each uplink's role come out. route-apply (src/session/route-apply.ts) makes
// the kernel match it; the supervisor feeds it every health judgement.
//
// Why a memory: an uplink that was withdrawn or demoted ("penalized") gets its route back only after
// `holdTime` seconds healthy in a row, so a link that recovers and fails again does not move the route each
// time. An uplink that was never penalized (a PDN just brought up, still 'unknown') keeps the route ipconfig
// gave it.
import type { HealthState } from './judge.js';
import type { Family } from '../ip-address.js';

export type FailoverPolicy = 'priority' | 'balance';
export type FailoverMode = 'withdraw' | 'demote';

export interface FailoverSettings {
  /** priority: lowest metric wins, the others stand by at theirs; balance: one multipath route over the healthy. */
  policy: FailoverPolicy;
  /** What happens to an unhealthy uplink's route: removed, or moved to metric + demoteOffset. */
  failover: FailoverMode;
  /** Seconds a penalized uplink must stay healthy before it gets its route back. */
  holdTime: number;
  /** Added to the metric of a demoted route. */
  demoteOffset: number;
}

export const DEFAULT_FAILOVER: Readonly<FailoverSettings> = { policy: 'priority', failover: 'withdraw', holdTime: 60, demoteOffset: 1000 };
export const POLICIES: readonly FailoverPolicy[] = ['priority', 'balance'];
export const FAILOVER_MODES: readonly FailoverMode[] = ['withdraw', 'demote'];

export interface Uplink {
  /** Stable across reconnects: "modem/mux 1". */
  id: string;
  family: Family;
  /** The PDN's link now. */
  ifname: string;
  /** The configured metric (request.routeMetric). */
  metric: number;
  /** balance: its share, 1..256 (RTA_MULTIPATH's rtnh_hops + 1). */
  weight: number;
  health: HealthState;
}

/** Per uplink key ("id/family"): penalized since its last decision, and since when it has been healthy (ms). */
export type FailoverMemory = ReadonlyMap<string, { penalized: boolean; healthySince: number | undefined }>;

export interface Nexthop {
  id: string;
  ifname: string;
  weight: number;
}

/** One default route: a single nexthop, or (balance) several, which is one RTA_MULTIPATH route. */
export interface DesiredRoute {
  family: Family;
  metric: number;
  nexthops: Nexthop[];
}

/**
 * active: carries the traffic (the lowest metric, or a nexthop of the balanced route); standby: healthy, its
 * route at its metric behind a better one; holding: recovered, waiting out the hold time; withdrawn/demoted:
 * unhealthy; kept: unhealthy or holding but the best of a family where none is healthy, so it keeps the route.
 */
export type Role = 'active' | 'standby' | 'holding' | 'withdrawn' | 'demoted' | 'kept';

export interface FailoverDecision {
  routes: DesiredRoute[];
  roles: Map<string, Role>;
  memory: FailoverMemory;
  /** Why the routes sit where they do when it is not the plain case (every uplink unhealthy), per family. */
  notes: string[];
}

export const uplinkKey = (u: Pick<Uplink, 'id' | 'family'>): string => `${u.id}/${u.family}`;

/** An uplink's standing: eligible for its route, or penalized (holding: healthy but within the hold time). */
type Standing = 'eligible' | 'holding' | 'sick';

/** health x penalized-before -> standing; 'holding' becomes 'eligible' once healthy for holdTime. */
const STANDING: Record<HealthState, Record<'fresh' | 'penalized', Standing>> = {
  healthy: { fresh: 'eligible', penalized: 'holding' },
  unknown: { fresh: 'eligible', penalized: 'holding' },
  unhealthy: { fresh: 'sick', penalized: 'sick' },
};

/** What a penalized uplink's route becomes, by failover mode. */
const PENALTY: Record<FailoverMode, { role: Role; metric: (metric: number, offset: number) => number | undefined }> = {
  withdraw: { role: 'withdrawn', metric: () => undefined },
  demote: { role: 'demoted', metric: (metric, offset) => metric + offset },
};

/** Balance needs ECMP; the kernel's IPv6 ECMP takes only nexthops with a gateway, which point-to-point PDN links lack. */
const BALANCES: Record<Family, boolean> = { 4: true, 6: false };

/** For "kept": the holding one before the sick ones, then the lowest metric. */
const KEEP_RANK: Record<Standing, number> = { eligible: 0, holding: 1, sick: 2 };

export function decideFailover(uplinks: readonly Uplink[], settings: FailoverSettings, memory: FailoverMemory, now: number): FailoverDecision {
  const roles = new Map<string, Role>();
  const next = new Map<string, { penalized: boolean; healthySince: number | undefined }>();
  const routes: DesiredRoute[] = [];
  const notes: string[] = [];
  const standing = new Map<string, Standing>();
  for (const u of uplinks) {
    const key = uplinkKey(u);
    const was = memory.get(key);
    const healthySince = u.health === 'healthy' ? (was?.healthySince ?? now) : undefined;
    let s = STANDING[u.health][was?.penalized ? 'penalized' : 'fresh'];
    if (s === 'holding' && healthySince !== undefined && now - healthySince >= settings.holdTime * 1000) s = 'eligible';
    standing.set(key, s);
    next.set(key, { penalized: s !== 'eligible', healthySince });
  }
  for (const family of [4, 6] as const) {
    const mine = uplinks.filter((u) => u.family === family).sort((a, b) => a.metric - b.metric);
    if (mine.length === 0) continue;
    const of = (u: Uplink) => standing.get(uplinkKey(u))!;
    let eligible = mine.filter((u) => of(u) === 'eligible');
    let kept: Uplink | undefined;
    if (eligible.length === 0) {
      // Never withdraw everything: a path that may work beats none. The best keeps its configured metric.
      kept = [...mine].sort((a, b) => KEEP_RANK[of(a)] - KEEP_RANK[of(b)] || a.metric - b.metric)[0]!;
      eligible = [kept];
      notes.push(`every IPv${family} uplink is unhealthy: the default route stays on ${kept.id} (${kept.ifname})`);
    }
    const carrying = new Set(eligible);
    if (settings.policy === 'balance' && BALANCES[family] && eligible.length > 1) {
      routes.push({ family, metric: eligible[0]!.metric, nexthops: eligible.map((u) => ({ id: u.id, ifname: u.ifname, weight: u.weight })) });
      for (const u of eligible) roles.set(uplinkKey(u), 'active');
    } else {
      eligible.forEach((u, i) => {
        routes.push({ family, metric: u.metric, nexthops: [{ id: u.id, ifname: u.ifname, weight: u.weight }] });
        roles.set(uplinkKey(u), i === 0 ? 'active' : 'standby');
      });
    }
    if (kept) roles.set(uplinkKey(kept), 'kept');
    for (const u of mine) {
      if (carrying.has(u)) continue;
      const penalty = PENALTY[settings.failover];
      const metric = penalty.metric(u.metric, settings.demoteOffset);
      if (metric !== undefined) routes.push({ family, metric, nexthops: [{ id: u.id, ifname: u.ifname, weight: u.weight }] });
      roles.set(uplinkKey(u), of(u) === 'holding' ? 'holding' : penalty.role);
    }
  }
  return { routes, roles, memory: next, notes };
}

/** The same route set, whatever the order of routes and nexthops: for "did the decision change". */
export function routeSetKey(routes: readonly DesiredRoute[]): string {
  return routes
    .map((r) => `${r.family}/${r.metric}:${r.nexthops.map((n) => `${n.ifname}*${n.weight}`).sort().join('+')}`)
    .sort()
    .join(' ');
}
