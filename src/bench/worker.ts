// The `rmnetctl bench` worker: runs inside the throwaway network namespace `unshare --net` made for it (see
// kernel-bench.ts), prints JSON lines (progress, then the result or an error) on stdout. Everything it
// creates lives in that namespace and goes away with it; it still deletes its links on the way out.
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Category, RmnetError } from '../errors.js';
import { RtNetlink } from '../netlink/rtnl.js';
import { checkOptions, parentMac, transferPayload, type BenchCase, type BenchEvent, type BenchOptions, type BenchReport } from './kernel-bench.js';

const PARENT = 'bench0';
const PEER = 'bench1';
const RMNET = 'rmnet_bench';
const PEER_ADDRESS = '192.0.2.2';
const PARENT_ADDRESS = '192.0.2.1';
const PORT = 9;
/** Datagrams handed to the socket and not yet reported sent. */
const WINDOW = 64;

const emit = (event: BenchEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);

/** The namespace must be a fresh one: refuse to run where the caller's links are. */
async function checkIsolated(netlink: RtNetlink): Promise<void> {
  const links = await netlink.listLinks();
  const foreign = links.filter((l) => l.name !== 'lo');
  if (foreign.length > 0) {
    throw new RmnetError('NOT_ISOLATED', `the bench worker must run in an empty network namespace (found ${foreign.map((l) => l.name).join(', ')}); run "rmnetctl bench", not the worker`, Category.usage);
  }
}

async function setUp(netlink: RtNetlink, packetSize: number): Promise<void> {
  await netlink.createLink({ name: PARENT, link: { kind: 'veth', peerName: PEER } });
  // No IPv6 autoconfiguration noise on the peer (router solicitations would reach rmnet as junk QMAP).
  try {
    writeFileSync(`/proc/sys/net/ipv6/conf/${PEER}/disable_ipv6`, '1');
  } catch {
    // no IPv6 in this kernel: nothing to silence
  }
  await netlink.setLinkAddress(PARENT, parentMac(packetSize));
  // rmnet refuses a parent whose MTU - 4 exceeds 16384 when the link is made: make it at 1500, then raise.
  try {
    await netlink.createRmnetLink({ name: RMNET, parent: PARENT, muxId: 1 });
  } catch (error) {
    if (error instanceof RmnetError) {
      throw new RmnetError(error.code, `rmnet on a veth parent: ${error.message}`, error.category, { ...error.details });
    }
    throw error;
  }
  await netlink.setMtu(PARENT, 65535);
  await netlink.setMtu(PEER, 65535);
  for (const link of [PARENT, PEER, RMNET]) await netlink.setLinkUp(link, true);
  await netlink.addAddress({ link: PEER, address: PEER_ADDRESS, prefixLength: 24 });
  await netlink.replaceNeighbour({ link: PEER, address: PARENT_ADDRESS, lladdr: parentMac(packetSize), permanent: true });
}

async function counters(netlink: RtNetlink): Promise<{ rx: number; rmnetDrops: number; parentDrops: number }> {
  const [rmnet, parent] = await Promise.all([netlink.getLink(RMNET), netlink.getLink(PARENT)]);
  const s = rmnet.stats;
  const p = parent.stats;
  return {
    rx: s?.rxPackets ?? 0,
    rmnetDrops: (s?.rxDropped ?? 0) + (s?.rxErrors ?? 0),
    parentDrops: (p?.rxDropped ?? 0) + (p?.rxErrors ?? 0),
  };
}

