// The capture path's packet rate (`rmnetctl capture`: packet socket read + QMAP deaggregation + pcapng write)
// against the C deaggregation loop (native/bench/qmap_walk.c), at 1/8/32 datagrams per transfer.
//
// Three TypeScript columns, each adding one stage, so the ratio to C says where the time goes:
//   - deaggregate: QmapReader.deaggregate over the pool (the reader alone, as in the qmap suite);
//   - capture loop: CaptureLoop with a PcapngWriter into memory (summary, interface per mux id, pcapng blocks);
//   - full path: the transfers injected into a TUN device in a namespace made for the run, read back through
//     the capture's own PacketSocket (recvmmsg, up to 16 frames per N-API call), the loop, and the pcapng written to
//     a file in /dev/shm (tmpfs: the disk is not what is measured). Injection (the TUN write) is not timed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CaptureLoop, type CaptureFormat } from '../../src/capture/index.js';
import { PcapngWriter } from '../../src/capture/pcapng.js';
import { PacketSocket } from '../../src/capture/packet-socket.js';
import { openCaptureOutput } from '../../src/capture/output.js';
import { native } from '../../src/io/native.js';
import type { QmapVersion } from '../../src/qmap/index.js';
import { benchAddonPath, loadBenchAddon, type BenchAddon } from '../lib/bench-addon.js';
import { formatLoad, machineInfo, type MachineInfo } from '../lib/machine.js';
import { measureInterleaved, median, type Contender } from '../lib/measure.js';
import { markdownTable } from '../lib/report.js';
import type { BenchSuite, SuiteOptions, SuiteResult } from '../lib/suite.js';
import { nativeContender, typescriptCallbackContender } from '../qmap/deaggregate.js';
import { buildTransferPool, type TransferPool } from '../qmap/fixtures.js';

const DATAGRAMS = [1, 8, 32] as const;
const PACKET_SIZES = [64, 1500] as const;
const VERSION: QmapVersion = 5;
const ETH_P_MAP = 0x00f9;
/** Per sample of the full path: few enough transfers that the socket's receive buffer holds them all. */
const SOCKET_BATCH_BYTES = 2 * 1024 * 1024;
const SOCKET_BATCH_TRANSFERS = 1500;

const format: CaptureFormat = { kind: 'qmap', version: VERSION, rules: 'rmnet', source: 'option' };

/** A pcapng sink that keeps one buffer's worth and starts over: the writer's work without a file. */
function memorySink(): (chunk: Uint8Array) => void {
  const buffer = new Uint8Array(1 << 20);
  let used = 0;
  return (chunk) => {
    if (used + chunk.length > buffer.length) used = 0;
    buffer.set(chunk, used);
    used += chunk.length;
  };
}

function captureLoopContender(pool: TransferPool): Contender {
  const data = pool.pool;
  const { offsets, lengths } = pool;
  const sink = memorySink();
  // One receive buffer reused for every transfer, as the packet socket's read does (with its copy).
  const receive = Buffer.allocUnsafe(Math.max(...lengths));
  // One loop and one writer for every round, as one capture has (a writer per round would allocate its
  // megabyte batch buffer off-heap each time, and the collector's work would land on this column).
  const loop = new CaptureLoop({ format, parent: 'bench0', writer: new PcapngWriter(sink, undefined, { batch: true }) });
  return {
    name: 'capture loop (memory)',
    run(rounds) {
      const before = loop.result().written;
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < lengths.length; i++) {
          const begin = offsets[i]!;
          receive.set(data.subarray(begin, begin + lengths[i]!));
          loop.frame(receive, lengths[i]!, 1_700_000_000_000_000 + i);
        }
      }
      return loop.result().written - before;
    },
  };
}

interface SocketRig {
  netns: string;
  tun: number;
  socket: PacketSocket;
  dir: string;
}

function openRig(): SocketRig {
  const netns = `rmnetctl-capbench-${process.pid}`;
  execFileSync('ip', ['netns', 'add', netns]);
  try {
    const tun = native().tunOpen('capb0', true, `/run/netns/${netns}`);
    execFileSync('ip', ['-n', netns, 'link', 'set', 'capb0', 'up']);
    const socket = new PacketSocket('capb0', 64 * 1024 * 1024, `/run/netns/${netns}`);
    return { netns, tun, socket, dir: mkdtempSync('/dev/shm/rmnetctl-capbench-') };
  } catch (error) {
    execFileSync('ip', ['netns', 'del', netns]);
    throw error;
  }
}

