// bringup-lab: case (c) of the bring-up suite, on the lab's real kernel: the real `rmnetctl up` CLI (cold
// process, real qmi_wwan, rmnet, rtnetlink) against the qmicli recipe with its kernel steps, in the lab VM
// (lab/guest/scenarios/bench-bringup.ts). TCG emulation: slow everywhere, compare the two, not the times.
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { formatLoad, machineInfo, type MachineInfo } from '../lib/machine.js';
import { median, percentile } from '../lib/measure.js';
import { repoRoot } from '../lib/paths.js';
import { markdownTable } from '../lib/report.js';
import type { BenchSuite, SuiteOptions, SuiteResult } from '../lib/suite.js';
import { groupedBarChart } from '../lib/svg.js';
import { labUnavailable, runLabMeasured } from '../kernel/kernel.js';

interface LabCase {
  id: 'instant' | 'realistic';
  delayMs: number;
  startDelayMs: number;
  ipType: string;
  rmnetctlUpMs: number[];
  recipeMs: number[];
  recipeProcesses: number;
}

export const bringupLabSuite: BenchSuite = {
  id: 'bringup-lab',
  title: 'Bring-up latency in the lab VM (real kernel, real CLI)',
  unavailable() {
    return labUnavailable('bench-bringup', true);
  },

  async run(options: SuiteOptions, before: MachineInfo): Promise<SuiteResult> {
    const { lab, loadRange } = await runLabMeasured('bench-bringup', (l) => { const c = l.data.cases as Record<string, LabCase> | undefined; return Boolean(c?.instant && c.realistic); });
    const after = machineInfo();
    const cases = lab.data.cases as Record<'instant' | 'realistic', LabCase>;
    const startup = median((lab.data.startupMs as number[] | undefined) ?? []);
    const hostStartup = median(
      Array.from({ length: 7 }, () => {
        const t = performance.now();
        spawnSync(process.execPath, [join(repoRoot(), 'bin', 'rmnetctl.js'), 'up', '--help'], { stdio: 'ignore' });
        return performance.now() - t;
      }),
    );
    const slower = Math.round(startup / hostStartup);
    const list = [cases.instant, cases.realistic];
    const label = (c: LabCase) => (c.id === 'instant' ? '(c1) instant modem, 1 PDN IPv4' : `(c2) ${c.delayMs} ms per answer, ${c.startDelayMs} ms per Start Network, 1 PDN IPv4v6`);
    const table = markdownTable(
      ['case', 'cycles', 'qmicli recipe ms (p90)', 'recipe processes', '`rmnetctl up` ms (p90)', 'recipe / rmnetctl'],
      list.map((c) => [
        label(c),
        String(c.recipeMs.length),
        `${median(c.recipeMs).toFixed(0)} (${percentile(c.recipeMs, 90).toFixed(0)})`,
        String(c.recipeProcesses),
        `${median(c.rmnetctlUpMs).toFixed(0)} (${percentile(c.rmnetctlUpMs, 90).toFixed(0)})`,
        `${(median(c.recipeMs) / median(c.rmnetctlUpMs)).toFixed(2)}x`,
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r'],
    );
    const svg = groupedBarChart({
      title: 'Bring-up in the lab VM, TCG emulation (median ms; compare bars, not absolutes)',
      yLabel: 'ms',
      groups: ['(c1) instant modem\n1 PDN IPv4', '(c2) 10 ms / 400 ms Start Network\n1 PDN IPv4v6'],
      series: [
        { name: 'qmicli recipe (with its kernel steps)', color: '#999999', values: list.map((c) => median(c.recipeMs)) },
        { name: 'rmnetctl up (whole CLI process)', color: '#3178c6', values: list.map((c) => median(c.rmnetctlUpMs)) },
      ],
      labels: true,
      digits: 0,
      width: 760,
      height: 380,
    });
    const markdown = `## Bring-up latency in the lab VM (\`npm run bench:bringup-lab\`)

Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} in the lab VM (Debian 6.1.0-56, QEMU **${lab.host.accel.toUpperCase()}**, one vCPU) on ${before.cpu}
(${before.cores} cores). **Host load average before: ${formatLoad(before.loadAverage)}, after: ${formatLoad(after.loadAverage)}; sampled during the
run: ${loadRange}**${options.quick ? ' (quick run)' : ''}.

> **Emulation numbers.** Everything in the guest (Node, qmicli, the kernel, the emulated modem on USB/IP) runs
> under TCG on one vCPU: a Node start-up alone takes about ${startup.toFixed(0)} ms there (\`rmnetctl up --help\`, median),
> ${slower} times the ${hostStartup.toFixed(0)} ms it takes on the host. Compare the two contenders, not the times with hardware.

What runs (\`lab/guest/scenarios/bench-bringup.ts\`), cycles interleaved, each torn down before the next:
- **\`rmnetctl up --mux 1 --apn internet [--ip-type 4v6] --json\`**: the real CLI, cold process, on the real qmi_wwan
  and rmnet (backend auto picks rmnet + QMAPv5 here), up to the link up with its addresses, routes and state
  record; \`rmnetctl down --all\` between cycles (not timed).
- **the qmicli recipe with its kernel steps** (qmimux, as qmi_wwan's documentation shows): \`--wda-set-data-format\`,
  \`ip link set wwan0 down\`, \`raw_ip\` Y, \`add_mux\` 1, links up, then per IP family \`--wds-noop
  --client-no-release-cid\`, \`--wds-bind-mux-data-port\`, \`--wds-set-ip-family\`, \`--wds-start-network\`,
  \`--wds-get-current-settings\`, \`ip addr add\`, \`ip route add default\`; torn down with \`--wds-stop-network\`
  (releasing the client) and \`del_mux\` (not timed).

${table}

Under TCG, process start-up dominates: the recipe's ${cases.instant.recipeProcesses}-${cases.realistic.recipeProcesses} processes are small C programs, rmnetctl is one Node
process whose start-up is most of its time, and it does more on the kernel side (rmnet + QMAPv5, the receive-size
procedure, checks and a state record). With modem delays (c2) the recipe pays its two Start Networks one after
the other and rmnetctl concurrently. On the host against the same modem model (the section above) start-up is
about ${slower} times cheaper and the concurrency is what decides.

![Bring-up in the lab VM](benchmarks/bringup-lab.svg)
`;
    return {
      markdown,
      svgs: { 'bringup-lab': svg },
      summary: list.map((c) => `${c.id}: recipe ${median(c.recipeMs).toFixed(0)} ms, rmnetctl up ${median(c.rmnetctlUpMs).toFixed(0)} ms`),
    };
  },
};
