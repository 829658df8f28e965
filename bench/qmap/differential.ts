// qmap-differential: the kernel-model differential check (test/support/qmap/differential.ts) at 10^7 transfers,
// ten times what the unit test runs, on other seeds. Not a speed benchmark: it lives here because it takes
// a minute or more and should run on demand, with the machine's load recorded like every other section.
// A difference sets the exit code (correctness, unlike the speeds elsewhere in bench/).
import { runDifferential, type DifferentialResult } from '../../test/support/qmap/differential.js';
import { loadBenchAddon } from '../lib/bench-addon.js';
import { formatLoad, machineInfo } from '../lib/machine.js';
import { markdownTable } from '../lib/report.js';
import type { BenchSuite } from '../lib/suite.js';

const FULL = 10_000_000;
const QUICK = 1_000_000;
/** Per runDifferential call: progress on stderr, and a fresh seed per million. */
const STEP = 1_000_000;
/** Seeds 1001.. (the unit test uses seed 1). */
const FIRST_SEED = 1001;

function merge(into: DifferentialResult, part: DifferentialResult): void {
  into.transfers += part.transfers;
  into.packets += part.packets;
  into.nativeTransfers += part.nativeTransfers;
  into.milliseconds += part.milliseconds;
  for (const [key, n] of Object.entries(part.tally)) into.tally[key] = (into.tally[key] ?? 0) + n;
  for (const example of part.examples) if (into.examples.length < 8) into.examples.push(example);
  for (const [key, n] of Object.entries(part.rulesHit)) into.rulesHit[key] = (into.rulesHit[key] ?? 0) + n;
}

export const differentialSuite: BenchSuite = {
  id: 'qmap-differential',
  title: 'QMAP reader and C loop vs the kernel model, 10^7 random transfers',
  async run(options, before) {
    const total = options.quick ? QUICK : FULL;
    const native = loadBenchAddon();
    const result: DifferentialResult = { transfers: 0, packets: 0, nativeTransfers: 0, tally: {}, examples: [], rulesHit: {}, milliseconds: 0 };
    const started = performance.now();
    for (let done = 0, step = 0; done < total; done += STEP, step++) {
      merge(result, runDifferential({ transfers: Math.min(STEP, total - done), seed: FIRST_SEED + step, native }));
      process.stderr.write(`qmap-differential: ${result.transfers} transfers, ${Object.keys(result.tally).length} kinds of difference\n`);
    }
    const seconds = (performance.now() - started) / 1000;
    const after = machineInfo();
    const differences = Object.values(result.tally).reduce((a, b) => a + b, 0);
    if (differences > 0) process.exitCode = 1;

    const rules = markdownTable(
      ['model row (rules: kernel source (verdict))', 'frames'],
      Object.entries(result.rulesHit)
        .filter(([key]) => !key.includes('deliverCommands'))
        .map(([key, n]) => [key, String(n)]),
      ['l', 'r'],
    );
    const found =
      differences === 0
        ? '**No differences.**'
        : `**${differences} differences.**\n\n${markdownTable(['case / walker / what', 'transfers'], Object.entries(result.tally).map(([k, n]) => [k, String(n)]))}\n\n` +
          result.examples.map((e) => `- ${e.case} ${e.walker} (${e.what}): \`${e.hex}\`\n  model ${e.model}\n  got ${e.got}`).join('\n');
    const markdown = `## QMAP reader vs the kernel model (\`npm run bench:qmap-differential\`)

Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${before.cpu} (${before.cores} cores, ${before.memoryGiB} GiB), Node ${before.node},
Linux ${before.kernel}. **Load average (1/5/15 min, as \`uptime\` prints it) before: ${formatLoad(before.loadAverage)}, after: ${formatLoad(after.loadAverage)}**${options.quick ? ' (quick run: 10^6 transfers)' : ''}.

A correctness run, not a speed figure: ${result.transfers.toLocaleString('en')} seeded random transfers (seeds ${FIRST_SEED}..${FIRST_SEED + Math.ceil(total / STEP) - 1}, one
million each; the unit test \`test/unit/qmap/kernel-differential.test.ts\` runs seed 1), cycling through 24 reader
configurations (v1/v4/v5 x qmimux/rmnet rules x commands delivered or not x all or some mux ids with a link).
Each transfer is walked by the kernel model (\`test/support/qmap/kernel-model.ts\`: qmimux_rx_fixup,
rmnet_map_deaggregate + __rmnet_map_ingress_handler as rule tables), by \`QmapReader.next()\` and by
\`QmapReader.deaggregate()\`; the C loop (\`native/bench/qmap_walk.c\`) walks the ${result.nativeTransfers.toLocaleString('en')} transfers of the
configurations it supports (no command delivery), compared per pool of 4000 by its counters and first-byte sum
and narrowed down per transfer on a mismatch. ${result.packets.toLocaleString('en')} packets delivered by the model.
Took ${seconds.toFixed(1)} s (${((result.transfers / seconds) / 1e6).toFixed(2)} M transfers/s, every walker and the generator included).

${found}

How often each model row decided a frame (every row is reached):

${rules}
`;
    return {
      markdown,
      svgs: {},
      summary: [
        `${result.transfers} transfers (C ${result.nativeTransfers}), ${differences} differences, ${seconds.toFixed(1)} s, load ${formatLoad(before.loadAverage)} -> ${formatLoad(after.loadAverage)}`,
      ],
    };
  },
};
