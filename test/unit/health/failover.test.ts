// The failover policy of the default routes: priority and balance, withdraw and demote, the hold time, and
// every uplink unhealthy. A long randomized run with 5 % probe loss counts the route changes.
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAILOVER, decideFailover, routeSetKey, type FailoverMemory, type FailoverSettings, type Uplink } from '../../../src/health/failover.js';
import { initialHealth, outcome, record, type PdnHealth } from '../../../src/health/judge.js';
import type { HealthState } from '../../../src/health/judge.js';

const a = (health: HealthState, over: Partial<Uplink> = {}): Uplink => ({ id: 'a/mux 1', family: 4, ifname: 'wwan0.1', metric: 100, weight: 1, health, ...over });
const b = (health: HealthState, over: Partial<Uplink> = {}): Uplink => ({ id: 'b/mux 1', family: 4, ifname: 'wwan1.1', metric: 200, weight: 1, health, ...over });
const settings = (over: Partial<FailoverSettings> = {}): FailoverSettings => ({ ...DEFAULT_FAILOVER, holdTime: 10, ...over });
const empty: FailoverMemory = new Map();
const routesOf = (d: ReturnType<typeof decideFailover>) => d.routes.map((r) => `${r.family}/${r.metric} ${r.nexthops.map((n) => `${n.ifname}${n.weight === 1 ? '' : `*${n.weight}`}`).join('+')}`);

describe('failover policy: priority', () => {
  it('keeps every healthy uplink at its metric: the lowest is active, the others stand by', () => {
    const d = decideFailover([b('healthy'), a('healthy')], settings(), empty, 0);
    expect(routesOf(d)).toEqual(['4/100 wwan0.1', '4/200 wwan1.1']);
    expect(d.roles.get('a/mux 1/4')).toBe('active');
    expect(d.roles.get('b/mux 1/4')).toBe('standby');
    expect(d.notes).toEqual([]);
  });

  it('treats a PDN just brought up (unknown) as eligible: ipconfig gave it its route', () => {
    const d = decideFailover([a('unknown'), b('unknown')], settings(), empty, 0);
    expect(routesOf(d)).toEqual(['4/100 wwan0.1', '4/200 wwan1.1']);
  });

  it('withdraws an unhealthy uplink at once (withdraw), or moves it to metric + offset (demote)', () => {
    expect(routesOf(decideFailover([a('unhealthy'), b('healthy')], settings(), empty, 0))).toEqual(['4/200 wwan1.1']);
    const demoted = decideFailover([a('unhealthy'), b('healthy')], settings({ failover: 'demote', demoteOffset: 1000 }), empty, 0);
    expect(routesOf(demoted)).toEqual(['4/200 wwan1.1', '4/1100 wwan0.1']);
    expect(demoted.roles.get('a/mux 1/4')).toBe('demoted');
    expect(demoted.roles.get('b/mux 1/4')).toBe('active');
  });

  it('gives a recovered uplink its route back only after hold-time seconds healthy in a row', () => {
    let memory: FailoverMemory = empty;
    const step = (health: HealthState, at: number) => {
      const d = decideFailover([a(health), b('healthy')], settings({ holdTime: 10 }), memory, at);
      memory = d.memory;
      return d;
    };
    step('unhealthy', 0);
    expect(routesOf(step('healthy', 1_000))).toEqual(['4/200 wwan1.1']);
    expect(step('healthy', 5_000).roles.get('a/mux 1/4')).toBe('holding');
    // A relapse within the hold time starts the hold over.
    step('unhealthy', 6_000);
    expect(routesOf(step('healthy', 7_000))).toEqual(['4/200 wwan1.1']);
    expect(routesOf(step('healthy', 16_999))).toEqual(['4/200 wwan1.1']);
    const back = step('healthy', 17_000);
    expect(routesOf(back)).toEqual(['4/100 wwan0.1', '4/200 wwan1.1']);
    expect(back.roles.get('a/mux 1/4')).toBe('active');
  });

  it('keeps the route on the best uplink when every one is unhealthy, and says why', () => {
    const d = decideFailover([a('unhealthy'), b('unhealthy')], settings(), empty, 0);
    expect(routesOf(d)).toEqual(['4/100 wwan0.1']);
    expect(d.roles.get('a/mux 1/4')).toBe('kept');
    expect(d.roles.get('b/mux 1/4')).toBe('withdrawn');
    expect(d.notes).toEqual(['every IPv4 uplink is unhealthy: the default route stays on a/mux 1 (wwan0.1)']);
  });

  it('prefers a holding uplink over a sick one to keep the route on, whatever the metrics', () => {
    let memory: FailoverMemory = empty;
    memory = decideFailover([a('unhealthy'), b('unhealthy')], settings(), memory, 0).memory;
    const d = decideFailover([a('unhealthy'), b('healthy')], settings(), memory, 1000);
    expect(routesOf(d)).toEqual(['4/200 wwan1.1']);
    expect(d.roles.get('b/mux 1/4')).toBe('kept');
  });

  it('decides each family on its own', () => {
    const d = decideFailover([a('unhealthy'), b('healthy'), a('healthy', { family: 6 }), b('healthy', { family: 6 })], settings(), empty, 0);
    expect(routesOf(d)).toEqual(['4/200 wwan1.1', '6/100 wwan0.1', '6/200 wwan1.1']);
  });
});

