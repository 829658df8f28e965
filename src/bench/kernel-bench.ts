// `rmnetctl bench`: how fast this machine's kernel deaggregates QMAP with rmnet, no modem needed.
//
// The parent process checks what it needs (root, the rmnet module, unshare), then runs a worker in a fresh,
// anonymous network namespace (`unshare --net`, an argument array, no shell): the namespace, and every link
// in it, disappears with the worker's last process, on success, on error, on SIGINT or on a crash. Nothing is
// created in the caller's namespace and nothing is named, so nothing can be left behind.
//
// In the namespace: a veth pair bench0/bench1, an rmnet link (mux id 1) on bench0. rmnet takes any device
// that accepts an rx handler; on an Ethernet (ARPHRD_ETHER) parent it pushes the 14-byte MAC header back
// before parsing, so the frame from its first byte is read as QMAP. The worker sends UDP datagrams from
// bench1 to bench0, whose MAC address is chosen to be a QMAP v1 header: 00 (data, no pad), 01 (mux id 1),
// then the 16-bit length of the first packet, then 0x45 0x00 (the first two bytes of that packet, an IPv4
// version nibble). The first packet thus spans the rest of the MAC header, the IP and UDP headers and some
// filler; the UDP payload carries the other N-1 QMAP frames of the transfer, each a well-formed IPv4/UDP
// packet to an address nobody owns (dropped after delivery to the rmnet link, which is where we count).
// Packets per second = the rmnet link's rx_packets (rtnetlink stats64) over the sending time.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Category, RmnetError, type ErrorCategory } from '../errors.js';

export const DEFAULT_DATAGRAMS = [1, 8, 32];
export const DEFAULT_SECONDS = 3;
export const DEFAULT_PACKET_SIZE = 1500;
/** IPv4 + UDP headers of the carrier datagram, plus the 2 MAC bytes after the QMAP header, + EtherType. */
const CARRIER_OVERHEAD = 2 + 6 + 2 + 20 + 8;
const MAX_UDP_PAYLOAD = 65507;

export interface BenchOptions {
  datagrams: number[];
  seconds: number;
  packetSize: number;
}

export interface BenchCase {
  datagrams: number;
  packetSize: number;
  /** UDP datagrams (transfers) sent */
  transfers: number;
  /** QMAP packets sent (transfers x datagrams) */
  sent: number;
  /** rx_packets counted on the rmnet link */
  delivered: number;
  seconds: number;
  pps: number;
  /** delivered / sent */
  deliveredRatio: number;
  /** pps / the 1-datagram case's pps (when measured) */
  vsOne: number | null;
  /**
   * rx_dropped + rx_errors of the rmnet link and of its parent during the case. rmnet counts rx_packets before
   * it queues a packet to its gro_cells, which drop (rx_dropped) beyond net.core.netdev_max_backlog.
   */
  drops: { rmnet: number; parent: number };
}

export interface BenchReport {
  kernel: string;
  cpu: string;
  cores: number;
  loadAverage: [number, number, number];
  parent: 'veth';
  qmap: 'v1';
  cases: BenchCase[];
}

export type BenchEvent =
  | { event: 'progress'; index: number; count: number; fraction: number; datagrams: number }
  | { event: 'result'; report: BenchReport }
  | { event: 'error'; error: Record<string, unknown> };

/** Validates the options; throws BAD_ARGUMENT with the field named. */
export function checkOptions(options: BenchOptions): BenchOptions {
  const bad = (field: string, message: string) => new RmnetError('BAD_ARGUMENT', message, Category.usage, { field });
  if (options.datagrams.length === 0) throw bad('--datagrams', '--datagrams needs at least one count');
  for (const d of options.datagrams) {
    if (!Number.isInteger(d) || d < 1 || d > 255) throw bad('--datagrams', `--datagrams: each count must be an integer in 1..255, got ${d}`);
  }
  if (!(options.seconds > 0 && options.seconds <= 600)) throw bad('--seconds', `--seconds must be in (0, 600], got ${options.seconds}`);
  if (!Number.isInteger(options.packetSize) || options.packetSize < 64 || options.packetSize > 1500) {
    throw bad('--packet-size', `--packet-size must be an integer in 64..1500, got ${options.packetSize}`);
  }
  const largest = Math.max(...options.datagrams);
  const payload = options.packetSize - CARRIER_OVERHEAD + (largest - 1) * (4 + options.packetSize);
  if (payload > MAX_UDP_PAYLOAD) {
    throw bad('--datagrams', `${largest} datagrams of ${options.packetSize} B do not fit one 64 KiB transfer; lower --datagrams or --packet-size`);
  }
  return options;
}

