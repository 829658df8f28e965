// A non-blocking fd driven by uv_poll: reads until EAGAIN when readable, queues writes until writable.
// Used for /dev/cdc-wdm*, pty masters and netlink sockets alike; never parks a threadpool thread.
import { native, type NativeWatcher } from './native.js';

const READABLE = 1;
const WRITABLE = 2;

export interface PollFdHandlers {
  /** Called with each chunk read; the buffer is only valid during the call. */
  data(chunk: Buffer): void;
  /** End of file (device gone, pty slave closed) or a read/write error. Called once. */
  end(error?: Error): void;
}

export class PollFd {
  private readonly watcher: NativeWatcher;
  private readonly readBuffer: Buffer;
  private readonly pending: Buffer[] = [];
  private closed = false;

  constructor(
    readonly fd: number,
    private readonly handlers: PollFdHandlers,
    readBufferSize = 64 * 1024,
  ) {
    this.readBuffer = Buffer.allocUnsafe(readBufferSize);
    this.watcher = native().watch(fd, (status, events) => this.onEvent(status, events));
    this.arm();
  }

  /** Writes now if the fd takes it, else queues and waits for writability. Order is preserved. */
  write(data: Uint8Array): void {
    if (this.closed) throw new Error('write on a closed descriptor');
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.pending.length === 0) {
      const rest = this.writeSome(buffer);
      if (rest === undefined || rest.length === 0) return;
      this.pending.push(rest);
    } else {
      this.pending.push(Buffer.from(buffer));
    }
    this.arm();
  }

  /** Stops polling and closes the fd; a pending read simply ends. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const addon = native();
    addon.watchClose(this.watcher);
    addon.close(this.fd);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private arm(): void {
    if (this.closed) return;
    native().watchStart(this.watcher, READABLE | (this.pending.length > 0 ? WRITABLE : 0));
  }

  /** Returns the unwritten remainder (copied), or undefined after an error ended the fd. */
  private writeSome(buffer: Buffer): Buffer | undefined {
    let offset = 0;
    try {
      while (offset < buffer.length) {
        const n = native().write(this.fd, offset === 0 ? buffer : buffer.subarray(offset));
        if (n < 0) break;
        offset += n;
      }
    } catch (error) {
      this.fail(error as Error);
      return undefined;
    }
    return Buffer.from(buffer.subarray(offset));
  }

  private onEvent(status: number, events: number): void {
    if (this.closed) return;
    if (status < 0) {
      this.fail(new Error(`poll failed on fd ${this.fd} (status ${status})`));
      return;
    }
    if (events & WRITABLE) this.flush();
    if (events & READABLE) this.drain();
  }

  private flush(): void {
    while (this.pending.length > 0 && !this.closed) {
      const head = this.pending[0]!;
      const rest = this.writeSome(head);
      if (rest === undefined) return;
      if (rest.length > 0) {
        this.pending[0] = rest;
        break;
      }
      this.pending.shift();
    }
    this.arm();
  }

  private drain(): void {
    const addon = native();
    while (!this.closed) {
      let n: number;
      try {
        n = addon.read(this.fd, this.readBuffer);
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      if (n < 0) return;
      if (n === 0) {
        this.fail();
        return;
      }
      this.handlers.data(this.readBuffer.subarray(0, n));
    }
  }

  private fail(error?: Error): void {
    if (this.closed) return;
    this.close();
    this.handlers.end(error);
  }
}
