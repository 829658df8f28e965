// The rtnetlink socket: sequence numbers, acked requests, multi-part dumps, NLMSG_ERROR mapped to errno
// names plus the kernel's extended ack, and multicast events. The protocol state (RequestTracker) is
// sans-I/O and tested with bytes; NetlinkSocket binds it to the addon's poll-driven fd.
import { native } from '../io/native.js';
import { PollFd } from '../io/poll-fd.js';
import { Category } from '../errors.js';
import { decodeAck, decodeMessages, encodeMessage, type NetlinkMessage, type Writer } from './codec.js';
import * as C from './constants.js';
import { errnoName } from './errno.js';
import { NetlinkError } from './errors.js';

const typeNames: Record<number, string> = {
  [C.RTM_NEWLINK]: 'RTM_NEWLINK', [C.RTM_DELLINK]: 'RTM_DELLINK', [C.RTM_GETLINK]: 'RTM_GETLINK', [C.RTM_SETLINK]: 'RTM_SETLINK',
  [C.RTM_NEWADDR]: 'RTM_NEWADDR', [C.RTM_DELADDR]: 'RTM_DELADDR', [C.RTM_GETADDR]: 'RTM_GETADDR',
  [C.RTM_NEWROUTE]: 'RTM_NEWROUTE', [C.RTM_DELROUTE]: 'RTM_DELROUTE', [C.RTM_GETROUTE]: 'RTM_GETROUTE',
};
export const messageTypeName = (type: number): string => typeNames[type] ?? `message type ${type}`;

interface Pending {
  type: number;
  dump: boolean;
  replies: NetlinkMessage[];
  interrupted: boolean;
  resolve(replies: NetlinkMessage[]): void;
  reject(error: Error): void;
}

function kernelError(type: number, errno: number, extack: string | undefined, offset?: number): NetlinkError {
  const name = errnoName(errno);
  const what = messageTypeName(type);
  return new NetlinkError('NETLINK_ERROR', `${what}: ${extack ? `${extack} (${name})` : name}`, name, extack, { request: what, ...(offset !== undefined ? { extackOffset: offset } : {}) });
}

/**
 * Sans-I/O request bookkeeping: `begin` hands out the bytes to send, `receive` feeds datagrams back,
 * replies are matched by sequence number; messages with no pending request (seq 0) are events.
 */
export class RequestTracker {
  private seq: number;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly onEvent: (message: NetlinkMessage) => void,
    firstSeq = (Date.now() & 0x7fffffff) >>> 0,
  ) {
    this.seq = firstSeq;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Registers a request and returns its bytes and its answer. Non-dump requests always ask for an ack. */
  begin(type: number, flags: number, body: (w: Writer) => void): { bytes: Buffer; seq: number; done: Promise<NetlinkMessage[]> } {
    this.seq = (this.seq + 1) >>> 0 || 1;
    const seq = this.seq;
    const dump = (flags & C.NLM_F_DUMP) === C.NLM_F_DUMP && (type === C.RTM_GETLINK || type === C.RTM_GETADDR || type === C.RTM_GETROUTE);
    const bytes = encodeMessage({ type, flags: flags | C.NLM_F_REQUEST | (dump ? 0 : C.NLM_F_ACK), seq, pid: 0 }, body);
    const done = new Promise<NetlinkMessage[]>((resolve, reject) => {
      this.pending.set(seq, { type, dump, replies: [], interrupted: false, resolve, reject });
    });
    return { bytes, seq, done };
  }

  /** Forgets a request (timeout, send failure) and rejects it. */
  abandon(seq: number, error: Error): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    p.reject(error);
  }

  /** Rejects every pending request (socket closed or failed). */
  failAll(error: Error): void {
    for (const seq of [...this.pending.keys()]) this.abandon(seq, error);
  }

  receive(datagram: Uint8Array): void {
    const decoded = decodeMessages(datagram);
    if (!decoded.ok) {
      this.failAll(new NetlinkError('NETLINK_PROTOCOL', `undecodable netlink datagram: ${decoded.error.message}`, 'EPROTO', undefined, { offset: decoded.error.offset }, Category.protocol));
      return;
    }
    for (const message of decoded.value) this.dispatch(message);
  }

  private dispatch(message: NetlinkMessage): void {
    const p = this.pending.get(message.seq);
    if (p === undefined || message.pid === 0 && message.seq === 0) {
      if (message.type !== C.NLMSG_ERROR && message.type !== C.NLMSG_DONE && message.type !== C.NLMSG_NOOP) this.onEvent(message);
      return;
    }
    if (message.flags & C.NLM_F_DUMP_INTR) p.interrupted = true;
    switch (message.type) {
      case C.NLMSG_NOOP:
        return;
      case C.NLMSG_ERROR: {
        const ack = decodeAck(message);
        this.pending.delete(message.seq);
        if (!ack.ok) {
          p.reject(new NetlinkError('NETLINK_PROTOCOL', `${messageTypeName(p.type)}: undecodable ack: ${ack.error.message}`, 'EPROTO', undefined, {}, Category.protocol));
        } else if (ack.value.errno !== 0) {
          p.reject(kernelError(p.type, ack.value.errno, ack.value.message, ack.value.offset));
        } else p.resolve(p.replies);
        return;
      }
      case C.NLMSG_DONE: {
        this.pending.delete(message.seq);
        // A dump that failed part-way carries a negative errno in its DONE (and ext-ack TLVs when flagged).
        if (message.payload.length >= 4) {
          const view = new DataView(message.payload.buffer, message.payload.byteOffset, message.payload.byteLength);
          const error = view.getInt32(0, true);
          if (error < 0) {
            p.reject(kernelError(p.type, -error, undefined));
            return;
          }
        }
        if (p.interrupted) {
          p.reject(new NetlinkError('DUMP_INTERRUPTED', `${messageTypeName(p.type)}: dump interrupted by a concurrent change (NLM_F_DUMP_INTR)`, 'EINTR', undefined));
          return;
        }
        p.resolve(p.replies);
        return;
      }
      case C.NLMSG_OVERRUN:
        this.pending.delete(message.seq);
        p.reject(new NetlinkError('NETLINK_OVERRUN', `${messageTypeName(p.type)}: netlink overrun`, 'ENOBUFS', undefined));
        return;
      default:
        // Own copy: the socket's read buffer is reused.
        p.replies.push({ ...message, payload: Uint8Array.from(message.payload) });
    }
  }
}

