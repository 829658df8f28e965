// rmnetctl bench [--datagrams 1,8,32] [--seconds N] [--packet-size B] [--json]: how fast this machine's
// kernel deaggregates QMAP with rmnet, in a throwaway network namespace (src/bench/). No modem needed.
import type { Command } from 'commander';
import { defineCommand } from '../define.js';
import type { CliContext } from '../context.js';
import { Category, RmnetError } from '../../errors.js';
import { exitCodeOf } from '../exit-codes.js';

interface BenchCliOptions {
  datagrams: string;
  seconds: string;
  packetSize: number;
  json?: boolean;
  worker?: boolean;
}

function parseDatagrams(value: string): number[] {
  const parts = value.split(',');
  if (!parts.every((p) => /^[1-9]\d*$/.test(p.trim()))) {
    throw new RmnetError('BAD_ARGUMENT', `--datagrams must be a comma-separated list of counts, e.g. 1,8,32; got "${value}"`, Category.usage, { option: '--datagrams', value });
  }
  return parts.map((p) => Number(p.trim()));
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0 && n <= 600)) {
    throw new RmnetError('BAD_ARGUMENT', `--seconds must be a number in (0, 600], got "${value}"`, Category.usage, { option: '--seconds', value });
  }
  return n;
}

/** A one-line progress bar on stderr (a terminal only; elsewhere one line per finished case). */
function progressBar(total: number): { update(index: number, fraction: number, datagrams: number): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let last = -1;
  return {
    update(index, fraction, datagrams) {
      const overall = (index + Math.min(1, fraction)) / total;
      if (tty) {
        const width = 30;
        const filled = Math.round(overall * width);
        process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(overall * 100)).padStart(3)}%  ${datagrams} datagram${datagrams === 1 ? '' : 's'}/transfer `);
      } else if (fraction >= 1 && index !== last) {
        last = index;
        process.stderr.write(`rmnetctl bench: ${index + 1}/${total} done (${datagrams} datagram${datagrams === 1 ? '' : 's'}/transfer)\n`);
      }
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

export function register(program: Command, context: CliContext): void {
  defineCommand(program, 'bench')
    .action(async (options: BenchCliOptions) => {
      if (options.worker) {
        // JSON lines on stdout for the parent; the exit code is the error's.
        const { workerMain } = await import('../../bench/worker.js');
        const failure = await workerMain({ datagrams: parseDatagrams(options.datagrams), seconds: parseSeconds(options.seconds), packetSize: options.packetSize });
        // stdout is a pipe to the parent (synchronous on Linux): exiting here loses nothing.
        if (failure) process.exit(exitCodeOf(failure));
        return;
      }
      await context.run(options, async () => {
        const bench = { datagrams: parseDatagrams(options.datagrams), seconds: parseSeconds(options.seconds), packetSize: options.packetSize };
        const { runBench, checkOptions } = await import('../../bench/kernel-bench.js');
        const { emit, table } = await import('../output.js');
        checkOptions(bench);
        const bar = progressBar(bench.datagrams.length);
        let report;
        try {
          report = await runBench(bench, (e) => bar.update(e.index, e.fraction, e.datagrams));
        } finally {
          bar.done();
        }
        emit(report, options, (r) =>
          [
            `rmnet QMAP v1 deaggregation on a veth parent, kernel ${r.kernel}, ${r.cpu} (${r.cores} cores), load ${r.loadAverage.join(' ')}`,
            table(
              ['DATAGRAMS/TRANSFER', 'PACKET B', 'TRANSFERS', 'DELIVERED', 'PPS', 'x 1 DATAGRAM', 'DELIVERED/SENT', 'DROPPED AFTER'],
              r.cases.map((c) => [String(c.datagrams), String(c.packetSize), String(c.transfers), String(c.delivered), c.pps.toLocaleString('en-US'), c.vsOne === null ? '-' : `${c.vsOne.toFixed(2)}x`, c.deliveredRatio.toFixed(3), String(c.drops.rmnet)]),
            ),
            'DROPPED AFTER: rx_dropped of the rmnet link: packets counted as delivered, then dropped because the',
            'backlog behind rmnet (gro_cells, net.core.netdev_max_backlog) was full, the receive side limit.',
            'pps: packets the kernel delivered to the rmnet link per second (rx_packets), sender included: one veth and',
            'one UDP socket feed it, on this machine, so the figure covers the whole path, not rmnet alone.',
          ].join('\n'),
        );
      });
    });
}
