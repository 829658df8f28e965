// The cdc-wdm character device (or a pty in tests) as a QMI transport: a non-blocking fd driven by uv_poll,
// one write per frame. Open errors become RmnetErrors that name the path and say what to do.
import { statSync } from 'node:fs';
import { Category, RmnetError } from '../errors.js';
import { isSystemError, native } from '../io/native.js';
import { PollFd } from '../io/poll-fd.js';
import type { Transport, TransportHandlers } from './transport.js';

export function openCharDevice(path: string): Transport {
  const addon = native();
  let fd: number;
  try {
    fd = addon.open(path, addon.O_RDWR | addon.O_NOCTTY);
  } catch (error) {
    throw openError(path, error);
  }
  try {
    return new CharDeviceTransport(path, fd);
  } catch (error) {
    addon.close(fd);
    // uv_poll refuses fds that cannot be polled (regular files, /dev/null): certainly not a QMI port.
    throw new RmnetError('NOT_QMI_PORT', `${path} cannot be polled (${(error as Error).message}): it is not a QMI control port`, Category.protocol, { path }, { cause: error });
  }
}

/** What a path that cannot be a control port is, from its file type (a directory, a unix socket). */
function notAPortKind(path: string): string | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'a directory' : st.isSocket() ? 'a unix socket' : st.isFile() ? 'a regular file' : undefined;
  } catch {
    return undefined;
  }
}

export function openError(path: string, error: unknown): RmnetError {
  const code = isSystemError(error) ? error.code : undefined;
  const details = { path, errno: code };
  // open(2) says EISDIR for a directory and ENXIO for a socket; ENXIO is also a port whose device is gone.
  const kind = code === 'EISDIR' || code === 'ENXIO' ? notAPortKind(path) : undefined;
  if (kind) return new RmnetError('NOT_QMI_PORT', `${path} is ${kind}, not a QMI control port (/dev/cdc-wdmN, /dev/wwanNqmiN)`, Category.protocol, details, { cause: error });
  switch (code) {
    case 'ENOENT':
    case 'ENXIO':
    case 'ENODEV':
      return new RmnetError('DEVICE_NOT_FOUND', `${path}: no such device (is the modem plugged in and cdc_wdm loaded?)`, Category.notFound, details, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new RmnetError('PERMISSION_DENIED', `${path}: permission denied: run as root or add a udev rule giving your group access to the port`, Category.permission, details, { cause: error });
    case 'EBUSY':
      return new RmnetError(
        'DEVICE_BUSY',
        `${path}: the port is held by another process (ModemManager?): stop it, or share the port through qmi-proxy with --proxy`,
        Category.busy,
        details,
        { cause: error },
      );
    default:
      return new RmnetError('IO_ERROR', `${path}: cannot open: ${error instanceof Error ? error.message : String(error)}`, Category.failure, details, { cause: error });
  }
}

class CharDeviceTransport implements Transport {
  readonly kind = 'char device';
  private readonly pollFd: PollFd;
  private handlers: TransportHandlers | undefined;
  /** What arrived before start(): kept, so no frame is lost. */
  private early: Array<Uint8Array | { end: Error | undefined }> = [];

  constructor(
    readonly path: string,
    fd: number,
  ) {
    this.pollFd = new PollFd(fd, {
      data: (chunk) => (this.handlers ? this.handlers.data(chunk) : this.early.push(Buffer.from(chunk))),
      end: (error) => (this.handlers ? this.handlers.end(error) : this.early.push({ end: error })),
    });
  }

  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
    for (const item of this.early) {
      if (item instanceof Uint8Array) handlers.data(item);
      else handlers.end(item.end);
    }
    this.early = [];
  }

  send(frame: Uint8Array): void {
    this.pollFd.write(frame);
  }

  close(): void {
    this.pollFd.close();
  }
}
