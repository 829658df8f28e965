// Loads rmnetctl's N-API addon (native/src/addon.c), built by node-gyp at `npm install`.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

/** A libuv poll handle over one fd; opaque to TypeScript. */
export type NativeWatcher = { readonly __brand: 'NativeWatcher' };

export interface NativeAddon {
  open(path: string, flags: number): number;
  close(fd: number): void;
  /** Bytes read, 0 at end of file, -1 when nothing is ready (EAGAIN). */
  read(fd: number, buffer: Buffer): number;
  /** Bytes written, -1 when the fd cannot take more now (EAGAIN). */
  write(fd: number, buffer: Buffer): number;
  watch(fd: number, callback: (status: number, events: number) => void): NativeWatcher;
  /** Arms the watcher for 1 = readable | 2 = writable (0 stops it). */
  watchStart(watcher: NativeWatcher, events: number): void;
  watchClose(watcher: NativeWatcher): void;
  openpty(): { master: number; slave: number; path: string };
  netlinkOpen(protocol: number, groups: number, netnsPath?: string | null): number;
  netlinkJoin(fd: number, group: number): void;
  flock(fd: number, operation: number): boolean;
  /** A non-blocking AF_UNIX stream socket connected to `path` ('@' or NUL first = abstract, exact length). */
  unixConnect(path: string): number;
  /** One SIOCETHTOOL call with a struct ethtool_value: sets `value` when given, returns the driver's value. */
  ethtoolValue(ifname: string, cmd: number, value?: number | null, netnsPath?: string | null): number;
  /** One datagram to systemd's $NOTIFY_SOCKET ('@' = abstract). */
  sdNotify(socketPath: string, message: string): void;
  /**
   * An AF_PACKET SOCK_DGRAM socket bound to `ifname` in this network namespace (non-blocking, close-on-exec,
   * SO_TIMESTAMPNS; `incomingOnly`: PACKET_IGNORE_OUTGOING); `netnsPath`: made in that namespace instead. `rcvbuf`: the bytes asked for (SO_RCVBUFFORCE,
   * else SO_RCVBUF); the result says what the kernel gave. `hatype` is the ARPHRD type (-1 unknown).
   */
  packetOpen(ifname: string, rcvbuf: number, incomingOnly: boolean, netnsPath?: string | null): { fd: number; ifindex: number; hatype: number; rcvbuf: number };
  /**
   * Up to 64 frames with one recvmmsg: frame i at slab[i * frameSize] (cut to frameSize), described by
   * meta[3i .. 3i+2] = [sll_pkttype, receive time in µs, full frame length]. Frames read, or -1 (EAGAIN).
   */
  packetReadBatch(fd: number, slab: Buffer, frameSize: number, meta: Float64Array): number;
  /** PACKET_STATISTICS since the last call: frames taken (drops included) and frames dropped. */
  packetStats(fd: number): { packets: number; drops: number };
  /** A TUN device (IFF_TUN, IFF_NO_PI unless withPacketInfo) made in `netnsPath` (tests). */
  tunOpen(name: string, withPacketInfo: boolean, netnsPath?: string | null): number;
  readonly O_RDONLY: number;
  readonly O_WRONLY: number;
  readonly O_RDWR: number;
  readonly O_EXCL: number;
  readonly O_NOCTTY: number;
  readonly O_CREAT: number;
  readonly LOCK_EX: number;
  readonly LOCK_SH: number;
  readonly LOCK_UN: number;
  readonly LOCK_NB: number;
}

/** An error thrown by the addon: `code` is the errno name. */
export interface SystemError extends Error {
  code: string;
  errno: number;
}

export function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as Partial<SystemError>).code === 'string';
}

let loaded: NativeAddon | undefined;

/** The addon, loaded on first use so commands that never touch a device start faster. */
export function native(): NativeAddon {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  // From src/io (tsx, vitest) or dist/src/io (compiled): walk up to the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'build', 'Release', 'rmnetctl_native.node');
    if (existsSync(candidate)) {
      loaded = require(candidate) as NativeAddon;
      return loaded;
    }
    dir = dirname(dir);
  }
  throw new Error('rmnetctl native addon not built: run `npm install` (it builds native/ with node-gyp)');
}
