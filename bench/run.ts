// Benchmark runner: `node dist/bench-bundle/run.mjs [suite ...] [--quick] [--dry-run]` (npm run bench:*).
// Runs the named suites (all available ones by default), prints a summary, rewrites each suite's section of
// docs/benchmarks.md and its SVG plots. Suites that cannot run here are skipped with their reason.
import { deaggregateSuite } from './qmap/deaggregate.js';
import { differentialSuite } from './qmap/differential.js';
import { startupSuite } from './startup/startup.js';
import { bringupSuite } from './bringup/bringup.js';
import { bringupLabSuite } from './bringup/lab.js';
import { kernelSuite } from './kernel/kernel.js';
import { rmnetctlBenchSuite } from './kernel/rmnetctl-bench.js';
import { metricsSuite } from './metrics/metrics.js';
import { captureSuite } from './capture/capture.js';
import { failoverSuite } from './failover/failover.js';
import { machineInfo, formatLoad } from './lib/machine.js';
import { writeSection, writeSvg } from './lib/report.js';
import type { BenchSuite } from './lib/suite.js';

/** Every suite, in run order. Lab suites (bring-up latency, kernel pps) slot in here: see bench/README.md. */
const suites: BenchSuite[] = [deaggregateSuite, differentialSuite, startupSuite, bringupSuite, metricsSuite, captureSuite, failoverSuite, bringupLabSuite, kernelSuite, rmnetctlBenchSuite];

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const names = argv.filter((a) => !a.startsWith('--'));
  for (const flag of flags) {
    if (flag !== '--quick' && flag !== '--dry-run') {
      process.stderr.write(`bench: unknown flag ${flag} (known: --quick, --dry-run)\n`);
      return 2;
    }
  }
  const unknown = names.filter((n) => !suites.some((s) => s.id === n));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown suite ${unknown.join(', ')} (known: ${suites.map((s) => s.id).join(', ')})\n`);
    return 2;
  }
  const selected = names.length > 0 ? suites.filter((s) => names.includes(s.id)) : suites;
  const options = { quick: flags.has('--quick'), dryRun: flags.has('--dry-run') };
  let failed = false;
  for (const suite of selected) {
    const reason = suite.unavailable?.();
    if (reason) {
      process.stderr.write(`bench: ${suite.id}: skipped: ${reason}\n`);
      if (names.includes(suite.id)) failed = true;
      continue;
    }
    const before = machineInfo();
    process.stderr.write(`bench: ${suite.id}: ${suite.title} (load ${formatLoad(before.loadAverage)})\n`);
    const result = await suite.run(options, before);
    for (const line of result.summary) process.stdout.write(`${suite.id}: ${line}\n`);
    if (!options.dryRun) {
      for (const [name, svg] of Object.entries(result.svgs)) writeSvg(name, svg);
      const path = writeSection(suite.id, result.markdown);
      process.stderr.write(`bench: ${suite.id}: wrote ${path}\n`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
