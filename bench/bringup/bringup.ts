// Bring-up latency: rmnetctl against the qmicli recipe users follow today, against the same emulated modem
// served on a pty by a separate process (bench/bringup/modem-process.ts), in the same run, cycles interleaved.
//
// - The recipe: `qmicli --wda-set-data-format` once, then per PDN and per IP family a WDS client allocated
//   with `--wds-noop --client-no-release-cid`, then `--wds-bind-mux-data-port`, `--wds-set-ip-family`,
//   `--wds-start-network`, `--wds-get-current-settings`, each one qmicli process with `--client-cid N
//   --client-no-release-cid`, one after the other as a shell script runs them. Its kernel steps (add_mux,
//   ip link/addr/route) are left out: this host has no qmi_wwan, and they would only add to the recipe's time.
// - rmnetctl: one cold process per cycle (bench/bringup/rmnetctl-process.ts) running the real `upMany` over a
//   real QmiDevice on the pty, with the kernel side on the session tests' doubles. Its process start-up is
//   measured on its own (`rmnetctl up --help`: Node, the bundle and the `up` chunk) and added for the total.
//
// A fresh modem process per cycle, so client ids and sessions never carry over between cycles.
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface, type Interface } from 'node:readline';
import { formatLoad, machineInfo, type MachineInfo } from '../lib/machine.js';
import { median, percentile } from '../lib/measure.js';
import { repoRoot } from '../lib/paths.js';
import { markdownTable } from '../lib/report.js';
import type { BenchSuite, SuiteOptions, SuiteResult } from '../lib/suite.js';
import { groupedBarChart } from '../lib/svg.js';

export const BRINGUP_TARGET_SPEEDUP = 5;

export interface BringupCase {
  id: string;
  label: string;
  /** Delay of every answer, ms. */
  delayMs: number;
  /** Extra delay of WDS Start Network, ms. */
  startDelayMs: number;
  pdns: number;
  ipType: '4' | '4v6';
  cycles: number;
}

export const CASES: BringupCase[] = [
  { id: 'instant', label: '(a) instant modem, 1 PDN IPv4', delayMs: 0, startDelayMs: 0, pdns: 1, ipType: '4', cycles: 15 },
  { id: 'realistic', label: '(b) 10 ms per answer, 400 ms per Start Network, 4 PDNs dual-stack', delayMs: 10, startDelayMs: 400, pdns: 4, ipType: '4v6', cycles: 7 },
];

interface Served {
  path: string;
  child: ChildProcessWithoutNullStreams;
  lines: Interface;
  next(): Promise<string>;
}

const bundleDir = () => join(repoRoot(), 'dist', 'bench-bundle');

