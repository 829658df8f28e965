// The health settings of one PDN ([health] defaults, [pdn] overrides) and their parsers, which throw plain
// Errors for the config parser to name file and line.
import { parseIp } from '../ip-address.js';
import type { Thresholds } from './judge.js';

export interface HealthSettings extends Thresholds {
  /** ICMP echo targets; empty: no probes (the counters alone judge). */
  probe: string[];
  /** Seconds between two judgements. */
  probeInterval: number;
}

export const DEFAULT_HEALTH: Readonly<HealthSettings> = { probe: [], probeInterval: 30, unhealthyAfter: 3, healthyAfter: 2 };

export const HEALTH_KEYS = ['probe', 'probe-interval', 'unhealthy-after', 'healthy-after', 'probes'] as const;

export function parseProbeTargets(value: string): string[] {
  const targets = value.split(/\s+/).filter(Boolean);
  if (targets.length === 0) throw new Error('probe needs at least one IP address (or probes = off)');
  for (const t of targets) if (!parseIp(t)) throw new Error(`probe target "${t}" is not an IP address (names are not resolved: a probe must not depend on DNS)`);
  return targets;
}

export function parseRange(key: string, min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new Error(`${key} must be an integer in ${min}..${max}, got "${value}"`);
    return Number(value);
  };
}

/** The targets a PDN can reach: an IPv4 target through an IPv6-only PDN would fail for the wrong reason. */
export function targetsFor(targets: readonly string[], families: ReadonlySet<4 | 6>): string[] {
  return targets.filter((t) => families.has(parseIp(t)!.family));
}
