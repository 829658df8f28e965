// rmnetctl capture [-d DEV] [--mux N] [-w FILE|-] [--count N] [--seconds S] [--qmap 1|4|5|none] [--json]:
// what the parent receives (whole QMAP transfers, before rmnet or qmimux take them), deaggregated into a pcapng
// with one interface per mux id, and a summary. Incoming only. docs/capture.md.
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { defineCommand } from '../define.js';
import type { CaptureReport } from '../../capture/run.js';
import type { QmapOption } from '../../capture/format.js';

export interface CaptureOptions {
  device?: string;
  mux?: number;
  write?: string;
  count?: number;
  seconds?: number;
  qmap?: QmapOption;
  json?: boolean;
  sysfsRoot?: string;
  stateDir?: string;
}

export function register(program: Command, context: CliContext): void {
  defineCommand(program, 'capture', { qmap: parseQmapOption })
    .action(async (options: CaptureOptions) => {
      await context.run(options, async () => {
        const { Category, RmnetError } = await import('../../errors.js');
        if (options.json && options.write === '-') {
          throw new RmnetError('BAD_ARGUMENT', '--json and -w - both want stdout: write the pcapng to a file, or drop --json (the summary then goes to stderr)', Category.usage, { option: '-w' });
        }
        const { emit, log } = await import('../output.js');
        const { portEnv } = await import('../session-options.js');
        const { RtNetlink } = await import('../../netlink/rtnl.js');
        const { StateStore } = await import('../../session/state.js');
        const { resolveCaptureTarget } = await import('../../capture/target.js');
        const { PacketSocket } = await import('../../capture/packet-socket.js');
        const { openCaptureOutput } = await import('../../capture/output.js');
        const { runCapture } = await import('../../capture/run.js');
        const env = await portEnv(options.sysfsRoot ?? '/sys');
        let netlink: InstanceType<typeof RtNetlink> | null = null;
        try {
          netlink = new RtNetlink();
        } catch (error) {
          log.debug(`netlink unavailable, rmnet links not read: ${(error as Error).message}`);
        }
        let socket: InstanceType<typeof PacketSocket> | null = null;
        try {
          const store = new StateStore(options.stateDir);
          const target = await resolveCaptureTarget({ env, netlink, readRecord: (key) => store.read(key) }, options);
          // Socket before file: a refused socket (no CAP_NET_RAW) must not leave an empty file behind.
          socket = new PacketSocket(target.parent);
          const output = options.write === undefined ? null : openCaptureOutput(options.write);
          netlink?.close();
          netlink = null;
          let onSignal = () => {};
          const stopSignal = new Promise<void>((resolve) => {
            onSignal = resolve;
            process.once('SIGINT', onSignal);
            process.once('SIGTERM', onSignal);
          });
          const { describeCaptureFormat } = await import('../../capture/format.js');
          // tcpdump's habit: one line on stderr once the tap is live (scripts wait for it before sending).
          log.info(`capturing on ${target.parent}: ${describeCaptureFormat(target.format)}, receive buffer ${socket.info.rcvbuf} bytes`);
          const report = await runCapture(socket, target, output, { mux: options.mux, count: options.count, seconds: options.seconds, stopSignal }).finally(() => {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          });
          socket = null;
          const ended = report.ended;
          const { RmnetError: Typed } = await import('../../errors.js');
          const endedDoc = ended ? (ended instanceof Typed ? { code: ended.code, message: ended.message, category: ended.category } : { message: ended.message }) : undefined;
          if (options.write === '-') process.stderr.write(`${renderCapture(report)}\n`);
          else emit({ ...report, ...(endedDoc ? { ended: endedDoc } : {}) }, options, renderCapture as (r: unknown) => string);
          // The summary stands (one document on stdout); the exit code says the capture did not end as asked.
          if (ended) {
            log.info(`error: ${ended.message}`);
            return ended instanceof Typed ? ended.category : Category.failure;
          }
        } finally {
          socket?.close();
          netlink?.close();
        }
      });
    });
}

/** --qmap's values (the table lists them; commander is told to hold to them). */
function parseQmapOption(value: string): QmapOption {
  if (value === '1' || value === '4' || value === '5' || value === 'none') return value as QmapOption;
  throw new InvalidArgumentError('expected 1, 4, 5 or none');
}

const dist = (d: { min: number; median: number; max: number } | null) => (d ? `${d.min}/${d.median}/${d.max}` : '-');

export function renderCapture(report: CaptureReport): string {
  const format = report.format.kind === 'ip' ? 'plain IP' : `QMAP v${report.format.version} (${report.format.rules} rules)`;
  const lines = [
    `capture on ${report.interface}${report.device ? ` (${report.device})` : ''}: ${format} from the ${report.format.source}; stopped by ${report.stoppedBy} after ${report.seconds.toFixed(1)} s`,
    `transfers ${report.transfers}, datagrams per transfer (min/median/max) ${dist(report.datagramsPerTransfer)}, bytes per transfer ${dist(report.bytesPerTransfer)}`,
  ];
  for (const m of report.mux) lines.push(`  ${m.muxId === 0 ? report.interface : `mux ${m.muxId}`}: ${m.packets} packets, ${m.bytes} bytes`);
  const malformed = Object.entries(report.malformed).map(([kind, n]) => `${kind} ${n}`);
  lines.push(`malformed: ${malformed.length > 0 ? malformed.join(', ') : 'none'}${report.droppedBytes > 0 ? ` (${report.droppedBytes} bytes dropped)` : ''}`);
  const other = [
    report.filtered > 0 ? `${report.filtered} packets of other mux ids not written` : '',
    report.commands > 0 ? `${report.commands} QMAP commands` : '',
    report.unknownMux > 0 ? `${report.unknownMux} frames on mux id 0 or 255` : '',
  ].filter((s) => s !== '');
  if (other.length > 0) lines.push(other.join(', '));
  const s = report.socket;
  lines.push(`kernel: ${s.kernelPackets} frames taken, ${s.kernelDrops} dropped (receive buffer full)${s.truncatedReads > 0 ? `, ${s.truncatedReads} too long to read` : ''}`);
  lines.push(report.file ? `wrote ${report.written} packets to ${report.file === '-' ? 'stdout' : report.file}` : `${report.written} packets (no -w: nothing written)`);
  return lines.join('\n');
}
