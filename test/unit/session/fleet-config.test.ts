// Several [modem] sections, [failover] and weight in the service config: which [pdn] belongs to which modem,
// and the refusals across modems, each naming file and line, before anything is touched.
import { describe, expect, it } from 'vitest';
import { parseConfig, parseFleetConfig } from '../../../src/session/config.js';
import { RmnetError } from '../../../src/errors.js';
import { DEFAULT_FAILOVER } from '../../../src/health/failover.js';

const parse = (lines: string[]) => parseFleetConfig(lines.join('\n'), 'router.conf');

function refusal(lines: string[]): string {
  try {
    parse(lines);
  } catch (error) {
    if (error instanceof RmnetError) {
      expect(error.code).toBe('BAD_CONFIG');
      expect(error.category).toBe('usage');
      return error.message;
    }
    throw error;
  }
  throw new Error('accepted');
}

const TWO = [
  '[failover]', 'policy = balance', 'failover = demote', 'hold-time = 120', 'demote-offset = 500',
  '[modem]', 'name = lte', 'device = cdc-wdm0',
  '[pdn]', 'mux = 1', 'apn = internet', 'weight = 3',
  '[pdn]', 'mux = 2', 'apn = ims', 'default-route = no',
  '[modem]', 'name = backup', 'device = 1-1.2',
  '[pdn]', 'mux = 1', 'apn = internet', 'metric = 200',
];

describe('several modems in one config', () => {
  it('gives each [modem] the [pdn] sections after it, and one [failover] to all', () => {
    const fleet = parse(TWO);
    expect(fleet.modems.map((m) => [m.name, m.modem.device, m.pdns.map((p) => p.muxId), m.weights])).toEqual([
      ['lte', 'cdc-wdm0', [1, 2], [3, 1]],
      ['backup', '1-1.2', [1], [1]],
    ]);
    expect(fleet.failover).toEqual({ policy: 'balance', failover: 'demote', holdTime: 120, demoteOffset: 500 });
    expect(fleet.modems[1]!.failover).toBe(fleet.failover);
  });

  it('keeps one [modem] as before: every [pdn] is its, wherever it stands, named "modem", with the default failover', () => {
    const config = parseConfig(['[pdn]', 'mux = 1', 'apn = internet', '[modem]', 'proxy = no'].join('\n'), 'lte.conf');
    expect(config.name).toBe('modem');
    expect(config.pdns.map((p) => p.muxId)).toEqual([1]);
    expect(config.failover).toEqual(DEFAULT_FAILOVER);
    expect(() => parseConfig(TWO.join('\n'), 'router.conf')).toThrow(/2 \[modem\] sections where one was expected/);
  });

  it('refuses an unknown policy or failover mode, and out-of-range times and weights, naming the line', () => {
    expect(refusal(['[failover]', 'policy = roundrobin', '[pdn]', 'mux = 1', 'apn = x'])).toBe('router.conf:2: policy must be priority or balance, got "roundrobin"');
    expect(refusal(['[failover]', 'failover = drop', '[pdn]', 'mux = 1', 'apn = x'])).toBe('router.conf:2: failover must be withdraw or demote, got "drop"');
    expect(refusal(['[failover]', 'hold-time = -1', '[pdn]', 'mux = 1', 'apn = x'])).toBe('router.conf:2: hold-time must be an integer in 0..86400, got "-1"');
    expect(refusal(['[failover]', 'demote-offset = 0', '[pdn]', 'mux = 1', 'apn = x'])).toBe('router.conf:2: demote-offset must be an integer in 1..1000000, got "0"');
    expect(refusal(['[pdn]', 'mux = 1', 'apn = x', 'weight = 300'])).toBe('router.conf:4: weight must be an integer in 1..256, got "300"');
    expect(refusal(['[failover]', 'policy = priority', '[failover]'])).toBe('router.conf:3: only one [failover] section is allowed');
  });

  it('refuses an unknown section, also one named like an Object property', () => {
    expect(refusal(['[constructor]'])).toBe('router.conf:1: unknown section [constructor] (expected [modem], [health], [failover] or [pdn])');
    expect(refusal(['[uplinks]'])).toBe('router.conf:1: unknown section [uplinks] (expected [modem], [health], [failover] or [pdn])');
  });

  it('refuses a [pdn] before the first of several [modem] sections', () => {
    expect(refusal(['[pdn]', 'mux = 1', 'apn = x', '[modem]', 'device = a', '[modem]', 'device = b'])).toMatch(/^router\.conf:1: this \[pdn\] comes before any \[modem\]/);
  });

  it('refuses two modems that would select the same device, or one without device =', () => {
    const two = (a: string[], b: string[]) => ['[modem]', ...a, '[pdn]', 'mux = 1', 'apn = x', '[modem]', ...b, '[pdn]', 'mux = 1', 'apn = y', 'metric = 300'];
    expect(refusal(two(['device = cdc-wdm0'], ['device = cdc-wdm0']))).toBe('router.conf:7: device cdc-wdm0 is already selected by the [modem] at line 2');
    expect(refusal(two(['device = cdc-wdm0'], []))).toMatch(/^router\.conf:6: with several \[modem\] sections each needs device = .*\[modem\] modem2 has none/);
    expect(refusal(two(['name = a', 'device = x'], ['name = a', 'device = y']))).toBe('router.conf:8: modem name "a" is already the name of the [modem] at line 2');
  });

  it('refuses the same mux twice on one modem, but not on two', () => {
    expect(refusal(['[modem]', 'device = x', '[pdn]', 'mux = 1', 'apn = a', '[pdn]', 'mux = 1', 'apn = b', 'metric = 300', '[modem]', 'device = y', '[pdn]', 'mux = 2', 'apn = c'])).toBe('router.conf:6: mux 1 is already used by the [pdn] at line 3');
    expect(parse(TWO).modems.map((m) => m.pdns[0]!.muxId)).toEqual([1, 1]);
  });

  it('refuses one ifname on two modems', () => {
    expect(refusal(['[modem]', 'device = x', '[pdn]', 'mux = 1', 'apn = a', 'ifname = up0', '[modem]', 'device = y', '[pdn]', 'mux = 1', 'apn = b', 'metric = 300', 'ifname = up0'])).toBe('router.conf:13: ifname up0 is already the link of the [pdn] at line 6');
  });

  it('refuses two default routes at one metric across modems (mux 1 on each gets 100 by default), and a demoted one landing on another', () => {
    expect(refusal(['[modem]', 'device = x', '[pdn]', 'mux = 1', 'apn = a', '[modem]', 'device = y', '[pdn]', 'mux = 1', 'apn = b']))
      .toBe('router.conf:8: mux 1 of modem modem2: IPv4 default route metric 100 (100 + mux - 1) collides with the [pdn] at line 3: give one of them another metric =');
    expect(refusal(['[failover]', 'failover = demote', 'demote-offset = 100', '[modem]', 'device = x', '[pdn]', 'mux = 1', 'apn = a', '[modem]', 'device = y', '[pdn]', 'mux = 1', 'apn = b', 'metric = 200']))
      .toBe('router.conf:14: mux 1 of modem modem2: IPv4 default route metric 200 collides with the [pdn] at line 6: give one of them another metric =');
  });
});
