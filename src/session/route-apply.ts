// Makes the kernel's default routes match the failover policy's desired set (src/health/failover.ts).
//
// Only rmnetctl's own routes are touched: default routes in the main table, proto static (what ipconfig.ts
// adds), whose device (or every nexthop's device) is one of the given PDN links. Add before delete, and a
// changed route at the same metric is replaced in one step (NLM_F_REPLACE): while a default route is
// desired there is never a moment without one. A family whose add or replace failed keeps its old routes
// (no delete runs for it), so a refusal never leaves it without a default route.
import * as C from '../netlink/constants.js';
import type { Netlink, Route } from '../netlink/rtnl.js';
import type { DesiredRoute } from '../health/failover.js';
import type { Family } from '../ip-address.js';

export interface RouteChange {
  op: 'add' | 'replace' | 'delete';
  family: Family;
  metric: number;
  /** "wwan0.1" or "wwan0.1 weight 1 + wwan1.1 weight 2". */
  via: string;
}

export interface ApplyOutcome {
  changes: RouteChange[];
  /** Steps the kernel refused, each naming the route; their family kept its routes. */
  errors: string[];
}

type Hop = { ifname: string; weight: number };

const describeHops = (hops: readonly Hop[]): string => (hops.length === 1 ? hops[0]!.ifname : hops.map((h) => `${h.ifname} weight ${h.weight}`).join(' + '));
const hopsKey = (hops: readonly Hop[]): string => (hops.length === 1 ? hops[0]!.ifname : hops.map((h) => `${h.ifname}*${h.weight}`).sort().join('+'));

/** rmnetctl's default routes now, per family and metric, as nexthops by name. */
async function ownedDefaults(netlink: Netlink, family: Family, names: ReadonlyMap<number, string>, links: ReadonlySet<string>): Promise<{ owned: Map<number, Hop[]>; foreign: Set<number> }> {
  const owned = new Map<number, Hop[]>();
  const foreign = new Set<number>();
  for (const route of await netlink.listRoutes(family, C.RT_TABLE_MAIN)) {
    if (route.destination !== 'default') continue;
    const metric = route.metric ?? 0;
    const hops = hopsOf(route, names);
    if (route.protocol === C.RTPROT_STATIC && hops && hops.every((h) => links.has(h.ifname))) owned.set(metric, hops);
    else foreign.add(metric);
  }
  return { owned, foreign };
}

function hopsOf(route: Route, names: ReadonlyMap<number, string>): Hop[] | undefined {
  const indexes = route.nexthops ? route.nexthops.map((nh) => ({ index: nh.outputIndex, weight: nh.weight })) : route.outputIndex !== null ? [{ index: route.outputIndex, weight: 1 }] : [];
  const hops = indexes.map((h) => ({ ifname: names.get(h.index), weight: h.weight }));
  return hops.length > 0 && hops.every((h) => h.ifname !== undefined) ? (hops as Hop[]) : undefined;
}

const specOf = (family: Family, metric: number, hops: readonly Hop[]) =>
  hops.length === 1
    ? { destination: 'default', family, metric, link: hops[0]!.ifname }
    : { destination: 'default', family, metric, nexthops: hops.map((h) => ({ link: h.ifname, weight: h.weight })) };

/**
 * `links`: the PDN links whose default routes the policy owns (the supervisor's, across modems);
 * `families`: the families the policy decided (a family with no uplink is left alone).
 */
export async function applyDefaultRoutes(netlink: Netlink, desired: readonly DesiredRoute[], links: ReadonlySet<string>, families: readonly Family[]): Promise<ApplyOutcome> {
  const names = new Map((await netlink.listLinks()).map((l) => [l.index, l.name]));
  const outcome: ApplyOutcome = { changes: [], errors: [] };
  for (const family of families) {
    const { owned, foreign } = await ownedDefaults(netlink, family, names, links);
    const wanted = new Map<number, Hop[]>();
    for (const route of desired.filter((r) => r.family === family)) {
      if (wanted.has(route.metric)) outcome.errors.push(`IPv${family} default routes at metric ${route.metric}: two wanted, the second ignored`);
      else wanted.set(route.metric, route.nexthops.map((n) => ({ ifname: n.ifname, weight: n.weight })));
    }
    let refused = false;
    for (const [metric, hops] of wanted) {
      const now = owned.get(metric);
      if (now && hopsKey(now) === hopsKey(hops)) continue;
      if (!now && foreign.has(metric)) {
        refused = true;
        outcome.errors.push(`IPv${family} default route at metric ${metric}: held by a route rmnetctl does not own; not replaced`);
        continue;
      }
      const op = now ? 'replace' : 'add';
      try {
        await (op === 'replace' ? netlink.replaceRoute(specOf(family, metric, hops)) : netlink.addRoute(specOf(family, metric, hops)));
        outcome.changes.push({ op, family, metric, via: describeHops(hops) });
      } catch (error) {
        refused = true;
        outcome.errors.push(`${op} IPv${family} default route at metric ${metric} via ${describeHops(hops)}: ${(error as Error).message}`);
      }
    }
    if (refused) continue;
    for (const [metric, hops] of owned) {
      if (wanted.has(metric)) continue;
      try {
        await netlink.deleteRoute(hops.length === 1 ? specOf(family, metric, hops) : { destination: 'default', family, metric });
        outcome.changes.push({ op: 'delete', family, metric, via: describeHops(hops) });
      } catch (error) {
        if ((error as { errno?: string }).errno === 'ESRCH') continue; // gone meanwhile (its link was deleted)
        outcome.errors.push(`delete IPv${family} default route at metric ${metric} via ${describeHops(hops)}: ${(error as Error).message}`);
      }
    }
  }
  return outcome;
}

/** One journal line per change: "IPv4 default route: add metric 1100 via wwan0.1". */
export const describeChange = (c: RouteChange): string => `IPv${c.family} default route: ${c.op} metric ${c.metric} via ${c.via}`;
