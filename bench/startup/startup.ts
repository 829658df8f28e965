// Start-up: `rmnetctl --version` against `node -e 0` (target: within 1.2x), plus the paths behind it, each
// spawned N times, interleaved. Wall time per spawn includes fork/exec from this process, the same for every
// command, so the ratio is if anything a little flattering to the slower command; medians are reported.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { VERSION } from '../../src/version.js';
import { formatLoad, machineInfo, type MachineInfo } from '../lib/machine.js';
import { median, percentile } from '../lib/measure.js';
import { repoRoot } from '../lib/paths.js';
import { markdownTable } from '../lib/report.js';
import type { BenchSuite, SuiteOptions, SuiteResult } from '../lib/suite.js';
import { groupedBarChart } from '../lib/svg.js';

export const STARTUP_TARGET_RATIO = 1.2;

interface StartupCommand {
  label: string;
  args: string[];
  /** What it must print on stdout (checked once before timing). */
  expect?: string;
}

interface StartupResult {
  label: string;
  command: string;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  ratio: number;
}

function commands(root: string): StartupCommand[] {
  const bin = join(root, 'bin', 'rmnetctl.js');
  const list: StartupCommand[] = [
    { label: 'node -e 0', args: ['-e', '0'], expect: '' },
    { label: 'rmnetctl --version', args: [bin, '--version'], expect: `${VERSION}\n` },
    { label: 'rmnetctl --help (bundle)', args: [bin, '--help'] },
  ];
  if (existsSync(join(root, 'dist', 'bundle', 'rmnetctl.mjs'))) {
    list.push({
      label: '--version via bundle + commander',
      args: [join(root, 'bench', 'startup', 'entry-bundle.mjs'), '--version'],
      expect: `${VERSION}\n`,
    });
  }
  if (existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) {
    list.push({
      label: '--version via tsc tree (before)',
      args: [join(root, 'bench', 'startup', 'entry-tree.mjs'), '--version'],
      expect: `${VERSION}\n`,
    });
  }
  return list;
}

function spawnOnce(args: string[]): { ms: number; stdout: string; status: number | null } {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' });
  return { ms: performance.now() - start, stdout: result.stdout, status: result.status };
}

export const startupSuite: BenchSuite = {
  id: 'startup',
  title: 'Start-up',
  unavailable() {
    return existsSync(join(repoRoot(), 'dist', 'bundle', 'rmnetctl.mjs'))
      ? undefined
      : 'no bundle: run `npm run build` (or `node scripts/bundle.mjs`) first';
  },
  async run(options: SuiteOptions, before: MachineInfo): Promise<SuiteResult> {
    const root = repoRoot();
    const list = commands(root);
    const display = (c: StartupCommand) => ['node', ...c.args.map((a) => a.replace(`${root}/`, ''))].join(' ');
    for (const c of list) {
      const once = spawnOnce(c.args);
      if (once.status !== 0) throw new Error(`${display(c)} exited with ${once.status}`);
      if (c.expect !== undefined && once.stdout !== c.expect) {
        throw new Error(`${display(c)} printed ${JSON.stringify(once.stdout)}, expected ${JSON.stringify(c.expect)}`);
      }
    }
    const runs = options.quick ? 10 : 40;
    const times = list.map(() => [] as number[]);
    for (let i = 0; i < runs; i++) list.forEach((c, j) => times[j]!.push(spawnOnce(c.args).ms));
    const after = machineInfo();
    const baseline = median(times[0]!);
    const results: StartupResult[] = list.map((c, j) => ({
      label: c.label,
      command: display(c),
      medianMs: median(times[j]!),
      p90Ms: percentile(times[j]!, 90),
      minMs: Math.min(...times[j]!),
      ratio: median(times[j]!) / baseline,
    }));
    const version = results[1]!;
    const met = version.ratio <= STARTUP_TARGET_RATIO;

    const table = markdownTable(
      ['command', 'median ms', 'p90 ms', 'min ms', 'x node -e 0'],
      results.map((r) => [`\`${r.command}\``, r.medianMs.toFixed(1), r.p90Ms.toFixed(1), r.minMs.toFixed(1), r.ratio.toFixed(2)]),
      ['l', 'r', 'r', 'r', 'r'],
    );
    const svg = groupedBarChart({
      title: 'Start-up time (median wall time per spawn)',
      yLabel: 'ms',
      groups: results.map((r) => r.label.replace(' (', '\n(').replace(' via ', '\nvia ')),
      series: [{ name: 'median', color: '#3178c6', values: results.map((r) => r.medianMs) }],
      labels: true,
      lines: [{ value: baseline * STARTUP_TARGET_RATIO, label: `target: 1.2 x node -e 0 = ${(baseline * STARTUP_TARGET_RATIO).toFixed(1)} ms` }],
      width: 820,
      height: 380,
    });

    const markdown = `## Start-up (\`npm run bench:startup\`)

Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${before.cpu} (${before.cores} cores), Node ${before.node}. Load average
before: ${formatLoad(before.loadAverage)}, after: ${formatLoad(after.loadAverage)}${options.quick ? ' (quick run)' : ''}. Each command spawned ${runs} times from Node
(\`spawnSync\`, interleaved), wall time per spawn; outputs checked before timing.

${table}

Target: \`rmnetctl --version\` within ${STARTUP_TARGET_RATIO}x of \`node -e 0\`: ${version.ratio.toFixed(2)}x, ${met ? 'met' : '**missed**'}.

How: \`bin/rmnetctl.js\` answers a bare \`--version\`/\`-V\` from package.json without loading the CLI (commander
prints the same line, checked above; \`src/version.ts\` is tested equal to package.json), with \`fs.writeSync\`
because creating \`process.stdout\` costs about a millisecond. Everything else loads one esbuild bundle,
\`dist/bundle/rmnetctl.mjs\` (\`npm run build\` = \`tsc\` then \`scripts/bundle.mjs\`), with command modules in lazily
imported chunks and the native addon loaded on first use. The last two rows show what the shortcut and the bundle
each save. What remains is mostly Node's ESM loader (an empty \`.mjs\` file costs 2-3 ms over \`node -e 0\`).
\`--help\` loads every command module (the command table imports each one to register it), which is why it is
the slowest row; registering names and descriptions without importing the modules would bring it down.

![Start-up time](benchmarks/startup.svg)
`;
    return {
      markdown,
      svgs: { startup: svg },
      summary: results.map((r) => `${r.label}: ${r.medianMs.toFixed(1)} ms (${r.ratio.toFixed(2)}x)`),
    };
  },
};