describe('failover policy: balance', () => {
  it('makes one multipath IPv4 route over the healthy uplinks, with their weights, at the lowest metric', () => {
    const c = a('healthy', { id: 'c/mux 2', ifname: 'wwan0.2', metric: 101, weight: 1 });
    const d = decideFailover([a('healthy', { weight: 3 }), b('healthy'), c], settings({ policy: 'balance' }), empty, 0);
    expect(routesOf(d)).toEqual(['4/100 wwan0.1*3+wwan0.2+wwan1.1']);
    expect([...d.roles.values()]).toEqual(['active', 'active', 'active']);
  });

  it('drops an unhealthy uplink from the multipath route; a single healthy one gets a plain route', () => {
    expect(routesOf(decideFailover([a('unhealthy'), b('healthy')], settings({ policy: 'balance' }), empty, 0))).toEqual(['4/200 wwan1.1']);
    expect(routesOf(decideFailover([a('unhealthy'), b('healthy')], settings({ policy: 'balance', failover: 'demote' }), empty, 0))).toEqual(['4/200 wwan1.1', '4/1100 wwan0.1']);
  });

  it('falls back to priority for IPv6 (no ECMP over point-to-point nexthops without a gateway)', () => {
    const d = decideFailover([a('healthy', { family: 6 }), b('healthy', { family: 6 })], settings({ policy: 'balance' }), empty, 0);
    expect(routesOf(d)).toEqual(['6/100 wwan0.1', '6/200 wwan1.1']);
  });

  it('routeSetKey ignores the order of routes and nexthops, not the weights', () => {
    const one = decideFailover([a('healthy'), b('healthy')], settings({ policy: 'balance' }), empty, 0).routes;
    const two = decideFailover([b('healthy'), a('healthy')], settings({ policy: 'balance' }), empty, 0).routes;
    const weighted = decideFailover([a('healthy', { weight: 2 }), b('healthy')], settings({ policy: 'balance' }), empty, 0).routes;
    expect(routeSetKey(one)).toBe(routeSetKey(two));
    expect(routeSetKey(one)).not.toBe(routeSetKey(weighted));
  });
});

describe('failover policy over a long run', () => {
  /** A deterministic PRNG (mulberry32): the run is the same on every machine. */
  const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  /** Intervals of `intervalS` seconds; modem a loses `loss` of its probes (idle links: every interval is probed). */
  function run(intervals: number, loss: number, s: FailoverSettings, seed: number) {
    const next = random(seed);
    const thresholds = { unhealthyAfter: 3, healthyAfter: 2 };
    let ha: PdnHealth = initialHealth();
    let hb: PdnHealth = initialHealth();
    let memory: FailoverMemory = empty;
    let last = '';
    let changes = 0;
    let unhealthyEpisodes = 0;
    const changeTimes: number[] = [];
    for (let i = 0; i < intervals; i++) {
      const at = i * 10_000;
      const wasA = ha.state;
      ha = record(ha, outcome('idle', next() >= loss), thresholds);
      hb = record(hb, outcome('idle', true), thresholds);
      if (ha.state === 'unhealthy' && wasA !== 'unhealthy') unhealthyEpisodes++;
      const d = decideFailover([a(ha.state), b(hb.state)], s, memory, at);
      memory = d.memory;
      const key = routeSetKey(d.routes);
      if (i > 0 && key !== last) {
        changes++;
        changeTimes.push(at);
      }
      last = key;
    }
    return { changes, unhealthyEpisodes, changeTimes };
  }

  it('5 % probe loss over 100 000 intervals: the route moves only for a real episode, and comes back after the hold', () => {
    const s = settings({ holdTime: 300 });
    const { changes, unhealthyEpisodes, changeTimes } = run(100_000, 0.05, s, 14);
    // Three losses in a row (p = 1.25e-4 per interval) make an episode now and then: each costs at most one
    // withdrawal and one return, and a return never comes sooner than the hold time after the withdrawal.
    expect(unhealthyEpisodes).toBeGreaterThan(0);
    expect(changes).toBeLessThanOrEqual(2 * unhealthyEpisodes);
    for (let i = 1; i < changeTimes.length; i += 2) expect(changeTimes[i]! - changeTimes[i - 1]!).toBeGreaterThanOrEqual(300_000);
    // Far fewer changes than intervals: no flapping (a flapping policy moves the route every few intervals).
    expect(changes).toBeLessThan(100_000 / 1000);
  });

  it('a link that fails every few intervals for a while moves the route once out and once back', () => {
    const s = settings({ holdTime: 300 });
    let memory: FailoverMemory = empty;
    let last = '';
    let changes = 0;
    // Healthy for a minute, then 20 minutes of 30 s unhealthy / 30 s healthy, then healthy for good.
    for (let t = 0; t < 3600; t += 10) {
      const flapping = t >= 60 && t < 1260 && Math.floor((t - 60) / 30) % 2 === 0;
      const d = decideFailover([a(flapping ? 'unhealthy' : 'healthy'), b('healthy')], s, memory, t * 1000);
      memory = d.memory;
      const key = routeSetKey(d.routes);
      if (t > 0 && key !== last) changes++;
      last = key;
    }
    expect(changes).toBe(2);
  });
});
