// `rmnetctl capture` (the dist build, a child process) on a TUN device in a network namespace made for the
// test: the TUN stands for a raw-ip parent (ARPHRD_NONE, no L2 header), and QMAP transfers built with the
// project's aggregator are injected as received frames (struct tun_pi with ETH_P_MAP, as qmi_wwan's
// pass_through hands them up). The pcapng is read back by python3-dpkt: per interface, the exact packets sent.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../../src/io/native.js';
import { QmapAddResult, QmapAggregator, encodeQmapPacket, type QmapVersion } from '../../../src/qmap/index.js';
import { createNetns, deleteNetns, ip } from '../netlink/netns.js';
import { byInterface, readPcapng } from './dpkt.js';

const BIN = fileURLToPath(new URL('../../../bin/rmnetctl.js', import.meta.url));
const ETH_P_MAP = 0x00f9;

/** An IPv4/UDP packet, `size` bytes, from 10.0.<mux>.2; its payload says which packet it is. */
function ipv4(mux: number, serial: number, size: number): Uint8Array {
  const p = new Uint8Array(size);
  p[0] = 0x45;
  p[2] = size >> 8;
  p[3] = size & 0xff;
  p[8] = 64;
  p[9] = 17;
  p.set([10, 0, mux, 2], 12);
  p.set([192, 0, 2, 1], 16);
  for (let i = 28; i < size; i++) p[i] = (serial * 7 + i) & 0xff;
  p[28] = serial;
  return p;
}

interface Sent {
  packets: Map<number, string[]>;
  transfers: Uint8Array[];
}

/** Packets of several muxes, aggregated up to `maxDatagrams` per transfer (copied out of the aggregator). */
function transfers(version: QmapVersion, perMux: Record<number, number>, maxDatagrams: number): Sent {
  const packets = new Map<number, string[]>();
  const list: { muxId: number; packet: Uint8Array }[] = [];
  let serial = 0;
  const remaining = { ...perMux };
  // Interleave the muxes, as a modem serving several PDNs does.
  while (Object.values(remaining).some((n) => n > 0)) {
    for (const mux of Object.keys(remaining).map(Number)) {
      if (remaining[mux]! === 0) continue;
      remaining[mux]!--;
      const packet = ipv4(mux, serial++, 60 + ((serial * 37) % 1300));
      list.push({ muxId: mux, packet });
      packets.set(mux, [...(packets.get(mux) ?? []), Buffer.from(packet).toString('hex')]);
    }
  }
  const aggregator = new QmapAggregator(new Uint8Array(32768), { maxSize: 32768, maxDatagrams, version, checksumValid: true });
  const out: Uint8Array[] = [];
  for (const { muxId, packet } of list) {
    let result = aggregator.add(muxId, packet);
    if (result === QmapAddResult.full) {
      out.push(aggregator.take().slice());
      result = aggregator.add(muxId, packet);
    }
    expect(result).toBe(QmapAddResult.added);
  }
  if (aggregator.datagrams > 0) out.push(aggregator.take().slice());
  return { packets, transfers: out };
}

function inject(fd: number, transfer: Uint8Array): void {
  const frame = Buffer.alloc(4 + transfer.length);
  frame.writeUInt16BE(ETH_P_MAP, 2);
  frame.set(transfer, 4);
  expect(native().write(fd, frame)).toBe(frame.length);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as bytes, when asked for (a pcapng on stdout). */
  raw?: Buffer;
}

/** Starts the CLI in the namespace and resolves once it says the tap is live. */
function startCapture(netns: string, args: string[], user?: string, binary = false): Promise<{ child: ReturnType<typeof spawn>; done: Promise<Run> }> {
  // Without CAP_NET_RAW: root still (it can read the checkout wherever CI cloned it), with the capability
  // gone from the bounding set, so the exec'd process cannot have it.
  const drop = ['setpriv', '--bounding-set=-net_raw', '--inh-caps=-net_raw'];
  const argv = ['netns', 'exec', netns, ...(user === 'without-net-raw' ? drop : user ? ['setpriv', `--reuid=${user}`, '--regid=65534', '--clear-groups', '--inh-caps=-all'] : []), process.execPath, BIN, 'capture', ...args];
  const child = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code) => {
      const raw = Buffer.concat(chunks);
      resolve({ code, stdout: raw.toString(), stderr, ...(binary ? { raw } : {}) });
    }),
  );
  return new Promise((resolve) => {
    child.stderr!.on('data', (c) => {
      stderr += String(c);
      if (stderr.includes('capturing on')) resolve({ child, done });
    });
    void done.then(() => resolve({ child, done }));
  });
}