function closeRig(rig: SocketRig): void {
  rig.socket.close();
  native().close(rig.tun);
  rmSync(rig.dir, { recursive: true, force: true });
  execFileSync('ip', ['netns', 'del', rig.netns]);
}

interface SocketRate {
  mpps: number;
  spreadPercent: number;
  drops: number;
  /** Transfers per sample. */
  batch: number;
}

/** Samples of the full path; each injects a batch (untimed), then times reading, decoding and writing it. */
function measureSocket(rig: SocketRig, pool: TransferPool, samples: number): SocketRate {
  const frames: Buffer[] = [];
  let bytes = 0;
  let packets = 0;
  for (let i = 0; i < pool.lengths.length && frames.length < SOCKET_BATCH_TRANSFERS && bytes < SOCKET_BATCH_BYTES; i++) {
    const frame = Buffer.alloc(4 + pool.lengths[i]!);
    frame.writeUInt16BE(ETH_P_MAP, 2);
    pool.pool.copy(frame, 4, pool.offsets[i]!, pool.offsets[i]! + pool.lengths[i]!);
    frames.push(frame);
    bytes += frame.length;
  }
  const before = rig.socket.counters().kernelDrops;
  const rates: number[] = [];
  const output = openCaptureOutput(join(rig.dir, 'bench.pcapng'));
  try {
    for (let s = 0; s < samples + 2; s++) {
      for (const frame of frames) native().write(rig.tun, frame);
      const writer = new PcapngWriter((chunk) => output.write(chunk), undefined, { batch: true });
      const loop = new CaptureLoop({ format, parent: 'capb0', writer });
      const start = performance.now();
      const read = rig.socket.drainNow((data, length, micros, offset) => loop.frame(data, length, micros, offset));
      writer.flush();
      output.flush();
      const seconds = (performance.now() - start) / 1000;
      packets = loop.result().written;
      if (read !== frames.length) throw new Error(`capture bench: read ${read} of ${frames.length} frames`);
      if (s >= 2) rates.push(packets / seconds / 1e6); // two warm-up samples
    }
  } finally {
    void output.close();
  }
  const mpps = median(rates);
  return { mpps, spreadPercent: ((Math.max(...rates) - Math.min(...rates)) / mpps) * 100, drops: rig.socket.counters().kernelDrops - before, batch: frames.length };
}

interface CaseResult {
  packetSize: number;
  datagrams: number;
  c: number;
  deaggregate: number;
  loop: number;
  socket: SocketRate | null;
}

const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);
const f3 = (v: number) => v.toFixed(3);

function socketUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root (a namespace, a TUN device, a packet socket)';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  return undefined;
}