/** Sends `payload` from bench1 to bench0 as fast as the socket takes it, for `seconds`. */
async function send(payload: Uint8Array, seconds: number, onTick: (fraction: number) => void): Promise<{ transfers: number; elapsed: number }> {
  const socket = createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, PEER_ADDRESS, () => resolve());
  });
  const durationMs = seconds * 1000;
  const start = performance.now();
  let transfers = 0;
  let inFlight = 0;
  let lastTick = start;
  try {
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const pump = () => {
        while (!done && inFlight < WINDOW) {
          const now = performance.now();
          if (now - start >= durationMs) {
            done = true;
            break;
          }
          if (now - lastTick > 100) {
            lastTick = now;
            onTick((now - start) / durationMs);
          }
          inFlight++;
          socket.send(payload, PORT, PARENT_ADDRESS, (error) => {
            inFlight--;
            if (error) {
              // ENOBUFS and the like: the queue is full, try again on the next round
              if ((error as NodeJS.ErrnoException).code !== 'ENOBUFS' && (error as NodeJS.ErrnoException).code !== 'EAGAIN') {
                done = true;
                reject(error);
                return;
              }
            } else transfers++;
            if (!done) pump();
            else if (inFlight === 0) resolve();
          });
        }
        if (done && inFlight === 0) resolve();
      };
      pump();
    });
  } finally {
    socket.close();
  }
  return { transfers, elapsed: (performance.now() - start) / 1000 };
}

export async function runWorker(options: BenchOptions): Promise<void> {
  checkOptions(options);
  const netlink = new RtNetlink();
  try {
    await checkIsolated(netlink);
    await setUp(netlink, options.packetSize);
    const cases: BenchCase[] = [];
    // A short warm-up, not reported: caches, the socket path, the JIT.
    await send(transferPayload(Math.min(...options.datagrams), options.packetSize), Math.min(0.3, options.seconds / 4), () => {});
    for (const [index, datagrams] of options.datagrams.entries()) {
      const payload = transferPayload(datagrams, options.packetSize);
      const before = await counters(netlink);
      const sent = await send(payload, options.seconds, (fraction) => emit({ event: 'progress', index, count: options.datagrams.length, fraction, datagrams }));
      await new Promise((r) => setTimeout(r, 100)); // the backlog drains
      const after = await counters(netlink);
      const delivered = after.rx - before.rx;
      const packets = sent.transfers * datagrams;
      cases.push({
        datagrams,
        packetSize: options.packetSize,
        transfers: sent.transfers,
        sent: packets,
        delivered,
        seconds: Math.round(sent.elapsed * 1000) / 1000,
        pps: Math.round(delivered / sent.elapsed),
        deliveredRatio: packets > 0 ? Math.round((delivered / packets) * 1000) / 1000 : 0,
        vsOne: null,
        drops: { rmnet: after.rmnetDrops - before.rmnetDrops, parent: after.parentDrops - before.parentDrops },
      });
      emit({ event: 'progress', index, count: options.datagrams.length, fraction: 1, datagrams });
    }
    const one = cases.find((c) => c.datagrams === 1);
    for (const c of cases) c.vsOne = one && one.pps > 0 ? Math.round((c.pps / one.pps) * 100) / 100 : null;
    const [l1, l5, l15] = loadavg();
    let kernel = 'unknown';
    try {
      kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
    } catch {
      // leave it unknown
    }
    const report: BenchReport = {
      kernel,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadAverage: [l1!, l5!, l15!].map((v) => Math.round(v * 100) / 100) as [number, number, number],
      parent: 'veth',
      qmap: 'v1',
      cases,
    };
    emit({ event: 'result', report });
  } finally {
    // The namespace goes with this process anyway; delete what was made so even a shared one stays clean.
    await netlink.deleteLink(RMNET).catch(() => {});
    await netlink.deleteLink(PARENT).catch(() => {});
    netlink.close();
  }
}

/** Entry from the CLI (`rmnetctl bench --worker ...`): an error becomes one JSON line, and is returned for the CLI's exit code. */
export async function workerMain(options: BenchOptions): Promise<RmnetError | undefined> {
  try {
    await runWorker(options);
    return undefined;
  } catch (error) {
    const e = error instanceof RmnetError ? error : new RmnetError('BENCH_FAILED', error instanceof Error ? error.message : String(error));
    emit({ event: 'error', error: e.toJSON() });
    return e;
  }
}
