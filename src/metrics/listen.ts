// `--listen ADDR:PORT`: an HTTP endpoint Prometheus scrapes, GET /metrics only. Loopback unless the caller
// opts in to another address: the metrics name the modem's IMEI and operator, which are not for the whole
// network to read. Concurrent scrapes share one collection, so a busy Prometheus cannot pile up QMI requests.
import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { Category, RmnetError } from '../errors.js';
import { CONTENT_TYPE } from './exposition.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_LISTEN_HOST = '127.0.0.1';

const badAddress = (text: string, why: string) =>
  new RmnetError('BAD_ADDRESS', `--listen ${text}: ${why} (give ADDR:PORT, e.g. 127.0.0.1:9842, [::1]:9842 or :9842)`, Category.usage, { option: '--listen', value: text });

/** "127.0.0.1:9842", "[::1]:9842", ":9842" or "9842" (loopback). */
export function parseListenAddress(text: string): ListenAddress {
  // A bare port is the loopback's; an IPv6 address needs brackets (its colons would hide the port).
  const match = /^\d+$/.test(text) ? [text, undefined, '', text] : /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text);
  if (!match) throw badAddress(text, 'not an address and port');
  const host = match[1] ?? (match[2] || DEFAULT_LISTEN_HOST);
  if (isIP(host) === 0) throw badAddress(text, `"${host}" is not an IPv4 or IPv6 address`);
  if (match[1] !== undefined && isIP(host) !== 6) throw badAddress(text, `"${host}" in brackets is not an IPv6 address`);
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw badAddress(text, `port ${match[3]} is not in 1..65535`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || /^::ffff:127\./i.test(host);
}

/** Refuses a non-loopback address unless `allowRemote` (the --allow-remote flag). */
export function checkExposure(address: ListenAddress, allowRemote: boolean): void {
  if (isLoopback(address.host) || allowRemote) return;
  throw new RmnetError(
    'LISTEN_NOT_LOOPBACK',
    `--listen ${address.host}: not a loopback address; the metrics name the modem's IMEI and network: add --allow-remote to serve them beyond this host`,
    Category.usage,
    { option: '--listen', host: address.host },
  );
}

function listenError(address: ListenAddress, error: NodeJS.ErrnoException): RmnetError {
  const where = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  const details = { host: address.host, port: address.port, errno: error.code };
  switch (error.code) {
    case 'EADDRINUSE':
      return new RmnetError('LISTEN_ADDRESS_IN_USE', `cannot listen on ${where}: the port is taken by another process`, Category.busy, details);
    case 'EACCES':
    case 'EPERM':
      return new RmnetError('LISTEN_NOT_PERMITTED', `cannot listen on ${where}: ${error.code} (ports below 1024 need root or CAP_NET_BIND_SERVICE)`, Category.permission, details);
    case 'EADDRNOTAVAIL':
      return new RmnetError('LISTEN_ADDRESS_UNAVAILABLE', `cannot listen on ${where}: no interface of this host has that address`, Category.notFound, details);
    default:
      return new RmnetError('LISTEN_FAILED', `cannot listen on ${where}: ${error.code ?? error.message}`, Category.failure, details);
  }
}

export interface MetricsServer {
  readonly address: ListenAddress;
  close(): Promise<void>;
}

/** Serves GET /metrics with what `render` gives; resolves once listening, LISTEN_* errors otherwise. */
export async function serveMetrics(address: ListenAddress, render: () => Promise<string>, log: (line: string) => void): Promise<MetricsServer> {
  let running: Promise<string> | undefined;
  const once = () => (running ??= render().finally(() => (running = undefined)));
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('rmnetctl serves /metrics only\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('GET /metrics\n');
      return;
    }
    once().then(
      (body) => {
        response.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        log(`scrape failed: ${(error as Error).message}`);
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`scrape failed: ${(error as Error).message}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(address, error)));
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  return {
    address: { host: address.host, port },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
