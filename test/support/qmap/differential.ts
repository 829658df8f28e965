// The differential check shared by test/unit/qmap/kernel-differential.test.ts (10^6 transfers) and the stress
// run in bench/qmap/differential.ts (10^7): seeded transfers, each walked by the kernel model, by QmapReader's
// two walks (next() and deaggregate()) and, per pool, by the C loop; every difference is recorded.
import { QmapReader, QmapStats, type QmapPacketHandler, type QmapRules, type QmapVersion } from '../../../src/qmap/index.js';
import { QmapStatsIndex, type QmapStatsField } from '../../../src/qmap/stats.js';
import { linkTable, modelWalk, ModelResult, RULES, type ModelConfig } from './kernel-model.js';
import type { BenchAddon, NativeWalkResult } from '../../../bench/lib/bench-addon.js';
import { fillTransfers, transferPool, type TransferPool } from './transfers.js';

/** The C loop's entry point (bench/lib/bench-addon.ts), as far as this check needs it. */
export type NativeWalk = Pick<BenchAddon, 'walk'>;

const FIELDS = Object.keys(QmapStatsIndex) as QmapStatsField[];

const ALL_LINKS = Array.from({ length: 254 }, (_, i) => i + 1);
const SOME_LINKS = [1, 2, 3, 7, 100, 254];

export interface Case {
  name: string;
  config: ModelConfig;
  linkIds: readonly number[];
}

/** Every reader configuration the checks cycle through: version x rules x deliverCommands x links. */
export const CASES: readonly Case[] = (() => {
  const cases: Case[] = [];
  for (const version of [1, 4, 5] as const) {
    for (const rules of ['qmimux', 'rmnet'] as const) {
      for (const deliverCommands of [false, true]) {
        for (const [linkName, linkIds] of [['all', ALL_LINKS], ['some', SOME_LINKS]] as const) {
          cases.push({
            name: `v${version} ${rules}${deliverCommands ? ' +commands' : ''} links:${linkName}`,
            config: { version, rules, deliverCommands, links: linkTable(linkIds) },
            linkIds,
          });
        }
      }
    }
  }
  return cases;
})();

export interface Difference {
  case: string;
  walker: 'next' | 'deaggregate' | 'C';
  /** What differed: 'packets' or a counter name. */
  what: string;
  /** The transfer, hex, 4-byte groups. */
  hex: string;
  model: string;
  got: string;
}

export interface DifferentialResult {
  transfers: number;
  packets: number;
  /** Transfers the C loop walked (cases without deliverCommands; 0 without the addon). */
  nativeTransfers: number;
  /** Differences by "case / walker / what". */
  tally: Record<string, number>;
  /** The first few, in full. */
  examples: Difference[];
  /** How often each model row decided a frame, by rule source: shows the mix reached every rule. */
  rulesHit: Record<string, number>;
  milliseconds: number;
}

function hex(data: Uint8Array, begin: number, end: number): string {
  const parts: string[] = [];
  for (let i = begin; i < end && i < begin + 96; i += 4) {
    parts.push(Buffer.from(data.subarray(i, Math.min(end, i + 4))).toString('hex'));
  }
  return parts.join(' ') + (end - begin > 96 ? ` ... (${end - begin} bytes)` : '');
}

function describePackets(packets: Int32Array, count: number, begin: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = packets.subarray(4 * i, 4 * i + 4);
    out.push(`mux ${p[0]} @${p[1]! - begin} len ${p[2]} flags ${p[3]}`);
  }
  return `[${out.join('; ')}]`;
}

function describeStats(values: ArrayLike<number>): string {
  return FIELDS.filter((f) => values[QmapStatsIndex[f]] !== 0)
    .map((f) => `${f} ${values[QmapStatsIndex[f]]}`)
    .join(', ');
}

// What deaggregate() hands over, collected by one long-lived handler (V8 inlines a monomorphic one).
let got = new Int32Array(4 * 1024);
let gotCount = 0;
const collect: QmapPacketHandler = (muxId, _data, offset, length, flags) => {
  if (4 * (gotCount + 1) > got.length) {
    const bigger = new Int32Array(got.length * 2);
    bigger.set(got);
    got = bigger;
  }
  const i = 4 * gotCount++;
  got[i] = muxId;
  got[i + 1] = offset;
  got[i + 2] = length;
  got[i + 3] = flags;
};

function samePackets(a: Int32Array, b: Int32Array, count: number): boolean {
  for (let i = 0; i < 4 * count; i++) if (a[i] !== b[i]) return false;
  return true;
}

const FIELD_AT: string[] = [];
for (const field of FIELDS) FIELD_AT[QmapStatsIndex[field]] = field;

function firstDifferentField(a: ArrayLike<number>, b: ArrayLike<number>): string | undefined {
  for (let i = 0; i < FIELD_AT.length; i++) if (a[i] !== b[i]) return FIELD_AT[i];
  return undefined;
}

export interface DifferentialOptions {
  transfers: number;
  /** Transfers per pool fill (one case and one seed per pool). */
  poolSize?: number;
  seed?: number;
  native?: NativeWalk;
  maxExamples?: number;
}