export const captureSuite: BenchSuite = {
  id: 'capture',
  title: 'capture path: packet socket + deaggregation + pcapng vs the C loop',
  unavailable() {
    return loadBenchAddon() ? undefined : `the C loop is not built (${benchAddonPath()}): run npm install or npm rebuild`;
  },
  async run(options: SuiteOptions, before: MachineInfo): Promise<SuiteResult> {
    const addon: BenchAddon = loadBenchAddon()!;
    const noSocket = socketUnavailable();
    const rig = noSocket ? null : openRig();
    const results: CaseResult[] = [];
    try {
      // Contenders built once on a throwaway pool first (V8 context specialisation: bench/README.md).
      const warm = buildTransferPool({ packetSize: 100, datagrams: 4, poolBytes: 4096, version: VERSION });
      for (const c of [nativeContender(addon, warm, VERSION), typescriptCallbackContender(warm, VERSION), captureLoopContender(warm)]) c.run(1);
      for (const packetSize of PACKET_SIZES) {
        for (const datagrams of DATAGRAMS) {
          const pool = buildTransferPool({ packetSize, datagrams, poolBytes: options.quick ? 128 * 1024 : 1024 * 1024, version: VERSION, seed: packetSize * 100 + datagrams });
          const contenders = [nativeContender(addon, pool, VERSION), typescriptCallbackContender(pool, VERSION), captureLoopContender(pool)];
          const [c, d, l] = measureInterleaved(contenders, { samples: options.quick ? 3 : 7, sampleMs: options.quick ? 20 : 60 });
          if (l!.check !== pool.packets * l!.rounds) throw new Error(`capture bench: the loop wrote ${l!.check}, expected ${pool.packets * l!.rounds}`);
          const mpps = (m: { median: number }) => pool.packets / m.median / 1e6;
          const socket = rig ? measureSocket(rig, pool, options.quick ? 5 : 31) : null;
          const r: CaseResult = { packetSize, datagrams, c: mpps(c!), deaggregate: mpps(d!), loop: mpps(l!), socket };
          results.push(r);
          process.stderr.write(
            `  v${VERSION} ${packetSize} B x ${datagrams}: C ${f1(r.c)} Mpps, deaggregate ${f2(r.deaggregate / r.c)} of C, loop ${f2(r.loop)} Mpps (${f2(r.loop / r.c)}), ` +
              `full path ${socket ? `${f2(socket.mpps)} Mpps (${f2(socket.mpps / r.c)} of C, ${socket.drops} drops)` : `skipped: ${noSocket}`}\n`,
          );
        }
      }
    } finally {
      if (rig) closeRig(rig);
    }
    const after = machineInfo();
    const rows = results.map((r) => [
      String(r.packetSize),
      String(r.datagrams),
      f1(r.c),
      `${f1(r.deaggregate)} (${f2(r.deaggregate / r.c)})`,
      `${f2(r.loop)} (${f3(r.loop / r.c)})`,
      r.socket ? `${f2(r.socket.mpps)} (${f3(r.socket.mpps / r.c)})` : '-',
      r.socket ? f1(r.datagrams / r.socket.mpps) : '-',
      r.socket ? `${f2(r.socket.mpps / r.loop)}` : '-',
      r.socket ? String(r.socket.drops) : '-',
      r.socket ? `${Math.round(r.socket.spreadPercent)}%` : '-',
    ]);
    const table = markdownTable(
      ['packet B', 'datagrams', 'C loop Mpps', 'deaggregate Mpps (x C)', 'capture loop Mpps (x C)', 'full path Mpps (x C)', 'full path µs per transfer', 'full / loop', 'kernel drops', 'full-path spread'],
      rows,
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    );
    const markdown = `## Capture path (\`npm run bench:capture\`)

Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${before.cpu} (${before.cores} cores, ${before.memoryGiB} GiB), Node ${before.node},
Linux ${before.kernel}. **Load average (1/5/15 min) before: ${formatLoad(before.loadAverage)}, after: ${formatLoad(after.loadAverage)}**${options.quick ? ' (quick run: few samples, small pools)' : ''}.

QMAPv5 transfers (8 mux ids) of the qmap suite's pools, packets per second. The **C loop** walks the whole pool in
one call; **deaggregate** is \`QmapReader.deaggregate\` alone; the **capture loop** adds what \`rmnetctl capture\`
does per transfer and packet (the copy into one receive buffer, summary, interface per mux id, one pcapng Enhanced
Packet Block into a batch in memory); the **full path**
adds the packet socket (\`recvmmsg\` through N-API, up to 16 transfers per call, from a TUN device in a namespace
made for the run) and the file (\`/dev/shm\`, flushed per sample). Injection into the TUN is not timed. Ratios are the
figure: the machine is shared and its load is written above.

${table}

What this says: the C loop only walks headers (it touches no payload), so the ratios to it are small by
construction; with its own per-packet work (summary, pcapng block, payload copy) the capture loop runs at
${f2(Math.min(...results.map((r) => r.loop / r.deaggregate)))}-${f2(Math.max(...results.map((r) => r.loop / r.deaggregate)))} of the reader's rate. The full path is bound by the socket, and its spread shows how much the other
users of the machine took:
a system call costs microseconds on this (virtualised, loaded) machine. When this section was first written (2026-12-04,
load about 11), one \`recvmsg\` per transfer gave 0.11 Mpps at 64 B x 1 and \`recvmmsg\` with 16 frames per call
(what \`PacketSocket\` does now) 0.88. A TPACKET_V3 ring would take the remaining per-frame copy and call away (not done).
Two warm-up samples are dropped; the full path's median is over ${options.quick ? 5 : 31} samples of up to
${SOCKET_BATCH_TRANSFERS} transfers (at most ${SOCKET_BATCH_BYTES >> 20} MiB) each.${noSocket ? `\n\nFull path skipped: ${noSocket}.` : ''}
`;
    const summary = results.map((r) => `${r.packetSize} B x ${r.datagrams}: loop ${f2(r.loop / r.c)} of C${r.socket ? `, full path ${f2(r.socket.mpps)} Mpps (${f2(r.socket.mpps / r.c)} of C)` : ''}`);
    return { markdown, svgs: {}, summary };
  },
};
