// libqmi's qmi-proxy as a QMI transport: the abstract unix stream socket "\0qmi-proxy". The first message
// must be CTL Internal Proxy Open (0xFF00) naming the device (open.ts sends it); after its response the
// connection carries plain QMUX, the proxy rewriting CTL transaction ids and routing by client id.
import { Category, RmnetError } from '../errors.js';
import { isSystemError, native } from '../io/native.js';
import { PollFd } from '../io/poll-fd.js';
import type { Transport, TransportHandlers } from './transport.js';

export const QMI_PROXY_SOCKET = '\0qmi-proxy';

/**
 * Node cannot reach qmi-proxy by itself: for a path "\0name" Node 20 connects the abstract address padded
 * with NULs to the full sun_path (108 bytes), while GLib listens on the exact length, so connect() fails
 * with ECONNREFUSED. The addon's `unixConnect` connects with the exact length.
 */
export async function connectProxy(path: string, socketPath = QMI_PROXY_SOCKET): Promise<Transport> {
  try {
    return new ProxyFdTransport(path, native().unixConnect(socketPath));
  } catch (error) {
    throw unavailable(path, isSystemError(error) ? error.code : (error as Error).message, error);
  }
}

function unavailable(path: string, reason: string, cause?: unknown): RmnetError {
  return new RmnetError(
    'PROXY_UNAVAILABLE',
    `cannot reach qmi-proxy (${reason}): start /usr/libexec/qmi-proxy, or open ${path} directly without --proxy`,
    Category.notFound,
    { path, reason },
    { cause },
  );
}

class ProxyFdTransport implements Transport {
  readonly kind = 'qmi-proxy connection';
  private pollFd: PollFd | undefined;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  start(handlers: TransportHandlers): void {
    this.pollFd = new PollFd(this.fd, { data: (chunk) => handlers.data(chunk), end: (error) => handlers.end(error) });
  }

  send(frame: Uint8Array): void {
    this.pollFd?.write(frame);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pollFd) this.pollFd.close();
    else native().close(this.fd);
  }
}
