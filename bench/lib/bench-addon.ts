// The C yardstick (native/bench/qmap_walk.c, node-gyp target `rmnetctl_bench`), loaded on demand.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** Counters summed over every transfer walked; the same names as QmapStats, plus firstBytes. */
export interface NativeWalkResult {
  transfers: number;
  packets: number;
  bytes: number;
  /** Sum of the first byte of every delivered packet (keeps the compiler from skipping the walk). */
  firstBytes: number;
  commands: number;
  zeroLength: number;
  padTooLong: number;
  unknownMux: number;
  notIp: number;
  badNextHeader: number;
  truncated: number;
  droppedBytes: number;
  trailingBytes: number;
}

export interface BenchAddon {
  /** Walks the transfers laid back to back in `pool` (sizes in `lengths`) `rounds` times. */
  walk(pool: Uint8Array, lengths: Uint32Array, rounds: number, version: number, rmnetRules: boolean, accepted?: Uint8Array): NativeWalkResult;
  /** One transfer, `buffer[begin .. end)`, per call (the N-API crossing included); returns firstBytes. */
  walkRange(buffer: Uint8Array, begin: number, end: number, version: number, rmnetRules: boolean): number;
}

export function benchAddonPath(): string {
  return join(repoRoot(), 'build', 'Release', 'rmnetctl_bench.node');
}

let loaded: BenchAddon | undefined;

/** The addon, or undefined when it is not built (`npm install` / `npm rebuild` builds it). */
export function loadBenchAddon(): BenchAddon | undefined {
  if (loaded) return loaded;
  const path = benchAddonPath();
  if (!existsSync(path)) return undefined;
  loaded = createRequire(import.meta.url)(path) as BenchAddon;
  return loaded;
}
