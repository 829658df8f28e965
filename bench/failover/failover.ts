// `failover`: how long the default-route failover takes from a health judgement to the kernel's answer, on
// this host's kernel in a network namespace the suite creates and deletes (root). Two veth links with
// addresses stand for two PDNs (on two modems); each sample is one RouteFailover.report() that moves the
// routes: priority/withdraw (delete one route), priority/demote (add at metric + offset, delete the old one),
// balance (replace the multipath route by a single one, and back). Interleaved, then the way back.
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { RtNetlink } from '../../src/netlink/rtnl.js';
import { DEFAULT_FAILOVER, type FailoverSettings } from '../../src/health/failover.js';
import type { HealthState } from '../../src/health/judge.js';
import { RouteFailover } from '../../src/session/route-failover.js';
import { formatLoad, machineInfo, type MachineInfo } from '../lib/machine.js';
import { median, percentile } from '../lib/measure.js';
import { markdownTable } from '../lib/report.js';
import type { BenchSuite, SuiteOptions, SuiteResult } from '../lib/suite.js';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const uptime = () => execFileSync('uptime', [], { encoding: 'utf8' }).trim();

const CASES: Array<{ label: string; settings: FailoverSettings }> = [
  { label: 'priority, withdraw', settings: { ...DEFAULT_FAILOVER, holdTime: 0 } },
  { label: 'priority, demote', settings: { ...DEFAULT_FAILOVER, failover: 'demote', holdTime: 0 } },
  { label: 'balance (multipath replaced)', settings: { ...DEFAULT_FAILOVER, policy: 'balance', holdTime: 0 } },
];

async function runCase(ns: string, settings: FailoverSettings, samples: number): Promise<{ out: number[]; back: number[]; changes: number }> {
  ip('-n', ns, 'route', 'flush', 'table', 'main', 'default');
  const nl = new RtNetlink({ netns: `/run/netns/${ns}` });
  try {
    await nl.addRoute({ destination: 'default', family: 4, link: 'bf0', metric: 100 });
    await nl.addRoute({ destination: 'default', family: 4, link: 'bf1', metric: 200 });
    let now = 0;
    let changes = 0;
    const failover = new RouteFailover(nl, settings, (line) => void (line.startsWith('IPv4 default route') && changes++), () => now);
    const report = (health: HealthState) => failover.report('a', [{ muxId: 1, link: 'bf0', families: [4], metric: 100, weight: 1, health }]);
    await failover.report('b', [{ muxId: 1, link: 'bf1', families: [4], metric: 200, weight: 1, health: 'healthy' }], true);
    await report('healthy');
    const out: number[] = [];
    const back: number[] = [];
    for (let i = 0; i < samples; i++) {
      now += 1000;
      let t = performance.now();
      await report('unhealthy');
      out.push(performance.now() - t);
      now += 1000;
      t = performance.now();
      await report('healthy');
      back.push(performance.now() - t);
    }
    return { out, back, changes };
  } finally {
    nl.close();
  }
}

export const failoverSuite: BenchSuite = {
  id: 'failover',
  title: 'default-route failover: judgement to routes moved, on this kernel in a namespace',
  unavailable: () => (process.getuid?.() === 0 ? undefined : 'needs root (creates a network namespace)'),
  async run(options: SuiteOptions, before: MachineInfo): Promise<SuiteResult> {
    const uptimeBefore = uptime();
    const ns = `rmnetctl-bench-fo-${process.pid}`;
    const samples = options.quick ? 10 : 200;
    ip('netns', 'add', ns);
    const rows: string[][] = [];
    const summary: string[] = [];
    try {
      for (const [name, address] of [['bf0', '10.81.0.2'], ['bf1', '10.82.0.2']] as const) {
        ip('-n', ns, 'link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
        for (const end of [name, `${name}p`]) ip('-n', ns, 'link', 'set', end, 'up');
        ip('-n', ns, 'address', 'add', `${address}/24`, 'dev', name);
      }
      for (const c of CASES) {
        const r = await runCase(ns, c.settings, samples);
        const f = (v: number) => v.toFixed(2);
        rows.push([c.label, String(samples), `${f(median(r.out))} (${f(percentile(r.out, 99))})`, `${f(median(r.back))} (${f(percentile(r.back, 99))})`, (r.changes / samples).toFixed(1)]);
        summary.push(`${c.label}: out ${f(median(r.out))} ms p50, ${f(percentile(r.out, 99))} ms p99; back ${f(median(r.back))} ms p50`);
      }
    } finally {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    }
    const after = machineInfo();
    const table = markdownTable(['case', 'samples', 'route moved away, ms p50 (p99)', 'route back, ms p50 (p99)', 'kernel changes per round trip'], rows, ['l', 'r', 'r', 'r', 'r']);
    const markdown = `## Default-route failover (\`npm run bench:failover\`)

Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${before.cpu} (${before.cores} cores), Node ${before.node}, Linux ${before.kernel}.
**Load average before: ${formatLoad(before.loadAverage)}, after: ${formatLoad(after.loadAverage)}**${options.quick ? ' (quick run)' : ''}.
\`uptime\` before: \`${uptimeBefore}\`.

From one health judgement reaching \`RouteFailover.report()\` (src/session/route-failover.ts) to the kernel's
answer to the last route step: the policy's decision, a dump of links and IPv4 routes, and the adds, replaces
and deletes over rtnetlink. This host's kernel, in a network namespace the suite creates and deletes, two veth
links standing for two PDNs on two modems (metrics 100 and 200). "away": the first PDN becomes unhealthy;
"back": healthy again (hold time 0 here, so every round trip moves the routes twice).

${table}

Goal (issue #14): the route moved within 1 s of the detection. The time is the kernel round trips
(2-3 dumps and 1-2 changes); what a real run adds is the judgement itself (a probe interval) and nothing else.
`;
    return { markdown, svgs: {}, summary };
  },
};
