// The health judgement of one PDN, pure: an interval's traffic (its link's counters, then and now), the
// probe's answer when one was needed, and a count of consecutive outcomes against the thresholds.
//
// Why the counters first: RX moving proves the path works at no cost, so a busy link is never probed. TX
// moving while RX stays put is the RM500Q/RM520N failure (the modem stops delivering downlink while the
// host keeps sending): suspect, and a probe decides. A link doing nothing is probed when targets are
// configured, else it says nothing (an idle link is not a broken one).

export interface Counters {
  rxPackets: number;
  txPackets: number;
}

/** What an interval's counters say. 'new' when there is no earlier reading of this link to compare with. */
export type Traffic = 'receiving' | 'tx-only' | 'idle' | 'new';

export function traffic(before: Counters | undefined, now: Counters): Traffic {
  // Counters that went backwards belong to another link of the same name (recreated): start over.
  if (!before || now.rxPackets < before.rxPackets || now.txPackets < before.txPackets) return 'new';
  if (now.rxPackets > before.rxPackets) return 'receiving';
  return now.txPackets > before.txPackets ? 'tx-only' : 'idle';
}

/** Probes cost nothing when traffic flows: only an interval without RX asks for one. */
export function needsProbe(t: Traffic): boolean {
  return t === 'tx-only' || t === 'idle';
}

export type Outcome = 'ok' | 'fail' | 'none';

/** `probed`: the probe's answer (true: a target replied), undefined when no probe ran (none configured). */
export function outcome(t: Traffic, probed: boolean | undefined): Outcome {
  if (t === 'receiving') return 'ok';
  if (t === 'new') return 'none';
  if (probed !== undefined) return probed ? 'ok' : 'fail';
  return t === 'tx-only' ? 'fail' : 'none';
}

export interface Thresholds {
  /** Consecutive failures that make a PDN unhealthy (and, while unhealthy, that climb the next rung). */
  unhealthyAfter: number;
  /** Consecutive successes that make an unhealthy PDN healthy again. */
  healthyAfter: number;
}

export type HealthState = 'unknown' | 'healthy' | 'unhealthy';

export interface PdnHealth {
  state: HealthState;
  /** Consecutive failures since the last success (or since the last recovery action: see rearm). */
  failures: number;
  /** Consecutive successes since the last failure. */
  successes: number;
}

export const initialHealth = (): PdnHealth => ({ state: 'unknown', failures: 0, successes: 0 });

export function record(h: PdnHealth, o: Outcome, t: Thresholds): PdnHealth {
  if (o === 'none') return h;
  if (o === 'fail') {
    const failures = h.failures + 1;
    return { state: failures >= t.unhealthyAfter ? 'unhealthy' : h.state, failures, successes: 0 };
  }
  const successes = h.successes + 1;
  // Unhealthy needs healthy-after successes in a row (one lucky probe is not a recovery); unknown needs one.
  const state = h.state === 'unhealthy' ? (successes >= t.healthyAfter ? 'healthy' : 'unhealthy') : 'healthy';
  return { state, failures: 0, successes };
}

/** Enough failures for a recovery action now. */
export function wantsRecovery(h: PdnHealth, t: Thresholds): boolean {
  return h.state === 'unhealthy' && h.failures >= t.unhealthyAfter;
}

/** After a recovery action: it gets unhealthy-after fresh intervals to work before the next rung. */
export function rearm(h: PdnHealth): PdnHealth {
  return { ...h, failures: 0, successes: 0 };
}