/** Runs the check; never throws on a difference (the caller asserts on the result). */
export function runDifferential(options: DifferentialOptions): DifferentialResult {
  const started = performance.now();
  const poolSize = options.poolSize ?? 4000;
  const maxExamples = options.maxExamples ?? 8;
  const pool: TransferPool = transferPool(poolSize, 4096);
  const readers = CASES.map((c) =>
    new QmapReader({
      version: c.config.version as QmapVersion,
      rules: c.config.rules as QmapRules,
      deliverCommands: c.config.deliverCommands,
      muxIds: c.linkIds,
      stats: new QmapStats(),
    }),
  );
  // One model result per rules mode, so its hit counts line up with RULES[rules].
  const models = { qmimux: new ModelResult(), rmnet: new ModelResult() };
  const nativeSums = new Float64Array(FIELDS.length);
  const nextPackets = new Int32Array(4 * 1024);
  const result: DifferentialResult = { transfers: 0, packets: 0, nativeTransfers: 0, tally: {}, examples: [], rulesHit: {}, milliseconds: 0 };

  const record = (d: Difference) => {
    const key = `${d.case} / ${d.walker} / ${d.what}`;
    result.tally[key] = (result.tally[key] ?? 0) + 1;
    if (result.examples.length < maxExamples) result.examples.push(d);
  };

  for (let fill = 0; result.transfers < options.transfers; fill++) {
    const index = fill % CASES.length;
    const c = CASES[index]!;
    const reader = readers[index]!;
    const stats = reader.stats;
    const count = Math.min(poolSize, options.transfers - result.transfers);
    fillTransfers(pool, count, (options.seed ?? 1) * 1_000_003 + fill, c.config.version, c.linkIds);
    const data = pool.pool;
    const withNative = options.native !== undefined && !c.config.deliverCommands;
    nativeSums.fill(0);
    let nativeFirstBytes = 0;
    const model = models[c.config.rules];

    for (let t = 0; t < count; t++) {
      const begin = pool.offsets[t]!;
      const end = begin + pool.lengths[t]!;
      model.reset();
      modelWalk(data, begin, end, c.config, model);
      result.packets += model.count;
      const difference = (walker: Difference['walker'], what: string, packets: Int32Array, packetCount: number, values: ArrayLike<number>) =>
        record({
          case: c.name,
          walker,
          what,
          hex: hex(data, begin, end),
          model: `${describePackets(model.packets, model.count, begin)} {${describeStats(model.stats)}}`,
          got: `${describePackets(packets, packetCount, begin)} {${describeStats(values)}}`,
        });

      // next(): the cursor.
      reader.start(data, begin, end);
      let n = 0;
      while (reader.next()) {
        if (n < 1024) {
          nextPackets[4 * n] = reader.muxId;
          nextPackets[4 * n + 1] = reader.offset;
          nextPackets[4 * n + 2] = reader.length;
          nextPackets[4 * n + 3] = reader.packetFlags();
        }
        n++;
      }
      let values = reader.stats.values;
      let field = firstDifferentField(model.stats, values);
      if (n !== model.count || !samePackets(model.packets, nextPackets, n)) difference('next', 'packets', nextPackets, Math.min(n, 1024), values);
      else if (field !== undefined) difference('next', field, nextPackets, n, values);
      stats.reset();

      // deaggregate(): the push walk, a separate fast path.
      gotCount = 0;
      const delivered = reader.deaggregate(data, collect, begin, end);
      values = reader.stats.values;
      field = firstDifferentField(model.stats, values);
      if (delivered !== gotCount || gotCount !== model.count || !samePackets(model.packets, got, gotCount)) {
        difference('deaggregate', 'packets', got, gotCount, values);
      } else if (field !== undefined) difference('deaggregate', field, got, gotCount, values);
      stats.reset();

      if (withNative) {
        for (let i = 0; i < nativeSums.length; i++) nativeSums[i]! += model.stats[i]!;
        for (let p = 0; p < model.count; p++) nativeFirstBytes += data[model.packets[4 * p + 1]!]!;
      }
    }

    if (withNative) {
      // One call walks the whole pool; only sums come back, so a mismatch is narrowed down transfer by transfer.
      const walk = (from: number, to: number) =>
        options.native!.walk(data.subarray(pool.offsets[from]!), pool.lengths.subarray(from, to), 1, c.config.version, c.config.rules === 'rmnet', c.config.links);
      const whole = walk(0, count);
      const agrees = (native: NativeWalkResult, sums: ArrayLike<number>, firstBytes: number) =>
        native.firstBytes === firstBytes && FIELDS.every((f) => native[f] === sums[QmapStatsIndex[f]]);
      result.nativeTransfers += count;
      if (!agrees(whole, nativeSums, nativeFirstBytes)) {
        for (let t = 0; t < count; t++) {
          const begin = pool.offsets[t]!;
          const end = begin + pool.lengths[t]!;
          model.reset();
          modelWalk(data, begin, end, c.config, model);
          let firstBytes = 0;
          for (let p = 0; p < model.count; p++) firstBytes += data[model.packets[4 * p + 1]!]!;
          const one = walk(t, t + 1);
          if (agrees(one, model.stats, firstBytes)) continue;
          const oneValues = FIELDS.map((f) => one[f]!);
          record({
            case: c.name,
            walker: 'C',
            what: firstDifferentField(model.stats, oneValues) ?? 'firstBytes',
            hex: hex(data, begin, end),
            model: `{${describeStats(model.stats)}} firstBytes ${firstBytes}`,
            got: `{${describeStats(oneValues)}} firstBytes ${one.firstBytes}`,
          });
        }
      }
    }
    result.transfers += count;
  }

  for (const rules of ['qmimux', 'rmnet'] as const) {
    models[rules].hits.subarray(0, RULES[rules].length + 1).forEach((n, d) => {
      result.rulesHit[`${rules}: ${d === 0 ? 'delivered' : `${RULES[rules][d - 1]!.source} (${RULES[rules][d - 1]!.verdict})`}`] = n;
    });
  }
  result.milliseconds = performance.now() - started;
  return result;
}
