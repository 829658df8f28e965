// Where the pcapng goes: a file (created only once everything else is ready, removed again if a write fails)
// or stdout. Blocks are gathered in one buffer and written when it fills and every FLUSH_MS, so a reader on a
// pipe (`-w - | wireshark -k -i -`) sees packets promptly without a system call per packet.
import { closeSync, openSync, unlinkSync, writeSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Category, RmnetError } from '../errors.js';

const BUFFER = 1 << 20;
export const FLUSH_MS = 200;

export interface CaptureOutput {
  /** Where it goes, as the user named it ('-' for stdout). */
  readonly name: string;
  write(chunk: Uint8Array): void;
  flush(): void;
  /** Flushes and closes (stdout: waits until Node has handed everything on). */
  close(): Promise<void>;
  /** After a failure: closes and removes a file this capture created. */
  discard(): void;
}

function fileError(error: unknown, path: string): RmnetError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  const details = { path, errno: code };
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new RmnetError('CAPTURE_FILE_NOT_WRITABLE', `-w ${path}: cannot write here (${code})`, Category.permission, details);
  if (code === 'ENOENT' || code === 'ENOTDIR') return new RmnetError('BAD_ARGUMENT', `-w ${path}: no such directory ${dirname(path)}`, Category.usage, { ...details, option: '-w' });
  if (code === 'EISDIR') return new RmnetError('BAD_ARGUMENT', `-w ${path}: is a directory; name a file`, Category.usage, { ...details, option: '-w' });
  return new RmnetError('CAPTURE_WRITE_FAILED', `-w ${path}: ${(error as Error).message}`, Category.failure, details);
}

abstract class Buffered implements CaptureOutput {
  private readonly buffer = Buffer.allocUnsafe(BUFFER);
  private used = 0;
  constructor(readonly name: string) {}

  write(chunk: Uint8Array): void {
    if (this.used + chunk.length > BUFFER) this.flush();
    if (chunk.length > BUFFER) return this.emit(chunk);
    this.buffer.set(chunk, this.used);
    this.used += chunk.length;
  }

  flush(): void {
    if (this.used === 0) return;
    const data = this.buffer.subarray(0, this.used);
    this.used = 0;
    this.emit(data);
  }

  /** Hands `data` on; it may be the reused buffer, so copy it if it is kept. */
  protected abstract emit(data: Uint8Array): void;
  abstract close(): Promise<void>;
  abstract discard(): void;
}

class FileOutput extends Buffered {
  private fd: number | null;
  private readonly created: boolean;
  constructor(path: string) {
    super(path);
    this.created = !existsSync(path);
    try {
      this.fd = openSync(path, 'w', 0o644);
    } catch (error) {
      throw fileError(error, path);
    }
  }

  protected emit(data: Uint8Array): void {
    let at = 0;
    try {
      while (at < data.length) at += writeSync(this.fd!, data, at, data.length - at);
    } catch (error) {
      throw fileError(error, this.name);
    }
  }

  async close(): Promise<void> {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  discard(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (this.created) {
      try {
        unlinkSync(this.name);
      } catch {
        // already gone
      }
    }
  }
}

class StdoutOutput extends Buffered {
  constructor() {
    super('-');
  }

  protected emit(data: Uint8Array): void {
    process.stdout.write(Buffer.from(data));
  }

  async close(): Promise<void> {
    this.flush();
    if (process.stdout.writableNeedDrain) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }

  discard(): void {}
}

/** `-w FILE` or `-w -`. Opening a file creates it: call this last, when nothing else can fail first. */
export function openCaptureOutput(target: string): CaptureOutput {
  return target === '-' ? new StdoutOutput() : new FileOutput(target);
}
