// What `rmnetctl doctor` looks at, collected once at the edge so every check (checks.ts) is a pure
// function of it: sysfs (discovery, qmi_wwan mode, the rmnet module), netlink (links, counters, default
// routes), the state records, and the modem over QMI through `status` (which already compares record,
// kernel and modem, and degrades when the modem refuses or cannot be asked).
import type { PeerProcess } from '../session/peers.js';
import { execFile } from 'node:child_process';
import { discoverModems, bulkInMaxPacketSize, type Modem } from '../sysfs/discovery.js';
import { listOptional } from '../sysfs/sysfs.js';
import type { LinkStats } from '../netlink/link.js';
import { readMuxMap } from '../datapath/mux.js';
import type { MuxLink } from '../datapath/backend.js';
import { status, type ModemStatus } from '../session/status.js';
import type { ProxyChoice, SessionEnv } from '../session/env.js';
import { devicePath, modemKey, selectModem } from '../session/select.js';
import type { ModemRecord } from '../session/state.js';

/** One process holding a control port (ModemManager, qmi-proxy, another rmnetctl). */
export type PortHolder = PeerProcess;

/** Who holds a control port: src/session/peers.ts `findPeers`, passed in by the CLI (tests pass their own). */
export type FindPortHolders = (controlPortPath: string) => Promise<PortHolder[]>;

export interface ParentEvidence {
  name: string;
  mtu: number | null;
  maxMtu: number | null;
  up: boolean;
  rxOverErrors: number | null;
  /** Bulk IN max packet size (usbnet refuses MTU + header multiples of it). */
  maxPacketSize: number;
}

export interface ModemEvidence {
  modem: Modem;
  /** The modem's record, or the error reading it (a corrupt or unreadable file). */
  record: ModemRecord | null;
  recordError: string | null;
  /** The record could not be read for lack of permission (EACCES/EPERM: /run/rmnetctl is root's, 0700). */
  recordDenied: boolean;
  parent: ParentEvidence | null;
  /** status's read-out: record, kernel and modem side by side, the radio context; null if not taken. */
  status: ModemStatus | null;
  statusError: string | null;
  /** Who holds the control port; null until the detection is wired in (FindPortHolders). */
  portHolders: PortHolder[] | null;
}

export interface CounterReading {
  link: string;
  muxId: number;
  parent: string;
  intervalSeconds: number;
  before: LinkStats | null;
  after: LinkStats | null;
}

export interface RmnetModuleEvidence {
  /** /sys/module/rmnet exists. */
  loaded: boolean;
  /** `modinfo rmnet` found the module file: 'found', 'missing', or 'unknown' (modinfo not runnable). */
  modinfo: 'found' | 'missing' | 'unknown' | 'not-asked';
  detail: string;
}

export interface DefaultRoute {
  family: 4 | 6;
  metric: number;
  table: number;
  device: string;
}

export interface DoctorEvidence {
  sysfsRoot: string;
  stateDir: string;
  /** Effective uid 0: what needs root is reported, not attempted. */
  root: boolean;
  /** -d as given, when it selected one modem. */
  selector: string | null;
  modems: ModemEvidence[];
  /** Record files in the state directory whose modem is not present. */
  strayRecords: Array<{ key: string; path: string; record: ModemRecord | null }>;
  rmnet: RmnetModuleEvidence;
  /** Every mux link the kernel shows (all parents). */
  muxLinks: MuxLink[];
  defaultRoutes: DefaultRoute[];
  counters: CounterReading[];
  /** Whether the port-holder detection ran at all (the extension point). */
  portHoldersChecked: boolean;
}