export interface NetlinkSocketOptions {
  /** A network namespace path (/run/netns/NAME, /proc/PID/ns/net); default: ours. */
  netns?: string | null;
  /** Multicast groups to join (RTNLGRP_*). */
  groups?: number[];
  /** Per-request timeout; the kernel answers at once, so this only catches bugs. Default 10 s. */
  timeoutMs?: number;
}

/** One NETLINK_ROUTE socket on the addon's poll-driven fd. */
export class NetlinkSocket {
  private readonly fd: PollFd;
  private readonly tracker: RequestTracker;
  private readonly listeners = new Set<(message: NetlinkMessage) => void>();
  private readonly endListeners = new Set<(error?: Error) => void>();
  private readonly timeoutMs: number;
  private ended = false;

  constructor(options: NetlinkSocketOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    let fdNumber: number;
    try {
      fdNumber = native().netlinkOpen(C.NETLINK_ROUTE, 0, options.netns ?? null);
    } catch (error) {
      const errno = (error as { code?: string }).code ?? 'EUNKNOWN';
      throw new NetlinkError('NETLINK_OPEN_FAILED', `cannot open a netlink socket${options.netns ? ` in ${options.netns}` : ''}: ${(error as Error).message}`, errno, undefined, { netns: options.netns ?? null });
    }
    try {
      for (const group of options.groups ?? []) native().netlinkJoin(fdNumber, group);
    } catch (error) {
      native().close(fdNumber);
      throw error;
    }
    this.tracker = new RequestTracker((message) => {
      for (const listener of this.listeners) listener(message);
    });
    // Dumps come in datagrams of up to 32 KiB; 256 KiB never truncates one.
    this.fd = new PollFd(fdNumber, {
      data: (chunk) => this.tracker.receive(chunk),
      end: (error) => {
        this.ended = true;
        const reason = error ?? new Error('netlink socket closed');
        this.tracker.failAll(reason);
        for (const listener of this.endListeners) listener(reason);
      },
    }, 256 * 1024);
  }

  /** Sends one request; resolves with its replies (a dump's messages, or a get's answer) after the ack or DONE. */
  async request(type: number, flags: number, body: (w: Writer) => void): Promise<NetlinkMessage[]> {
    if (this.ended || this.fd.isClosed) throw new NetlinkError('NETLINK_CLOSED', `${messageTypeName(type)}: netlink socket is closed`, 'EBADF', undefined);
    const { bytes, seq, done } = this.tracker.begin(type, flags, body);
    const timer = setTimeout(() => {
      this.tracker.abandon(seq, new NetlinkError('NETLINK_TIMEOUT', `${messageTypeName(type)}: no answer from the kernel in ${this.timeoutMs} ms`, 'ETIMEDOUT', undefined));
    }, this.timeoutMs);
    try {
      this.fd.write(bytes);
      return await done;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A dump, retried (up to 3 times) when the kernel flags it interrupted by a concurrent change. */
  async dump(type: number, body: (w: Writer) => void): Promise<NetlinkMessage[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.request(type, C.NLM_F_DUMP, body);
      } catch (error) {
        if (!(error instanceof NetlinkError) || error.code !== 'DUMP_INTERRUPTED' || attempt >= 3) throw error;
      }
    }
  }

  /** Multicast messages (and anything unsolicited). Returns an unsubscribe function. */
  onEvent(listener: (message: NetlinkMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called once when the socket ends (closed, or a read error such as ENOBUFS on overflow). */
  onEnd(listener: (error?: Error) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  join(group: number): void {
    native().netlinkJoin(this.fd.fd, group);
  }

  close(): void {
    if (this.fd.isClosed) return;
    this.fd.close();
    this.ended = true;
    this.tracker.failAll(new NetlinkError('NETLINK_CLOSED', 'netlink socket closed', 'EBADF', undefined));
  }
}