/** bench0's MAC: a QMAP v1 data header for mux 1 with the first packet's length, then 0x45 0x00. */
export function parentMac(packetSize: number): string {
  const bytes = [0x00, 0x01, packetSize >> 8, packetSize & 0xff, 0x45, 0x00];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function ipv4Checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += (header[i]! << 8) | header[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A well-formed IPv4/UDP packet of `size` bytes to 198.51.100.1 (nobody's), zero checksum (allowed for UDP). */
export function innerPacket(size: number, sequence: number): Uint8Array {
  const p = new Uint8Array(size);
  const view = new DataView(p.buffer);
  p[0] = 0x45;
  view.setUint16(2, size);
  view.setUint16(4, sequence & 0xffff);
  p[8] = 64;
  p.set([17], 9);
  p.set([192, 0, 2, 99], 12);
  p.set([198, 51, 100, 1], 16);
  view.setUint16(10, ipv4Checksum(p.subarray(0, 20)));
  view.setUint16(20, 40000);
  view.setUint16(22, 9);
  view.setUint16(24, size - 20);
  return p;
}

/**
 * The UDP payload of one transfer of `datagrams` packets of `packetSize` bytes: filler that completes the
 * first (carrier) packet, then N-1 QMAP v1 frames (4-byte header: 00, mux 1, length; no padding).
 */
export function transferPayload(datagrams: number, packetSize: number): Uint8Array {
  const filler = packetSize - CARRIER_OVERHEAD;
  const out = new Uint8Array(filler + (datagrams - 1) * (4 + packetSize));
  let offset = filler;
  for (let i = 1; i < datagrams; i++) {
    out.set([0x00, 0x01, packetSize >> 8, packetSize & 0xff], offset);
    out.set(innerPacket(packetSize, i), offset + 4);
    offset += 4 + packetSize;
  }
  return out;
}

const rmnetLoaded = () => existsSync('/sys/module/rmnet');

function execFileText(file: string, args: string[], timeoutMs = 10_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
      resolve({ code, stdout, stderr: stderr || (error && typeof error.code === 'string' ? `${error.code}: ${error.message}` : '') });
    });
  });
}

/** What must hold before anything is created: root, the rmnet module (loaded here if it can be), unshare. */
export async function checkPrerequisites(): Promise<void> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new RmnetError('NOT_ROOT', 'rmnetctl bench creates a network namespace, a veth pair and an rmnet link: run it as root (sudo rmnetctl bench)', Category.permission);
  }
  if (!rmnetLoaded()) {
    // modprobe also succeeds for a built-in rmnet (CONFIG_RMNET=y), which may have no /sys/module entry.
    const probe = await execFileText('modprobe', ['-q', 'rmnet']);
    if (probe.code !== 0) {
      throw new RmnetError(
        'RMNET_UNAVAILABLE',
        `the rmnet kernel module is not available (modprobe rmnet failed${probe.stderr.trim() ? `: ${probe.stderr.trim()}` : ''}); it is CONFIG_RMNET, built by most distribution kernels`,
        Category.notFound,
      );
    }
  }
  const unshare = await execFileText('unshare', ['--version']);
  if (unshare.code !== 0) throw new RmnetError('UNSHARE_MISSING', 'rmnetctl bench needs unshare (util-linux) to make a throwaway network namespace', Category.notFound);
}

/**
 * Runs the benchmark: the worker in its own network namespace, progress through `onProgress`. A SIGINT or
 * SIGTERM while it runs stops the worker (its namespace goes with it) and rejects with INTERRUPTED.
 */
export async function runBench(options: BenchOptions, onProgress: (event: Extract<BenchEvent, { event: 'progress' }>) => void): Promise<BenchReport> {
  checkOptions(options);
  await checkPrerequisites();
  const script = process.argv[1];
  if (!script) throw new RmnetError('INTERNAL', 'cannot find the rmnetctl script to run the worker');
  const args = ['--net', '--', process.execPath, script, 'bench', '--worker', '--datagrams', options.datagrams.join(','), '--seconds', String(options.seconds), '--packet-size', String(options.packetSize)];
  const child = spawn('unshare', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
    child.kill('SIGTERM');
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    let report: BenchReport | undefined;
    let failure: Record<string, unknown> | undefined;
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let event: BenchEvent;
      try {
        event = JSON.parse(line) as BenchEvent;
      } catch {
        return;
      }
      if (event.event === 'progress') onProgress(event);
      else if (event.event === 'result') report = event.report;
      else if (event.event === 'error') failure = event.error;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    if (interrupted) throw new RmnetError('INTERRUPTED', `interrupted (${interrupted}); the benchmark's namespace and links are gone with its worker`, Category.failure);
    if (failure) {
      const category = typeof failure.category === 'string' && failure.category in Category ? (failure.category as ErrorCategory) : Category.failure;
      const { code: c, message, category: _c, ...details } = failure;
      throw new RmnetError(typeof c === 'string' ? c : 'BENCH_FAILED', typeof message === 'string' ? message : 'the benchmark worker failed', category, details);
    }
    if (!report || code !== 0) throw new RmnetError('BENCH_FAILED', `the benchmark worker exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`, Category.failure);
    return report;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