export interface CollectOptions {
  selector?: string | undefined;
  proxy: ProxyChoice;
  /** Seconds between the two counter readings. */
  intervalSeconds: number;
  root: boolean;
  /** Waits between the two readings (tests move the counters here). */
  wait?: (ms: number) => Promise<void>;
  /** `modinfo rmnet` (execFile, an argument vector); tests pass their own. */
  modinfo?: () => Promise<RmnetModuleEvidence['modinfo']>;
  findPortHolders?: FindPortHolders | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** `modinfo -F filename rmnet`: whether the module could be loaded; never a shell string. */
export function systemModinfo(): Promise<RmnetModuleEvidence['modinfo']> {
  return new Promise((resolve) => {
    execFile('modinfo', ['-F', 'filename', 'rmnet'], { timeout: 5000 }, (error, stdout) => {
      if (!error) return resolve(String(stdout).trim() ? 'found' : 'missing');
      resolve((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'unknown' : 'missing');
    });
  });
}

async function parentOf(env: SessionEnv, modem: Modem): Promise<ParentEvidence | null> {
  if (!modem.netInterface) return null;
  const link = await env.netlink.findLink(modem.netInterface).catch(() => undefined);
  const packet = modem.endpointType === 'hsusb' ? await bulkInMaxPacketSize(env.sysfs, modem.netInterface) : { size: 512 };
  return {
    name: modem.netInterface,
    mtu: link?.mtu ?? null,
    maxMtu: link?.maxMtu ?? null,
    up: link?.up ?? false,
    rxOverErrors: link?.stats ? Number(link.stats.rxOverErrors) : null,
    maxPacketSize: packet.size,
  };
}

async function statsByName(env: SessionEnv): Promise<Map<string, LinkStats | null>> {
  return new Map((await env.netlink.listLinks()).map((l) => [l.name, l.stats]));
}

export async function collectEvidence(env: SessionEnv, options: CollectOptions): Promise<DoctorEvidence> {
  const all = await discoverModems(env.sysfs);
  // -d narrows to one modem through the one selector (an unknown -d is the selector's usage error).
  const chosen = options.selector ? [await selectModem(env, options.selector, options.proxy)] : all;
  const modems: ModemEvidence[] = [];
  for (const modem of chosen) {
    let record: ModemRecord | null = null;
    let recordError: string | null = null;
    let recordDenied = false;
    try {
      record = env.store.read(modemKey(modem)) ?? null;
    } catch (error) {
      recordError = message(error);
      const code = (error as NodeJS.ErrnoException).code;
      recordDenied = code === 'EACCES' || code === 'EPERM';
    }
    let modemStatus: ModemStatus | null = null;
    let statusError: string | null = null;
    if (modem.netInterface && recordError === null) {
      try {
        modemStatus = (await status(env, { selector: devicePath(modem), proxy: options.proxy }))[0] ?? null;
      } catch (error) {
        statusError = message(error);
      }
    }
    const portHolders = options.findPortHolders ? await options.findPortHolders(devicePath(modem)).catch(() => null) : null;
    modems.push({ modem, record, recordError, recordDenied, parent: await parentOf(env, modem), status: modemStatus, statusError, portHolders });
  }

  const present = new Set(all.map(modemKey));
  const strayRecords: DoctorEvidence['strayRecords'] = options.selector
    ? []
    : env.store.list().filter((key) => !present.has(key)).map((key) => {
        let record: ModemRecord | null = null;
        try {
          record = env.store.read(key) ?? null;
        } catch {
          // A corrupt stray record is still a stray record.
        }
        return { key, path: env.store.path(key), record };
      });

  const loaded = (await listOptional(env.sysfs, 'module')).includes('rmnet');
  const modinfo = loaded ? 'not-asked' : await (options.modinfo ?? systemModinfo)();
  const rmnet: RmnetModuleEvidence = {
    loaded,
    modinfo,
    detail: loaded ? `${env.sysfs.root}/module/rmnet exists` : `${env.sysfs.root}/module/rmnet absent; modinfo rmnet: ${modinfo}`,
  };

  const muxLinks = await readMuxMap(env.sysfs, env.netlink);
  const names = new Map((await env.netlink.listLinks()).map((l) => [l.index, l.name]));
  const defaultRoutes: DefaultRoute[] = [];
  for (const family of [4, 6] as const) {
    for (const route of await env.netlink.listRoutes(family)) {
      if (route.destination !== 'default' || route.type !== 1) continue; // unicast only (RTN_UNICAST)
      defaultRoutes.push({ family, metric: route.metric ?? 0, table: route.table, device: route.outputIndex === null ? 'none' : (names.get(route.outputIndex) ?? `ifindex ${route.outputIndex}`) });
    }
  }

  // Two readings of the counters of every mux link of a chosen modem, `interval` apart.
  const parents = new Set(chosen.map((m) => m.netInterface).filter((n): n is string => n !== null));
  const watched = muxLinks.filter((l) => parents.has(l.parent));
  const counters: CounterReading[] = [];
  if (watched.length > 0 && options.intervalSeconds > 0) {
    const before = await statsByName(env);
    await (options.wait ?? sleep)(options.intervalSeconds * 1000);
    const after = await statsByName(env);
    for (const l of watched) counters.push({ link: l.name, muxId: l.muxId, parent: l.parent, intervalSeconds: options.intervalSeconds, before: before.get(l.name) ?? null, after: after.get(l.name) ?? null });
  }

  return {
    sysfsRoot: env.sysfs.root,
    stateDir: env.store.dir,
    root: options.root,
    selector: options.selector ?? null,
    modems,
    strayRecords,
    rmnet,
    muxLinks,
    defaultRoutes,
    counters,
    portHoldersChecked: options.findPortHolders !== undefined,
  };
}
