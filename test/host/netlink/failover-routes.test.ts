// The failover policy applied to the real kernel, in a network namespace made for this file: two veth
// links with addresses stand for two PDNs (fo0 on modem a, fo1 on modem b). Routes are read back with
// `ip -j route` (an independent reader) and with the project's decoder; route events show that a default
// route exists at every moment of a switch. The apply time (decision to routes moved) goes to the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtNetlink, watchEvents } from '../../../src/netlink/rtnl.js';
import { DEFAULT_FAILOVER, decideFailover, type FailoverMemory, type FailoverSettings, type Uplink } from '../../../src/health/failover.js';
import type { HealthState } from '../../../src/health/judge.js';
import { applyDefaultRoutes } from '../../../src/session/route-apply.js';
import { RouteFailover } from '../../../src/session/route-failover.js';
import { createNetns, deleteNetns, ip, ipJson } from './netns.js';

let ns: { name: string; path: string };
let nl: RtNetlink;
const LINKS = new Set(['fo0', 'fo1']);

type IpRoute = { dst: string; dev?: string; metric?: number; protocol?: string; nexthops?: Array<{ dev: string; weight: number }> };
/** `ip -j route show default`: "fo0@100", multipath as "fo0*1+fo1*3@100". */
async function shown(family: 4 | 6 = 4): Promise<string[]> {
  const routes = await ipJson<IpRoute[]>(ns.name, `-${family}`, 'route', 'show', 'default');
  return routes.map((r) => `${r.nexthops ? r.nexthops.map((n) => `${n.dev}*${n.weight}`).join('+') : r.dev}@${r.metric ?? 0}`).sort();
}
/** The same through the project's decoder. */
async function decoded(family: 4 | 6 = 4): Promise<string[]> {
  const names = new Map((await nl.listLinks()).map((l) => [l.index, l.name]));
  return (await nl.listRoutes(family, 254)).filter((r) => r.destination === 'default')
    .map((r) => `${r.nexthops ? r.nexthops.map((n) => `${names.get(n.outputIndex)}*${n.weight}`).join('+') : names.get(r.outputIndex!)}@${r.metric ?? 0}`).sort();
}

const uplinks = (ha: HealthState, hb: HealthState, wa = 1, wb = 1): Uplink[] => [
  { id: 'a/mux 1', family: 4, ifname: 'fo0', metric: 100, weight: wa, health: ha },
  { id: 'b/mux 1', family: 4, ifname: 'fo1', metric: 200, weight: wb, health: hb },
];

/** Decides and applies; returns the milliseconds from the decision to the kernel's answer of the last step. */
async function step(list: Uplink[], s: FailoverSettings, memory: FailoverMemory, now: number): Promise<{ memory: FailoverMemory; ms: number; changes: number }> {
  const t0 = performance.now();
  const d = decideFailover(list, s, memory, now);
  const out = await applyDefaultRoutes(nl, d.routes, LINKS, [4]);
  const ms = performance.now() - t0;
  expect(out.errors).toEqual([]);
  return { memory: d.memory, ms, changes: out.changes.length };
}

async function reset(): Promise<void> {
  await ip('-n', ns.name, 'route', 'flush', 'table', 'main', 'default').catch(() => undefined);
  // A route rmnetctl does not own (another uplink of the router): never touched.
  await ip('-n', ns.name, 'route', 'add', 'default', 'dev', 'eth9', 'metric', '900');
  // What ipconfig.ts adds for two PDNs (proto static).
  await nl.addRoute({ destination: 'default', family: 4, link: 'fo0', metric: 100 });
  await nl.addRoute({ destination: 'default', family: 4, link: 'fo1', metric: 200 });
}