async function startModem(c: BringupCase): Promise<Served> {
  const child = spawn(process.execPath, [join(bundleDir(), 'bringup-modem.mjs'), '--delay', String(c.delayMs), '--start-delay', String(c.startDelayMs)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else queue.push(line);
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const queued = queue.shift();
      if (queued !== undefined) return resolve(queued);
      const timer = setTimeout(() => reject(new Error(`emulated modem did not answer: ${stderr}`)), 10_000);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const first = JSON.parse(await next()) as { path: string };
  return { path: first.path, child, lines, next };
}

async function stopModem(served: Served): Promise<{ requests: number; byMessage: Record<string, number> }> {
  served.child.stdin.write('stats\n');
  const stats = JSON.parse(await served.next()) as { requests: number; byMessage: Record<string, number> };
  await new Promise<void>((resolve) => {
    served.child.once('exit', () => resolve());
    served.child.stdin.end('quit\n');
    setTimeout(() => served.child.kill('SIGKILL'), 5000).unref();
  });
  served.lines.close();
  return stats;
}

function run(file: string, args: string[], timeoutMs = 30_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** The recipe's qmicli argument lists: the data format once, then four steps per session (after --wds-noop). */
export function recipeSteps(): { dataFormat: string[]; perSession: (mux: number, family: 4 | 6, cid: string) => string[][] } {
  return {
    dataFormat: ['--wda-set-data-format=link-layer-protocol=raw-ip,ul-protocol=qmap,dl-protocol=qmap,dl-max-datagrams=32,dl-datagram-max-size=32768,ep-type=hsusb,ep-iface-number=4'],
    perSession: (mux, family, cid) => [
      ['--client-cid', cid, '--client-no-release-cid', `--wds-bind-mux-data-port=mux-id=${mux},ep-iface-number=4,ep-type=hsusb`],
      ['--client-cid', cid, '--client-no-release-cid', `--wds-set-ip-family=${family}`],
      ['--client-cid', cid, '--client-no-release-cid', `--wds-start-network=apn=${mux === 1 ? 'internet' : `apn${mux}`},ip-type=${family}`],
      ['--client-cid', cid, '--client-no-release-cid', '--wds-get-current-settings'],
    ],
  };
}

async function runRecipe(c: BringupCase, path: string): Promise<{ ms: number; processes: number }> {
  const qmicli = (args: string[]) => run('qmicli', ['-d', path, '--device-open-qmi', ...args]);
  const steps = recipeSteps();
  const families: Array<4 | 6> = c.ipType === '4v6' ? [4, 6] : [4];
  let processes = 0;
  const start = performance.now();
  await qmicli(steps.dataFormat);
  processes++;
  for (let mux = 1; mux <= c.pdns; mux++) {
    for (const family of families) {
      const { stdout } = await qmicli(['--wds-noop', '--client-no-release-cid']);
      processes++;
      const cid = /CID: '(\d+)'/.exec(stdout)?.[1];
      if (!cid) throw new Error(`qmicli --wds-noop printed no CID: ${stdout}`);
      for (const args of steps.perSession(mux, family, cid)) {
        const out = await qmicli(args);
        processes++;
        if (args.some((a) => a.startsWith('--wds-start-network')) && !out.stdout.includes('Network started')) {
          throw new Error(`qmicli ${args.join(' ')}: ${out.stdout}`);
        }
        if (args.includes('--wds-get-current-settings') && !out.stdout.includes(family === 4 ? 'IPv4 address' : 'IPv6 address')) {
          throw new Error(`qmicli --wds-get-current-settings gave no IPv${family} address: ${out.stdout}`);
        }
      }
    }
  }
  return { ms: performance.now() - start, processes };
}

async function runRmnetctl(c: BringupCase, path: string): Promise<{ ms: number; controlMs: number }> {
  const start = performance.now();
  const { stdout } = await run(process.execPath, [join(bundleDir(), 'bringup-rmnetctl.mjs'), '--path', path, '--pdns', String(c.pdns), '--ip-type', c.ipType]);
  const ms = performance.now() - start;
  const result = JSON.parse(stdout) as { controlMs: number; up: number; sessions: number; errors: string[] };
  const families = c.ipType === '4v6' ? 2 : 1;
  if (result.up !== c.pdns || result.sessions !== c.pdns * families) {
    throw new Error(`rmnetctl brought ${result.up}/${c.pdns} PDNs and ${result.sessions} sessions up: ${result.errors.join('; ')}`);
  }
  return { ms, controlMs: result.controlMs };
}

export interface CaseResult {
  case: BringupCase;
  recipeMs: number[];
  recipeProcesses: number;
  recipeRequests: number;
  rmnetctlControlMs: number[];
  rmnetctlProcessMs: number[];
  rmnetctlRequests: number;
}

export async function measureCase(c: BringupCase, cycles: number, progress: (line: string) => void): Promise<CaseResult> {
  const result: CaseResult = { case: c, recipeMs: [], recipeProcesses: 0, recipeRequests: 0, rmnetctlControlMs: [], rmnetctlProcessMs: [], rmnetctlRequests: 0 };
  // One warm-up cycle each (page cache, qmicli's libraries), not counted.
  for (let i = -1; i < cycles; i++) {
    for (const who of ['rmnetctl', 'recipe'] as const) {
      const served = await startModem(c);
      try {
        if (who === 'recipe') {
          const r = await runRecipe(c, served.path);
          const stats = await stopModem(served);
          if (i < 0) continue;
          result.recipeMs.push(r.ms);
          result.recipeProcesses = r.processes;
          result.recipeRequests = stats.requests;
        } else {
          const r = await runRmnetctl(c, served.path);
          const stats = await stopModem(served);
          if (i < 0) continue;
          result.rmnetctlControlMs.push(r.controlMs);
          result.rmnetctlProcessMs.push(r.ms);
          result.rmnetctlRequests = stats.requests;
        }
      } finally {
        if (served.child.exitCode === null) served.child.kill('SIGKILL');
      }
    }
    if (i >= 0) progress(`${c.id}: cycle ${i + 1}/${cycles}: recipe ${result.recipeMs.at(-1)!.toFixed(0)} ms, rmnetctl ${result.rmnetctlControlMs.at(-1)!.toFixed(0)} ms`);
  }
  return result;
}

function startupMs(runs: number): { medianMs: number; command: string } {
  const bin = join(repoRoot(), 'bin', 'rmnetctl.js');
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = performance.now();
    const r = spawnSync(process.execPath, [bin, 'up', '--help'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const ms = performance.now() - start;
    if (r.status !== 0) throw new Error(`rmnetctl up --help exited with ${r.status}`);
    if (i >= 2) times.push(ms);
  }
  return { medianMs: median(times), command: 'node bin/rmnetctl.js up --help' };
}

function qmicliVersion(): string | undefined {
  const r = spawnSync('qmicli', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? /qmicli (\S+)/.exec(r.stdout)?.[1] : undefined;
}

const f0 = (v: number) => v.toFixed(0);

export const bringupSuite: BenchSuite = {
  id: 'bringup',
  title: 'Bring-up latency: rmnetctl vs the qmicli recipe',
  unavailable() {
    if (!qmicliVersion()) return 'qmicli not found (apt-get install libqmi-utils)';
    if (!existsSync(join(repoRoot(), 'build', 'Release', 'rmnetctl_native.node'))) return 'no native addon (npm install / node-gyp rebuild): the pty needs it';
    if (!existsSync(join(repoRoot(), 'dist', 'bundle', 'rmnetctl.mjs'))) return 'no CLI bundle: run `node scripts/bundle.mjs` first';
    if (!existsSync(join(bundleDir(), 'bringup-modem.mjs'))) return 'no bench bundle: run `node scripts/bundle.mjs bench` first';
    return undefined;
  },
  async run(options: SuiteOptions, before: MachineInfo): Promise<SuiteResult> {
    const progress = (line: string) => process.stderr.write(`bench: bringup: ${line}\n`);
    const results: CaseResult[] = [];
    for (const c of CASES) results.push(await measureCase(c, options.quick ? 2 : c.cycles, progress));
    const startup = startupMs(options.quick ? 5 : 20);
    const after = machineInfo();
    const rows = results.map((r) => {
      const recipe = median(r.recipeMs);
      const control = median(r.rmnetctlControlMs);
      const total = control + startup.medianMs;
      return { r, recipe, recipeP90: percentile(r.recipeMs, 90), control, controlP90: percentile(r.rmnetctlControlMs, 90), process: median(r.rmnetctlProcessMs), total, speedup: recipe / total, speedupControl: recipe / control };
    });
    const table = markdownTable(
      ['case', 'cycles', 'qmicli recipe ms (p90)', 'qmicli processes', 'QMI requests recipe / rmnetctl', 'rmnetctl control plane ms (p90)', 'rmnetctl total ms', 'rmnetctl process wall ms', 'recipe / rmnetctl total', 'recipe / control plane'],
      rows.map((x) => [
        x.r.case.label,
        String(x.r.recipeMs.length),
        `${f0(x.recipe)} (${f0(x.recipeP90)})`,
        String(x.r.recipeProcesses),
        `${x.r.recipeRequests} / ${x.r.rmnetctlRequests}`,
        `${x.control.toFixed(1)} (${x.controlP90.toFixed(1)})`,
        f0(x.total),
        f0(x.process),
        `${x.speedup.toFixed(1)}x`,
        `${x.speedupControl.toFixed(1)}x`,
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    );
    const b = rows.find((x) => x.r.case.id === 'realistic')!;
    const a = rows.find((x) => x.r.case.id === 'instant')!;
    const met = b.speedup >= BRINGUP_TARGET_SPEEDUP;
    const svg = groupedBarChart({
      title: 'Bring-up latency against the emulated modem on a pty (median)',
      yLabel: 'ms',
      log: true,
      groups: ['(a) instant modem\n1 PDN IPv4', '(b) 10 ms / 400 ms Start Network\n4 PDNs dual-stack'],
      series: [
        { name: 'qmicli recipe', color: '#999999', values: [a.recipe, b.recipe] },
        { name: 'rmnetctl total (start-up + control plane)', color: '#3178c6', values: [a.total, b.total] },
        { name: 'rmnetctl control plane', color: '#7fb0e8', values: [a.control, b.control] },
      ],
      labels: true,
      digits: 0,
      width: 820,
      height: 400,
    });
    const markdown = `## Bring-up latency (\`npm run bench:bringup\`)

Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${before.cpu} (${before.cores} cores), Node ${before.node}, qmicli ${qmicliVersion() ?? '?'}.
**Load average before: ${formatLoad(before.loadAverage)}, after: ${formatLoad(after.loadAverage)}**${options.quick ? ' (quick run)' : ''}.

What runs, in the same run, cycles interleaved, a fresh emulated modem process per cycle (\`test/modem\`'s
EmulatedModem served on a pty by \`bench/bringup/modem-process.ts\`, so client ids and sessions never carry over):
- **qmicli recipe** (what users follow today): \`qmicli --wda-set-data-format\` once (raw-ip, QMAP, 32 datagrams /
  32 KiB), then per PDN and per IP family \`--wds-noop --client-no-release-cid\` (allocates the WDS client),
  \`--wds-bind-mux-data-port\`, \`--wds-set-ip-family\`, \`--wds-start-network\`, \`--wds-get-current-settings\`,
  each its own qmicli process with \`--client-cid N --client-no-release-cid\`, one after the other as a shell
  script runs them (spawned from Node with argument arrays). Its kernel steps (\`add_mux\`, \`ip link/addr/route\`)
  are **left out**, which only flatters the recipe.
- **rmnetctl**: one cold Node process per cycle (\`bench/bringup/rmnetctl-process.ts\`) running the real session
  code, \`upMany\` (one data-format decision, then every PDN's WDS sessions concurrently), over a real
  \`QmiDevice\` on the char-device transport opened on the pty. **This host has no qmi_wwan, so the kernel side
  (sysfs, rtnetlink) is the session tests' doubles** (the sysfs tree recorded on 6.1 that reacts like qmi_wwan, a
  netlink double); those calls cost microseconds, a real kernel's a little more. "control plane" is the time
  \`upMany\` takes, port opening and probing included. rmnetctl's own process start-up is measured separately as
  \`${startup.command}\` (Node, the CLI bundle and the \`up\` chunk): **${startup.medianMs.toFixed(1)} ms** median,
  and "total" = start-up + control plane. "process wall" is the whole bench child (start-up of the bench entry
  included), for reference.
- QMI requests: every request frame the modem process received in one cycle (CTL included).

${table}

Target (issue #6): case (b) at least ${BRINGUP_TARGET_SPEEDUP}x faster than the recipe: **${b.speedup.toFixed(1)}x, ${met ? 'met' : 'missed'}**.
Case (a), an instant modem: the recipe takes ${a.speedup.toFixed(1)}x rmnetctl's total time and ${a.speedupControl.toFixed(1)}x its control-plane time.
${a.speedup < 1 ? `rmnetctl is slower in total there: ${a.r.recipeProcesses} qmicli processes (C, a few ms each against a modem that answers at once) cost
less than one Node start-up (${startup.medianMs.toFixed(0)} ms); ` : ''}the control plane alone makes ${a.r.rmnetctlRequests} QMI requests to the recipe's ${a.r.recipeRequests}
(rmnetctl probes the port with CTL Get Version Info and reads the current data format before setting it).
In case (b) the recipe pays ${b.r.case.pdns * (b.r.case.ipType === '4v6' ? 2 : 1)} Start Networks of ${b.r.case.startDelayMs + b.r.case.delayMs} ms one after the other; rmnetctl starts them on
different WDS clients and muxes concurrently, so it pays about one, plus the data-format steps.
The emulated modem answers in microseconds when no delay is set, and a real modem in tens of milliseconds, and
Start Network on a real network takes from 100 ms to seconds: case (b) is closer to hardware than case (a).

![Bring-up latency](benchmarks/bringup.svg)
`;
    return {
      markdown,
      svgs: { bringup: svg },
      summary: rows.map((x) => `${x.r.case.id}: recipe ${f0(x.recipe)} ms, rmnetctl ${x.control.toFixed(1)} ms control + ${startup.medianMs.toFixed(1)} ms start-up = ${f0(x.total)} ms (${x.speedup.toFixed(1)}x)`),
    };
  },
};
