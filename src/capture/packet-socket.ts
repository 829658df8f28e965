// The capture's one I/O edge: an AF_PACKET socket bound to the parent (native/src/addon.c packetOpen), read
// until EAGAIN whenever libuv says it is readable, each frame handed on with its kernel receive time.
// Incoming only: PACKET_IGNORE_OUTGOING, and sll_pkttype for kernels that lack it.
import { Category, RmnetError } from '../errors.js';
import { isSystemError, native, type NativeWatcher } from '../io/native.js';
import type { CaptureSocketCounters } from './capture.js';

const READABLE = 1;
/** linux/if_packet.h PACKET_OUTGOING. */
const PACKET_OUTGOING = 4;
/** recvmmsg calls per readable callback before letting the event loop run (timers, signals). */
const BATCH_CALLS = 32;
/** Frames per recvmmsg: one system call for many (each costs microseconds on a virtualised machine). */
const FRAMES_PER_CALL = 16;
/** Room per frame: a QMAP transfer is at most the WDA DL max size (rmnetctl asks 32 KiB; 64 KiB is common). */
export const CAPTURE_READ_BUFFER = 256 * 1024;
/** Receive buffer asked of the kernel: room for bursts while the loop writes the file. */
export const CAPTURE_RCVBUF = 8 * 1024 * 1024;

/** One frame: `data[offset .. offset + length)`, valid during the call. */
export type FrameHandler = (data: Buffer, length: number, micros: number, offset: number) => void;

/** Where frames come from: the packet socket here, bytes in tests and benchmarks. */
export interface FrameSource {
  /** Starts delivering frames; `end` is called once on a read error (the interface went away, ...). */
  start(onFrame: FrameHandler, end: (error: Error) => void): void;
  counters(): CaptureSocketCounters;
  close(): void;
}

export interface PacketSocketInfo {
  ifindex: number;
  /** ARPHRD type: 65534 (NONE: qmi_wwan raw-ip, TUN), 519 (RAWIP: mhi_net), 1 (ether: qmi_wwan 802.3). */
  hatype: number;
  /** The receive buffer the kernel granted (it doubles what was asked, and caps it without privilege). */
  rcvbuf: number;
}

export class PacketSocket implements FrameSource {
  readonly info: PacketSocketInfo;
  private readonly fd: number;
  private watcher: NativeWatcher | null = null;
  private readonly slab = Buffer.allocUnsafe(FRAMES_PER_CALL * CAPTURE_READ_BUFFER);
  private readonly meta = new Float64Array(3 * FRAMES_PER_CALL);
  private readonly totals: CaptureSocketCounters = { kernelPackets: 0, kernelDrops: 0, truncatedReads: 0, outgoingSkipped: 0 };
  private closed = false;

  /**
   * Opens and binds the socket; typed errors for a missing interface and for missing CAP_NET_RAW. `netns`: a
   * namespace path (benchmarks); the CLI captures in its own.
   */
  constructor(readonly ifname: string, rcvbuf = CAPTURE_RCVBUF, netns: string | null = null) {
    let opened: ReturnType<ReturnType<typeof native>['packetOpen']>;
    try {
      opened = native().packetOpen(ifname, rcvbuf, true, netns);
    } catch (error) {
      throw packetSocketError(error, ifname);
    }
    this.fd = opened.fd;
    this.info = { ifindex: opened.ifindex, hatype: opened.hatype, rcvbuf: opened.rcvbuf };
  }

  start(onFrame: FrameHandler, end: (error: Error) => void): void {
    const addon = native();
    this.watcher = addon.watch(this.fd, (status) => {
      if (this.closed) return;
      if (status < 0) {
        // libuv reports POLLERR as UV_EBADF; the socket's own error (ENETDOWN when the interface went away)
        // comes with the next read.
        try {
          this.readBatch(onFrame);
        } catch (error) {
          return end(packetSocketError(error, this.ifname) as Error);
        }
        return end(new RmnetError('CAPTURE_READ_FAILED', `${this.ifname}: poll failed (status ${status})`, Category.failure, { interface: this.ifname }));
      }
      for (let call = 0; call < BATCH_CALLS && !this.closed; call++) {
        let n: number;
        try {
          n = this.readBatch(onFrame);
        } catch (error) {
          return end(packetSocketError(error, this.ifname) as Error);
        }
        if (n < FRAMES_PER_CALL) return;
      }
    });
    addon.watchStart(this.watcher, READABLE);
  }

  /** One recvmmsg: hands on each frame read; returns how many were read (-1: none ready). */
  private readBatch(onFrame: FrameHandler): number {
    const n = native().packetReadBatch(this.fd, this.slab, CAPTURE_READ_BUFFER, this.meta);
    const meta = this.meta;
    for (let i = 0; i < n; i++) {
      const length = meta[3 * i + 2]!;
      if (meta[3 * i] === PACKET_OUTGOING) this.totals.outgoingSkipped++;
      else if (length > CAPTURE_READ_BUFFER) this.totals.truncatedReads++;
      else onFrame(this.slab, length, meta[3 * i + 1]!, i * CAPTURE_READ_BUFFER);
      if (this.closed) break;
    }
    return n;
  }

  /** Reads every frame queued now, without the event loop (benchmarks); returns how many were read. */
  drainNow(onFrame: FrameHandler): number {
    let frames = 0;
    for (;;) {
      const n = this.readBatch(onFrame);
      if (n < 0) return frames;
      frames += n;
    }
  }

  /** Totals so far, the kernel's counters included (read and summed: PACKET_STATISTICS resets on read). */
  counters(): CaptureSocketCounters {
    if (!this.closed) {
      const stats = native().packetStats(this.fd);
      this.totals.kernelPackets += stats.packets;
      this.totals.kernelDrops += stats.drops;
    }
    return { ...this.totals };
  }

  close(): void {
    if (this.closed) return;
    this.counters();
    this.closed = true;
    const addon = native();
    if (this.watcher) addon.watchClose(this.watcher);
    addon.close(this.fd);
  }
}

function packetSocketError(error: unknown, ifname: string): unknown {
  if (!isSystemError(error)) return error;
  if (error.code === 'EPERM' || error.code === 'EACCES') {
    return new RmnetError('CAPTURE_NOT_PERMITTED', `capture on ${ifname} needs CAP_NET_RAW (run as root): a packet socket was refused (${error.code})`, Category.permission, { interface: ifname, errno: error.code });
  }
  if (error.code === 'ENODEV') return new RmnetError('NO_SUCH_INTERFACE', `${ifname}: no such interface`, Category.notFound, { interface: ifname });
  if (error.code === 'ENETDOWN' || error.code === 'ENXIO') {
    return new RmnetError('CAPTURE_INTERFACE_GONE', `${ifname}: the interface went away during the capture (${error.code})`, Category.failure, { interface: ifname, errno: error.code });
  }
  return new RmnetError('CAPTURE_READ_FAILED', `${ifname}: ${error.message}`, Category.failure, { interface: ifname, errno: error.code });
}
