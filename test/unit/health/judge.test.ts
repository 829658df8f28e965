// The health judgement: what an interval's counters say, when a probe is needed, and the thresholds.
import { describe, expect, it } from 'vitest';
import { initialHealth, needsProbe, outcome, rearm, record, traffic, wantsRecovery, type Outcome, type PdnHealth } from '../../../src/health/judge.js';

const c = (rxPackets: number, txPackets: number) => ({ rxPackets, txPackets });
const t = { unhealthyAfter: 3, healthyAfter: 2 };
const run = (outcomes: Outcome[], from: PdnHealth = initialHealth()) => outcomes.reduce((h, o) => record(h, o, t), from);

describe('traffic', () => {
  it('reads RX growth as receiving whatever TX does, TX alone as tx-only, nothing as idle', () => {
    expect(traffic(c(10, 10), c(11, 10))).toBe('receiving');
    expect(traffic(c(10, 10), c(11, 50))).toBe('receiving');
    expect(traffic(c(10, 10), c(10, 11))).toBe('tx-only');
    expect(traffic(c(10, 10), c(10, 10))).toBe('idle');
  });

  it('has nothing to compare with on the first reading, or when counters went backwards (a recreated link)', () => {
    expect(traffic(undefined, c(5, 5))).toBe('new');
    expect(traffic(c(10, 10), c(0, 3))).toBe('new');
  });

  it('asks for a probe only when RX stood still', () => {
    expect(['receiving', 'tx-only', 'idle', 'new'].filter((x) => needsProbe(x as never))).toEqual(['tx-only', 'idle']);
  });
});

describe('outcome', () => {
  it('counts RX as success without a probe, and a probe answer when there was one', () => {
    expect(outcome('receiving', undefined)).toBe('ok');
    expect(outcome('tx-only', true)).toBe('ok');
    expect(outcome('tx-only', false)).toBe('fail');
    expect(outcome('idle', false)).toBe('fail');
    expect(outcome('idle', true)).toBe('ok');
  });

  it('without probes, blames TX-without-RX and says nothing about an idle link', () => {
    expect(outcome('tx-only', undefined)).toBe('fail');
    expect(outcome('idle', undefined)).toBe('none');
    expect(outcome('new', undefined)).toBe('none');
  });
});

describe('thresholds', () => {
  it('turns unhealthy after unhealthy-after consecutive failures, not before', () => {
    expect(run(['fail', 'fail']).state).toBe('unknown');
    expect(run(['fail', 'fail', 'fail'])).toEqual({ state: 'unhealthy', failures: 3, successes: 0 });
    expect(run(['fail', 'fail', 'ok', 'fail', 'fail']).state).toBe('healthy');
  });

  it('needs healthy-after consecutive successes to be healthy again; idle intervals do not count either way', () => {
    const sick = run(['fail', 'fail', 'fail']);
    expect(run(['ok'], sick).state).toBe('unhealthy');
    expect(run(['ok', 'none', 'ok'], sick).state).toBe('healthy');
    expect(run(['ok', 'fail', 'ok'], sick).state).toBe('unhealthy');
  });

  it('wants recovery at unhealthy-after failures, and again only after as many fresh ones once rearmed', () => {
    const sick = run(['fail', 'fail', 'fail']);
    expect(wantsRecovery(sick, t)).toBe(true);
    const rearmed = rearm(sick);
    expect(rearmed.state).toBe('unhealthy');
    expect(wantsRecovery(rearmed, t)).toBe(false);
    expect(wantsRecovery(run(['fail', 'fail'], rearmed), t)).toBe(false);
    expect(wantsRecovery(run(['fail', 'fail', 'fail'], rearmed), t)).toBe(true);
  });
});
