// rmnetctl-bench: the user-facing `rmnetctl bench` (src/bench/), run in the lab VM by the scenario
// bench-rmnetctl, so the figures a user gets on hardware and the ones here come from the same code. The
// scenario also checks exit codes and clean-up (test/lab/bench.test.ts); this suite only reports its numbers.
import { formatLoad, machineInfo, type MachineInfo } from '../lib/machine.js';
import { markdownTable } from '../lib/report.js';
import type { BenchSuite, SuiteOptions, SuiteResult } from '../lib/suite.js';
import type { BenchReport } from '../../src/bench/kernel-bench.js';
import { labUnavailable, runLabMeasured } from './kernel.js';

export const rmnetctlBenchSuite: BenchSuite = {
  id: 'rmnetctl-bench',
  title: '`rmnetctl bench` in the lab VM',
  unavailable() {
    return labUnavailable('bench-rmnetctl', true);
  },

  async run(options: SuiteOptions, before: MachineInfo): Promise<SuiteResult> {
    const { lab, loadRange } = await runLabMeasured('bench-rmnetctl', (l) => Boolean((l.data.report as BenchReport | undefined)?.cases));
    const after = machineInfo();
    const report = lab.data.report as BenchReport;
    const table = markdownTable(
      ['datagrams / transfer', 'packet B', 'transfers', 'delivered', 'pps', 'x 1 datagram', 'delivered / sent', 'dropped after (rmnet rx_dropped)'],
      report.cases.map((c) => [String(c.datagrams), String(c.packetSize), String(c.transfers), String(c.delivered), c.pps.toLocaleString('en-US'), c.vsOne === null ? '-' : `${c.vsOne.toFixed(2)}x`, c.deliveredRatio.toFixed(3), String(c.drops.rmnet)]),
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    );
    const markdown = `## \`rmnetctl bench\` in the lab VM (\`npm run bench:rmnetctl\`)

Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}: \`rmnetctl bench --json --seconds 1\` in the lab VM (kernel ${report.kernel}, QEMU
**${lab.host.accel.toUpperCase()}**, one vCPU) on ${before.cpu} (${before.cores} cores). **Host load average before: ${formatLoad(before.loadAverage)}, after:
${formatLoad(after.loadAverage)}; sampled during the run: ${loadRange}**${options.quick ? ' (quick run)' : ''}. Guest load when the report was made: ${report.loadAverage.join(' ')}.

> TCG software emulation: these say that the command works on a real kernel and what its output looks like,
> not how fast any hardware is. On a real machine, run \`sudo rmnetctl bench\` (it needs no modem).

What it does (src/bench/): in a throwaway network namespace (\`unshare --net\`: the namespace and its links go
away with the worker process, also on SIGINT or a crash), a veth pair and an rmnet link (mux id 1) on one end.
**rmnet accepts a veth parent**: it registers its rx handler on any device, and on an Ethernet-type parent it
pushes the 14-byte MAC header back before parsing, so a frame is read as QMAP from its first byte. The worker
gives the parent a MAC address that is a QMAP v1 header (\`00:01:<len>:45:00\`: data frame, mux 1, the length of
the first packet, then an IPv4 version byte) and sends UDP datagrams to it from the peer; each datagram's
headers complete the first QMAP packet and its payload carries the other N-1 frames. pps = rx_packets of the
rmnet link (rtnetlink stats64) per second of sending. The sender (one Node UDP socket) shares the machine, so
the figure covers the whole path, not rmnet alone; "dropped after" counts packets rmnet delivered and its
gro_cells backlog (\`net.core.netdev_max_backlog\`) then dropped.

${table}

Under TCG, with the sender on the same single vCPU as the kernel and rmnet copying every packet out of the
transfer, these figures swing by several times between runs (another run of the lab test, under more host
load, gave about 3k, 3k and 8k pps): read neither absolutes nor ratios from them. The kernel-pps section above
measures the USB receive path itself, with repeated rounds.
`;
    return { markdown, svgs: {}, summary: report.cases.map((c) => `x${c.datagrams}: ${c.pps} pps (delivered ${c.delivered}/${c.sent})`) };
  },
};
