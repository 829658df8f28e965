// Everything the session layer touches, behind one small interface: the kernel (sysfs, rtnetlink), the
// modem's control port, the state directory, DNS. `systemEnv` is the real machine; tests and the lab pass
// their own (a recorded sysfs copy, a netlink double or a namespace, the emulated modem).
import { readFile } from 'node:fs/promises';
import { FileSysfs, type Sysfs } from '../sysfs/sysfs.js';
import type { Netlink } from '../netlink/rtnl.js';
import { StateStore } from './state.js';
import type { QmiDevice } from '../qmi/device.js';
import { systemDns, type DnsApplier } from './dns.js';
import { kernelChecksumOffload, type ChecksumOffload } from '../datapath/offload.js';
import { DEFAULT_PROC_ROOT } from './peers.js';

export interface SessionEnv {
  sysfs: Sysfs;
  netlink: Netlink;
  store: StateStore;
  /** Opens a control port: the character device, or libqmi's qmi-proxy to share it with ModemManager. */
  openQmi(path: string, viaProxy: boolean, timeoutMs?: number): Promise<QmiDevice>;
  /** Whether qmi-proxy is listening (ModemManager or qmicli -p started it). */
  proxyRunning(): Promise<boolean>;
  /** Where /proc is (peers.ts reads who else uses the modem there); tests pass a tree of their own. */
  procRoot: string;
  dns: DnsApplier;
  /** Progress and decisions, one line each (stderr in the CLI). */
  log(line: string): void;
  /** Whether the rmnet link type is available; loads the module if it can. */
  rmnetAvailable(): Promise<boolean>;
  /** rx-checksumming on a link (QMAPv5's checksum-valid mark is trusted only with it on). */
  offload: ChecksumOffload;
  /** Calls `onDeleted` with the name of every link the kernel deletes (`onChanged`: every other link event); returns the unsubscribe. */
  watchLinks?(onDeleted: (name: string) => void, onChanged?: (name: string) => void): () => void;
}

export interface SystemEnvOptions {
  sysfsRoot?: string;
  stateDir?: string;
  netns?: string | null;
  procRoot?: string;
  log?: (line: string) => void;
}

/** The real machine. Netlink and QMI modules load lazily so `--help` and `--version` stay fast. */
export async function systemEnv(options: SystemEnvOptions = {}): Promise<SessionEnv> {
  const { RtNetlink, watchEvents } = await import('../netlink/rtnl.js');
  const sysfs = new FileSysfs(options.sysfsRoot ?? '/sys');
  return {
    sysfs,
    netlink: new RtNetlink(options.netns ? { netns: options.netns } : {}),
    store: new StateStore(options.stateDir),
    openQmi: openSystemQmi,
    proxyRunning: qmiProxyListening,
    procRoot: options.procRoot ?? DEFAULT_PROC_ROOT,
    dns: systemDns(),
    offload: kernelChecksumOffload(options.netns ?? null),
    log: options.log ?? ((line) => process.stderr.write(`rmnetctl: ${line}\n`)),
    watchLinks(onDeleted, onChanged) {
      const stream = watchEvents(['link'], options.netns ? { netns: options.netns } : {});
      void (async () => {
        try {
          for await (const event of stream) {
            if (event.type !== 'link') continue;
            if (event.action === 'delete') onDeleted(event.link.name);
            else onChanged?.(event.link.name);
          }
        } catch {
          // Events dropped (ENOBUFS) or socket closed: the supervisor still has the modem's indications.
        }
      })();
      return () => stream.close();
    },
    async rmnetAvailable() {
      if ((await sysfs.list('module').catch(() => [] as string[])).includes('rmnet')) return true;
      return loadModule('rmnet');
    },
  };
}

/** The real control port (the character device or qmi-proxy); the QMI modules load on first use. */
export async function openSystemQmi(path: string, viaProxy: boolean, timeoutMs?: number): Promise<QmiDevice> {
  const { openQmiDevice } = await import('../qmi/open.js');
  return (await openQmiDevice({ path, proxy: viaProxy, ...(timeoutMs !== undefined ? { timeoutMs } : {}) })).device;
}

/** qmi-proxy listens on the abstract unix socket "@qmi-proxy"; /proc/net/unix lists listeners. */
export async function qmiProxyListening(): Promise<boolean> {
  try {
    const table = await readFile('/proc/net/unix', 'utf8');
    return table.split('\n').some((line) => line.trimEnd().endsWith(' @qmi-proxy'));
  } catch {
    return false;
  }
}

/** modprobe with a fixed argument list (never a shell string); false when it is not there or fails. */
async function loadModule(name: 'rmnet'): Promise<boolean> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('modprobe', ['-q', name], { timeout: 10_000 }, (error) => resolve(!error));
  });
}

/** What choosing and opening a control port needs of the environment. */
export type PortEnv = Pick<SessionEnv, 'sysfs' | 'openQmi' | 'proxyRunning'>;

/** --proxy / --no-proxy / neither, and `proxy =` in a config. */
export type ProxyChoice = 'auto' | 'yes' | 'no';

/**
 * The one place that decides between the character device and qmi-proxy: "auto" shares the port through
 * qmi-proxy whenever it is listening (ModemManager or qmicli -p started it), since opening the device
 * beside it would steal transactions from its clients.
 */
export async function useProxy(env: Pick<SessionEnv, 'proxyRunning'>, choice: ProxyChoice): Promise<boolean> {
  return choice === 'yes' || (choice === 'auto' && (await env.proxyRunning()));
}

export async function openPort(env: PortEnv, path: string, choice: ProxyChoice, timeoutMs?: number): Promise<{ device: QmiDevice; viaProxy: boolean }> {
  const viaProxy = await useProxy(env, choice);
  return { device: await env.openQmi(path, viaProxy, timeoutMs), viaProxy };
}
