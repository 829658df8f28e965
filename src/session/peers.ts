// Who else uses a modem (issue 12): whether ModemManager runs, which processes hold the control port open
// (qmi-proxy, ModemManager, qmicli), and whether ModemManager has a bearer of its own connected on this
// modem. The bearer is read from kernel truth, not D-Bus: what ModemManager connects shows up as mux links
// on the parent that rmnetctl's record does not know (a multiplexed bearer), or as the parent itself up
// with a global address while rmnetctl has no PDN on it (a bearer without multiplexing).
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Category, RmnetError } from '../errors.js';
import type { MuxLink } from '../datapath/backend.js';
import type { Netlink } from '../netlink/rtnl.js';
import type { ModemRecord } from './state.js';

export const DEFAULT_PROC_ROOT = '/proc';

export interface PeerProcess {
  pid: number;
  /** /proc/<pid>/comm: the kernel's name of the process (15 characters at most). */
  name: string;
}

export interface Peers {
  /** The ModemManager process, when one runs. */
  modemManager: PeerProcess | undefined;
  /** Processes (other than this one) with the control port open, by pid. */
  portHolders: PeerProcess[];
}

/** What someone other than rmnetctl holds on the parent: links and addresses its record does not know. */
export interface ForeignBearer {
  /** Mux links on the parent that no recorded PDN made. */
  links: string[];
  /** Global addresses on the parent while no recorded PDN uses the parent itself (ADDRESS/PREFIX). */
  parentAddresses: string[];
}

/** ModemManager's bearer on this modem, as the kernel shows it; undefined when it has none (or does not run). */
export interface ModemManagerBearer extends ForeignBearer {
  pid: number;
  parent: string;
}

const numeric = (name: string) => /^\d+$/.test(name);

/** Reads what one process is called; undefined once it exited (the race of any /proc walk). */
async function processName(procRoot: string, pid: string): Promise<string | undefined> {
  return readFile(join(procRoot, pid, 'comm'), 'utf8').then((text) => text.trim(), () => undefined);
}

/** Whether one of a process's descriptors is `devicePath`; a process we may not inspect (EACCES) holds nothing we can see. */
async function holds(procRoot: string, pid: string, devicePath: string): Promise<boolean> {
  const fdDir = join(procRoot, pid, 'fd');
  const fds = await readdir(fdDir).catch(() => [] as string[]);
  for (const fd of fds) {
    if ((await readlink(join(fdDir, fd)).catch(() => undefined)) === devicePath) return true;
  }
  return false;
}

/**
 * ModemManager (a process named ModemManager) and the holders of `devicePath` (/proc/<pid>/fd links to it).
 * `procRoot` is a parameter so tests can hand over a directory tree shaped like /proc.
 */
export async function findPeers(procRoot: string, devicePath: string, self = process.pid): Promise<Peers> {
  const pids = (await readdir(procRoot).catch(() => [] as string[])).filter(numeric).sort((a, b) => Number(a) - Number(b));
  let modemManager: PeerProcess | undefined;
  const portHolders: PeerProcess[] = [];
  for (const pid of pids) {
    if (Number(pid) === self) continue;
    const name = await processName(procRoot, pid);
    if (name === undefined) continue;
    if (name === 'ModemManager' && !modemManager) modemManager = { pid: Number(pid), name };
    if (await holds(procRoot, pid, devicePath)) portHolders.push({ pid: Number(pid), name });
  }
  return { modemManager, portHolders };
}

/** Only whether ModemManager runs (its pid): no descriptor walk, for `run`'s log lines. */
export async function findModemManager(procRoot: string, self = process.pid): Promise<PeerProcess | undefined> {
  const pids = (await readdir(procRoot).catch(() => [] as string[])).filter(numeric).sort((a, b) => Number(a) - Number(b));
  for (const pid of pids) {
    if (Number(pid) === self) continue;
    if ((await processName(procRoot, pid)) === 'ModemManager') return { pid: Number(pid), name: 'ModemManager' };
  }
  return undefined;
}

