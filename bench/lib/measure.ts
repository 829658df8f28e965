// Interleaved sampling: contenders take turns (A B C A B C ...), so a burst of load from the other users of the
// machine lands on all of them instead of on whichever ran at that moment. Each sample times one call of a
// body that does `rounds` units of work; rounds are calibrated so one sample takes about `sampleMs`.
import { performance } from 'node:perf_hooks';

export interface Contender {
  name: string;
  /** Does `rounds` units of work; returns something that depends on the work (checked, so it is not elided). */
  run(rounds: number): number;
}

export interface Measurement {
  name: string;
  rounds: number;
  /** Seconds per round, one entry per sample (warm-up excluded). */
  samples: number[];
  median: number;
  min: number;
  /** The last run's return value, for the caller's sanity check. */
  check: number;
}

export interface MeasureOptions {
  samples?: number;
  sampleMs?: number;
}

function calibrate(contender: Contender, sampleMs: number): number {
  let rounds = 1;
  for (;;) {
    const start = performance.now();
    contender.run(rounds);
    const elapsed = performance.now() - start;
    if (elapsed >= sampleMs / 4 || rounds > 1e9) return Math.max(1, Math.round((rounds * sampleMs) / Math.max(elapsed, 0.01)));
    rounds *= 4;
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function measureInterleaved(contenders: Contender[], options: MeasureOptions = {}): Measurement[] {
  const samples = options.samples ?? 7;
  const sampleMs = options.sampleMs ?? 60;
  // Warm up (lets V8 optimise the hot loops) and calibrate.
  const rounds = contenders.map((c) => calibrate(c, sampleMs));
  const results = contenders.map((c, i) => ({ name: c.name, rounds: rounds[i]!, samples: [] as number[], check: 0 }));
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < contenders.length; i++) {
      const r = rounds[i]!;
      const start = performance.now();
      const check = contenders[i]!.run(r);
      const seconds = (performance.now() - start) / 1000;
      results[i]!.samples.push(seconds / r);
      results[i]!.check = check;
    }
  }
  return results.map((r) => ({ ...r, median: median(r.samples), min: Math.min(...r.samples) }));
}