/** A veth pair with both ends up in the namespace (this host's kernel has no dummy module). */
async function veth(name: string): Promise<void> {
  await ip('-n', ns.name, 'link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
  for (const end of [name, `${name}p`]) await ip('-n', ns.name, 'link', 'set', end, 'up');
}

beforeAll(async () => {
  ns = await createNetns('rmnetctl-fo');
  nl = new RtNetlink({ netns: ns.path });
  for (const [name, address] of [['fo0', '10.61.0.2'], ['fo1', '10.62.0.2']] as const) {
    await veth(name);
    await nl.addAddress({ link: name, address, prefixLength: 24 });
  }
  // The link of a route rmnetctl does not own (reset() gives it a default route at metric 900).
  await veth('eth9');
});

afterAll(async () => {
  nl?.close();
  if (ns) await deleteNetns(ns.name);
});

describe('failover routes on the kernel', () => {
  it('priority, withdraw: the unhealthy uplink loses its route at once, with a default route at every moment; back after the hold', async () => {
    await reset();
    const s = { ...DEFAULT_FAILOVER, holdTime: 10 };
    let memory: FailoverMemory = new Map();
    ({ memory } = await step(uplinks('healthy', 'healthy'), s, memory, 0));
    expect(await shown()).toEqual(['eth9@900', 'fo0@100', 'fo1@200']);
    const events = watchEvents(['ipv4-route'], { netns: ns.path });
    try {
      const moved = await step(uplinks('unhealthy', 'healthy'), s, memory, 1000);
      memory = moved.memory;
      console.log(`failover apply (priority, withdraw): ${moved.ms.toFixed(1)} ms, ${moved.changes} change(s)`);
      expect(moved.ms).toBeGreaterThan(0);
      expect(await shown()).toEqual(['eth9@900', 'fo1@200']);
      expect(await decoded()).toEqual(['eth9@900', 'fo1@200']);
      // Replay the events over the rmnetctl routes before the switch: never none.
      let ours = 2;
      for (let e = await events.next(500); e; e = await events.next(200)) {
        if (e.type !== 'route' || e.route.destination !== 'default' || e.route.metric === 900) continue;
        ours += e.action === 'new' ? 1 : -1;
        expect(ours).toBeGreaterThan(0);
      }
      expect(ours).toBe(1);
    } finally {
      events.close();
    }
    ({ memory } = await step(uplinks('healthy', 'healthy'), s, memory, 2000));
    expect(await shown()).toEqual(['eth9@900', 'fo1@200']); // holding
    ({ memory } = await step(uplinks('healthy', 'healthy'), s, memory, 12_000));
    expect(await shown()).toEqual(['eth9@900', 'fo0@100', 'fo1@200']);
  });

  it('priority, demote: the unhealthy uplink moves to metric + offset (added before the old one goes)', async () => {
    await reset();
    const s: FailoverSettings = { ...DEFAULT_FAILOVER, failover: 'demote', demoteOffset: 1000, holdTime: 0 };
    let memory: FailoverMemory = new Map();
    const moved = await step(uplinks('unhealthy', 'healthy'), s, memory, 0);
    memory = moved.memory;
    console.log(`failover apply (priority, demote): ${moved.ms.toFixed(1)} ms, ${moved.changes} change(s)`);
    expect(moved.changes).toBe(2);
    expect(await shown()).toEqual(['eth9@900', 'fo0@1100', 'fo1@200']);
    ({ memory } = await step(uplinks('healthy', 'healthy'), s, memory, 1));
    expect(await shown()).toEqual(['eth9@900', 'fo0@100', 'fo1@200']);
  });

  it('every uplink unhealthy: the route stays on the best one', async () => {
    await reset();
    await step(uplinks('unhealthy', 'unhealthy'), { ...DEFAULT_FAILOVER }, new Map(), 0);
    expect(await shown()).toEqual(['eth9@900', 'fo0@100']);
  });

  it('balance: one multipath route with the weights, read back by ip and by the decoder; replaced in one step when one fails', async () => {
    await reset();
    const s: FailoverSettings = { ...DEFAULT_FAILOVER, policy: 'balance', holdTime: 0 };
    let memory: FailoverMemory = new Map();
    const balanced = await step(uplinks('healthy', 'healthy', 1, 3), s, memory, 0);
    memory = balanced.memory;
    console.log(`failover apply (balance, 2 nexthops): ${balanced.ms.toFixed(1)} ms, ${balanced.changes} change(s)`);
    expect(await shown()).toEqual(['eth9@900', 'fo0*1+fo1*3@100']);
    expect(await decoded()).toEqual(['eth9@900', 'fo0*1+fo1*3@100']);
    const events = watchEvents(['ipv4-route'], { netns: ns.path });
    try {
      const failed = await step(uplinks('healthy', 'unhealthy', 1, 3), s, memory, 1);
      memory = failed.memory;
      expect(failed.changes).toBe(1); // replace, not delete + add
      const seen: string[] = [];
      for (let e = await events.next(500); e; e = await events.next(200)) if (e.type === 'route' && e.route.metric === 100) seen.push(e.action);
      expect(seen).not.toContain('delete');
    } finally {
      events.close();
    }
    expect(await shown()).toEqual(['eth9@900', 'fo0@100']);
    ({ memory } = await step(uplinks('healthy', 'healthy', 2, 1), s, memory, 2));
    expect(await shown()).toEqual(['eth9@900', 'fo0*2+fo1*1@100']);
  });

  it('leaves alone a route that is not rmnetctl\'s, even at a metric the policy wants', async () => {
    await ip('-n', ns.name, 'route', 'flush', 'table', 'main', 'default').catch(() => undefined);
    await ip('-n', ns.name, 'route', 'add', 'default', 'dev', 'eth9', 'metric', '200');
    await nl.addRoute({ destination: 'default', family: 4, link: 'fo0', metric: 100 });
    const d = decideFailover(uplinks('unhealthy', 'healthy'), { ...DEFAULT_FAILOVER }, new Map(), 0);
    const out = await applyDefaultRoutes(nl, d.routes, LINKS, [4]);
    expect(out.errors).toEqual([expect.stringMatching(/metric 200: held by a route rmnetctl does not own/)]);
    // The add was refused, so nothing was deleted: fo0 keeps its route.
    expect(await shown()).toEqual(['eth9@200', 'fo0@100']);
  });

  it('decides across two modems in one place: the modem whose PDN falls sick loses the route to the other, then gets it back', async () => {
    await reset();
    const log: string[] = [];
    let now = 0;
    const failover = new RouteFailover(nl, { ...DEFAULT_FAILOVER, holdTime: 5 }, (l) => log.push(l), () => now);
    const lte = (health: HealthState) => [{ muxId: 1, link: 'fo0', families: [4 as const], metric: 100, weight: 1, health }];
    const backup = (health: HealthState) => [{ muxId: 1, link: 'fo1', families: [4 as const], metric: 200, weight: 1, health }];
    await failover.report('lte', lte('healthy'), true);
    await failover.report('backup', backup('healthy'), true);
    expect(failover.summary('lte')).toBe('routes priority: mux 1 IPv4 active');
    expect(failover.summary('backup')).toBe('routes priority: mux 1 IPv4 standby');
    now = 1000;
    await failover.report('lte', lte('unhealthy'));
    expect(await shown()).toEqual(['eth9@900', 'fo1@200']);
    expect(failover.carries('backup', 1, 4)).toBe(true);
    expect(log).toEqual([expect.stringMatching(/^IPv4 default route: delete metric 100 via fo0 \(\d+\.\d ms\)$/)]);
    expect([failover.changes('lte'), failover.changes('backup')]).toEqual([1, 0]);
    now = 2000;
    await failover.report('lte', lte('healthy'));
    expect(failover.role('lte', 1, 4)).toBe('holding');
    now = 7000;
    await failover.report('backup', backup('healthy')); // any report re-decides: the hold time is over
    expect(await shown()).toEqual(['eth9@900', 'fo0@100', 'fo1@200']);
    expect(failover.summary('lte')).toBe('routes priority: mux 1 IPv4 active');
    console.log(`failover across modems: last apply ${failover.lastApplyMs?.toFixed(1)} ms`);
  });
});