/** RT_SCOPE_UNIVERSE: a global address (IPv4 or IPv6), not the kernel's link-local ones. */
const GLOBAL_SCOPE = 0;

/** Links and addresses on `parent` that rmnetctl's record does not account for. */
export async function foreignBearer(netlink: Netlink, parent: string, kernelLinks: readonly MuxLink[], record: ModemRecord | undefined): Promise<ForeignBearer> {
  const known = new Set((record?.pdns ?? []).flatMap((p) => (p.link ? [p.link.name] : [])));
  const links = kernelLinks.filter((l) => l.parent === parent && !known.has(l.name)).map((l) => l.name);
  const parentAddresses: string[] = [];
  if (!known.has(parent)) {
    const link = await netlink.findLink(parent);
    // A bearer without multiplexing: the parent carries the session itself, up and addressed.
    if (link?.up) {
      const addresses = await netlink.listAddresses(link.index);
      parentAddresses.push(...addresses.filter((a) => a.scope === GLOBAL_SCOPE).map((a) => `${a.address}/${a.prefixLength}`));
    }
  }
  return { links, parentAddresses };
}

/** ModemManager's own bearer: what is foreign on the parent while ModemManager runs. */
export function modemManagerBearer(peers: Peers, parent: string, foreign: ForeignBearer): ModemManagerBearer | undefined {
  if (!peers.modemManager || (foreign.links.length === 0 && foreign.parentAddresses.length === 0)) return undefined;
  return { pid: peers.modemManager.pid, parent, ...foreign };
}

/** What the kernel shows of the bearer, in words: "link qmapmux0.0", "address 10.0.0.2/30 on wwan0". */
export function describeBearer(bearer: ModemManagerBearer): string {
  const held = [
    ...(bearer.links.length > 0 ? [`link${bearer.links.length > 1 ? 's' : ''} ${bearer.links.join(', ')}`] : []),
    ...(bearer.parentAddresses.length > 0 ? [`address ${bearer.parentAddresses.join(', ')} on ${bearer.parent}`] : []),
  ];
  return held.join(' and ');
}

/**
 * `up` refuses beside ModemManager's own bearer: both would set the modem's data format and the parent's
 * kernel mode (raw_ip, pass_through, MTU), and each would break the other's session.
 */
export function modemManagerBearerError(bearer: ModemManagerBearer, device: string): RmnetError {
  return new RmnetError(
    'MODEM_MANAGER_BEARER',
    `ModemManager (pid ${bearer.pid}) has its own bearer connected on ${device} (${describeBearer(bearer)}): rmnetctl leaves that modem's data path to it. ` +
      'Disconnect it ("mmcli -m any --simple-disconnect") or configure ModemManager not to connect (no NetworkManager connection for the modem), then run up again',
    Category.conflict,
    { device, parent: bearer.parent, pid: bearer.pid, links: bearer.links, addresses: bearer.parentAddresses },
  );
}

export interface Coexistence extends Peers {
  /** ModemManager's own bearer on this modem, when it has one. */
  modemManagerBearer: ModemManagerBearer | undefined;
}

/** Everything above for one modem: the processes, and ModemManager's bearer from what the kernel shows. */
export async function coexistence(procRoot: string, netlink: Netlink, device: string, parent: string, kernelLinks: readonly MuxLink[], record: ModemRecord | undefined): Promise<Coexistence> {
  const peers = await findPeers(procRoot, device);
  // Without ModemManager there is no bearer to attribute; foreign mux ids are up-admit's MUX_IN_USE.
  const bearer = peers.modemManager ? modemManagerBearer(peers, parent, await foreignBearer(netlink, parent, kernelLinks, record)) : undefined;
  return { ...peers, modemManagerBearer: bearer };
}

/** One line for the log: who else is there ("ModemManager (pid 812); /dev/cdc-wdm0 held by qmi-proxy (pid 840)"). */
export function describePeers(peers: Peers, device: string): string | undefined {
  const parts = [
    ...(peers.modemManager ? [`ModemManager runs (pid ${peers.modemManager.pid})`] : []),
    ...(peers.portHolders.length > 0 ? [`${device} is held by ${peers.portHolders.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}