async function runCapture(netns: string, args: string[], user?: string): Promise<Run> {
  return (await startCapture(netns, args, user)).done;
}

describe('rmnetctl capture on a TUN parent in a namespace', () => {
  let netns: { name: string; path: string };
  let tun: number;
  let dir: string;
  const parent = 'rq0';

  beforeAll(async () => {
    netns = await createNetns('rmnetctl-capture');
    tun = native().tunOpen(parent, true, netns.path);
    await ip('-n', netns.name, 'link', 'set', parent, 'up');
    dir = mkdtempSync(join(tmpdir(), 'rmnetctl-capture-'));
  });

  afterAll(async () => {
    if (tun !== undefined) native().close(tun);
    await deleteNetns(netns.name);
    rmSync(dir, { recursive: true, force: true });
  });

  it('QMAPv5: one pcapng interface per mux id with exactly the packets sent; a truncated frame counted; stops at --count', async () => {
    const sent = transfers(5, { 1: 10, 2: 7, 3: 5 }, 8);
    // A malformed transfer: one good frame on mux 1, then a frame whose length runs past the end.
    const good = ipv4(1, 200, 100);
    const bad = new Uint8Array(300);
    const first = encodeQmapPacket(bad, 0, 1, good, { version: 5, checksumValid: true });
    encodeQmapPacket(bad, first, 2, ipv4(2, 201, 120), { version: 5 });
    const malformed = bad.slice(0, first + 40);
    sent.packets.get(1)!.push(Buffer.from(good).toString('hex'));
    const expected = [...sent.packets.values()].reduce((n, l) => n + l.length, 0);
    const file = join(dir, 'v5.pcapng');
    const capture = await startCapture(netns.name, ['-d', parent, '--qmap', '5', '-w', file, '--count', String(expected), '--json']);
    for (const t of sent.transfers) inject(tun, t);
    inject(tun, malformed);
    const run = await capture.done;
    expect(run.stderr).toContain('capturing on rq0: QMAP v5, rmnet rules (from the option)');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      interface: parent,
      stoppedBy: 'count',
      written: expected,
      transfers: sent.transfers.length + 1,
      malformed: { truncated: 1 },
      format: { kind: 'qmap', version: 5, rules: 'rmnet', source: 'option' },
      file,
    });
    // Transfers of 8, 8, 6 and 1 (the malformed one): the lower median is 6.
    expect(report.datagramsPerTransfer).toEqual({ min: 1, median: 6, max: 8 });
    expect(report.socket.kernelPackets).toBe(sent.transfers.length + 1);
    expect(report.socket.kernelDrops).toBe(0);

    const pcap = await readPcapng(file);
    expect(pcap.interfaces.map((i) => i.linktype)).toEqual([101, 101, 101]);
    const got = byInterface(pcap);
    expect([...got.keys()].sort()).toEqual(['mux1', 'mux2', 'mux3']);
    for (const [mux, packets] of sent.packets) expect(got.get(`mux${mux}`)).toEqual(packets);
    // The summary's per-mux numbers are what dpkt counted.
    for (const m of report.mux as { muxId: number; packets: number; bytes: number }[]) {
      const packets = got.get(`mux${m.muxId}`)!;
      expect(m.packets).toBe(packets.length);
      expect(m.bytes).toBe(packets.reduce((n, h) => n + h.length / 2, 0));
    }
    // Kernel receive timestamps, in order, within the run.
    const stamps = pcap.packets.map((p) => p.ts);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    expect(Math.abs(stamps[0]! - Date.now() / 1000)).toBeLessThan(60);
  });

  it('QMAP v1 under qmimux rules, --mux 2 only, stopped by SIGINT: a complete file; a non-IP frame counted', async () => {
    const sent = transfers(1, { 1: 6, 2: 9 }, 4);
    const notIp = new Uint8Array(64);
    const junk = new Uint8Array(20).fill(0x11); // first nibble 1: not IPv4/IPv6
    const n = encodeQmapPacket(notIp, 0, 2, junk);
    const file = join(dir, 'v1.pcapng');
    const capture = await startCapture(netns.name, ['-d', parent, '--qmap', '1', '--mux', '2', '-w', file]);
    for (const t of sent.transfers) inject(tun, t);
    inject(tun, notIp.slice(0, n));
    await new Promise((r) => setTimeout(r, 300));
    capture.child.kill('SIGINT');
    const run = await capture.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('stopped by signal');
    expect(run.stdout).toContain('malformed: notIp 1');
    expect(run.stdout).toContain(`${sent.packets.get(1)!.length} packets of other mux ids not written`);
    expect(run.stdout).toContain(`wrote ${sent.packets.get(2)!.length} packets to ${file}`);
    const got = byInterface(await readPcapng(file));
    expect([...got.keys()]).toEqual(['mux2']);
    expect(got.get('mux2')).toEqual(sent.packets.get(2));
  });

  it('plain IP (--qmap none): each frame is one packet on the parent interface, stops after --seconds', async () => {
    const file = join(dir, 'ip.pcapng');
    const capture = await startCapture(netns.name, ['-d', parent, '--qmap', 'none', '-w', file, '--seconds', '1', '--json']);
    const packets = [ipv4(0, 1, 84), ipv4(0, 2, 1400)];
    for (const p of packets) inject(tun, p);
    const run = await capture.done;
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ stoppedBy: 'seconds', written: 2, mux: [{ muxId: 0, packets: 2, bytes: 84 + 1400 }] });
    const got = byInterface(await readPcapng(file));
    expect(got.get(parent)).toEqual(packets.map((p) => Buffer.from(p).toString('hex')));
  });

  it('-w - writes the pcapng to stdout (a pipe) and the summary to stderr', async () => {
    const sent = transfers(5, { 4: 3, 9: 2 }, 2);
    const capture = await startCapture(netns.name, ['-d', parent, '--qmap', '5', '-w', '-', '--count', '5'], undefined, true);
    for (const t of sent.transfers) inject(tun, t);
    const run = await capture.done;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('stopped by count');
    expect(run.stderr).toContain('wrote 5 packets to stdout');
    const file = join(dir, 'stdout.pcapng');
    writeFileSync(file, run.raw!);
    const got = byInterface(await readPcapng(file));
    expect(got.get('mux4')).toEqual(sent.packets.get(4));
    expect(got.get('mux9')).toEqual(sent.packets.get(9));
  });

  it('the parent going away mid-capture: exit 1 naming it, the summary printed, the file kept with what came', async () => {
    const name = 'rq1';
    const gone = native().tunOpen(name, true, netns.path);
    let open = true;
    try {
      await ip('-n', netns.name, 'link', 'set', name, 'up');
      const sent = transfers(5, { 1: 4 }, 2);
      const file = join(dir, 'gone.pcapng');
      const capture = await startCapture(netns.name, ['-d', name, '--qmap', '5', '-w', file, '--json']);
      for (const t of sent.transfers) inject(gone, t);
      await new Promise((r) => setTimeout(r, 300));
      // Closing the only fd of a non-persistent TUN unregisters the device.
      native().close(gone);
      open = false;
      const run = await capture.done;
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${name}: the interface went away during the capture`);
      expect(JSON.parse(run.stdout)).toMatchObject({ stoppedBy: 'ended', written: 4, ended: { code: 'CAPTURE_INTERFACE_GONE', category: 'failure' } });
      expect(byInterface(await readPcapng(file)).get('mux1')).toEqual(sent.packets.get(1));
    } finally {
      if (open) native().close(gone);
    }
  });

  it('without CAP_NET_RAW: exit 5 naming it, and no file created', async () => {
    const open = mkdtempSync(join(tmpdir(), 'rmnetctl-capture-nobody-'));
    chmodSync(open, 0o777);
    const file = join(open, 'x.pcapng');
    try {
      const run = await runCapture(netns.name, ['-d', parent, '--qmap', '5', '-w', file, '--count', '1'], 'without-net-raw');
      expect(run.code).toBe(5);
      expect(run.stderr).toContain('needs CAP_NET_RAW (run as root)');
      expect(existsSync(file)).toBe(false);
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });

  it.each([
    [['-d', 'nosuch0', '--qmap', '5'], 3, 'nosuch0: no such interface'],
    [['-d', parent, '--qmap', '5', '--count', '0'], 2, '--count must be in 1..2147483647, got 0'],
    [['-d', parent, '--qmap', 'none', '--mux', '1'], 2, 'carries plain IP'],
    [['-d', parent, '--qmap', '5', '--json', '-w', '-'], 2, '--json and -w - both want stdout'],
    [['-d', parent, '--qmap', '5', '-w', '/nonexistent-dir/x.pcapng'], 2, 'no such directory /nonexistent-dir'],
    [['-d', parent, '--qmap', '7'], 2, "argument '7' is invalid"],
  ])('bad input %j: exit %i, one clear error, nothing created', async (args, code, message) => {
    const run = await runCapture(netns.name, args);
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('capturing on');
  });
});
