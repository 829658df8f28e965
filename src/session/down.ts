// `rmnetctl down`: stop the sessions, release the client ids, remove addresses/routes/DNS, delete the
// link, and restore the kernel mode when nothing else uses the modem. Works from the record (even one a
// crashed `up` left half-written) and from what the kernel shows when the record is gone. Keeps going
// past failures (a modem that is gone still gets its links removed) and reports each as a warning.
import { Category, RmnetError } from '../errors.js';
import type { QmiDevice } from '../qmi/device.js';
import { SystemDatapath } from '../datapath/execute.js';
import { readMuxMap } from '../datapath/mux.js';
import type { MuxLink } from '../datapath/backend.js';
import { restoreKernelMode } from '../datapath/setup.js';
import { endPdnSession } from '../wds/pdn-session.js';
import { openPort, type ProxyChoice, type SessionEnv } from './env.js';
import { removeIpConfig } from './ipconfig.js';
import { lockModem } from './lock.js';
import { devicePath, modemKey, selectModem } from './select.js';
import { discoverModems } from '../sysfs/discovery.js';
import type { LostAllocation, ModemRecord, PdnRecord, StrayClient } from './state.js';
import { freeLostAllocations } from './lost-allocations.js';

export interface DownOptions {
  selector?: string | undefined;
  /** One mux id, or undefined with `all` or `link`. */
  muxId?: number | undefined;
  /** A mux link by name (`rmnetctl down wwan0.1`), as the kernel or the record knows it. */
  link?: string | undefined;
  all: boolean;
  proxy: ProxyChoice;
  /** An open control port to use and leave open (the supervisor's). */
  device?: QmiDevice | undefined;
  /** Whether that port goes through qmi-proxy (unknown: assumed, so no CTL Sync is sent through it). */
  viaProxy?: boolean | undefined;
}

export interface DownResult {
  modem: string;
  parent: string;
  removed: Array<{ muxId: number; link: string | undefined; recorded: boolean; stoppedSessions: number; releasedClients: number }>;
  /** Client ids an earlier command could not release (the record's strayClients), released now. */
  releasedStrays: Array<{ service: string; clientId: number }>;
  /** Client ids the modem may still hold after this `down`: kept in the record for the next one. */
  stillHeld: Array<{ service: string; clientId: number }>;
  /** Client ids whose Allocate CID answer was lost that this `down` freed with a CTL Sync (by service). */
  freedLost: string[];
  /** Those it could not free yet (something else uses the modem), kept in the record with the reason. */
  stillLost: LostAllocation[];
  kernelRestored: boolean;
  warnings: string[];
}

export async function down(env: SessionEnv, options: DownOptions): Promise<DownResult> {
  if (options.link !== undefined) return down(env, { ...options, link: undefined, ...(await byLinkName(env, options.link, options)) });
  if (!options.all && options.muxId === undefined) {
    throw new RmnetError('BAD_ARGUMENT', 'down needs --mux N or --all', Category.usage);
  }
  const modem = await selectModem(env, options.selector, options.proxy);
  const parent = modem.netInterface!;
  const key = modemKey(modem);
  const lock = await lockModem(env.store.dir, key);
  const warnings: string[] = [];
  const warn = (text: string) => {
    warnings.push(text);
    env.log(`warning: ${text}`);
  };
  try {
    const record: ModemRecord | undefined = env.store.read(key);
    const kernelLinks = await readMuxMap(env.sysfs, env.netlink, parent);
    const wanted = (muxId: number) => options.all || muxId === options.muxId;
    const pdns = (record?.pdns ?? []).filter((p) => wanted(p.request.muxId));
    const strayLinks = kernelLinks.filter((l) => wanted(l.muxId) && !pdns.some((p) => p.request.muxId === l.muxId));
    const strays = record?.strayClients ?? [];
    if (pdns.length === 0 && strayLinks.length === 0 && strays.length === 0 && !options.all) {
      throw new RmnetError('NOT_UP', `mux ${options.muxId} is not up on ${parent} (no record, no link in the kernel)`, Category.notFound, { interface: parent, muxId: options.muxId });
    }

    const lost = record?.lostAllocations ?? [];
    let device: QmiDevice | undefined = options.device;
    let viaProxy = options.viaProxy ?? options.device !== undefined;
    if (!device && (strays.length > 0 || lost.length > 0 || pdns.some((p) => p.clients.length > 0))) {
      device = await openPort(env, devicePath(modem), options.proxy).then((p) => {
        viaProxy = p.viaProxy;
        return p.device;
      }, (error: unknown) => {
        warn(`cannot reach the modem at ${devicePath(modem)} (${(error as Error).message}): its sessions and client ids are left to it`);
        return undefined;
      });
    }
    let stillLost: LostAllocation[] = lost;
    const datapath = new SystemDatapath(env.sysfs, env.netlink);
    const removed: DownResult['removed'] = [];
    const releasedStrays: DownResult['releasedStrays'] = [];
    const held: StrayClient[] = [];
    try {
      for (const stray of strays) {
        const outcome = await releaseStray(device, stray);
        if (outcome === 'released') releasedStrays.push({ service: stray.service, clientId: stray.clientId });
        else {
          warn(`${stray.service.toUpperCase()} client ${stray.clientId}: ${outcome}`);
          held.push({ ...stray, reason: outcome });
        }
      }
      for (const releasedStray of releasedStrays) env.log(`released ${releasedStray.service.toUpperCase()} client ${releasedStray.clientId}, left allocated by an earlier command`);
      if (record && strays.length > 0) {
        record.strayClients = [...held];
        env.store.write(key, record);
      }
      for (const pdn of pdns) {
        const link = kernelLinks.find((l) => l.muxId === pdn.request.muxId);
        const ended = await endSessions(device, pdn, warn);
        held.push(...ended.held);
        removed.push({ muxId: pdn.request.muxId, link: pdn.link?.name ?? link?.name, recorded: true, stoppedSessions: ended.stoppedSessions, releasedClients: ended.releasedClients });
        await removeIpConfig(env.netlink, env.dns, pdn).catch((e: unknown) => warn(`mux ${pdn.request.muxId}: removing addresses/routes: ${(e as Error).message}`));
        if (link) await deleteLink(datapath, link, warn);
        record!.pdns = record!.pdns.filter((p) => p !== pdn);
        record!.strayClients = held;
        if (record!.pdns.length > 0 || held.length > 0) env.store.write(key, record!);
      }
      for (const link of strayLinks) {
        env.log(`${link.name}: mux ${link.muxId} has no record; removing the link the kernel shows`);
        await deleteLink(datapath, link, warn);
        removed.push({ muxId: link.muxId, link: link.name, recorded: false, stoppedSessions: 0, releasedClients: 0 });
      }
      // Client ids nobody learned: freed once this `down` leaves nothing else of ours on the modem.
      if (record && lost.length > 0 && device && record.pdns.length === 0 && held.length === 0) {
        stillLost = await freeLostAllocations(device, lost, { path: devicePath(modem), viaProxy, procRoot: env.procRoot, record }, (line) => env.log(line));
        for (const l of stillLost) warn(`a ${l.service.toUpperCase()} client id whose Allocate CID answer was lost (${l.at}) may still be held: ${l.reason}`);
        record.lostAllocations = stillLost;
        if (stillLost.length === 0) delete record.lostAllocations;
      }
    } finally {
      // Nothing of ours is left on these clients; never release what we did not record.
      if (device !== options.device) await device?.close({ keepClients: true });
    }

    const remainingLinks = await readMuxMap(env.sysfs, env.netlink, parent);
    let kernelRestored = false;
    if ((record?.pdns.length ?? 0) === 0) {
      if (remainingLinks.length === 0 && record?.kernelBefore) {
        kernelRestored = await restoreKernel(env, parent, record.kernelBefore, warn);
        delete record.kernelBefore;
      }
      // What the modem may still hold keeps the record (and names it) for the next `down`.
      if (record && (held.length > 0 || stillLost.length > 0)) env.store.write(key, record);
      else env.store.remove(key);
    }
    const stillHeld = held.map(({ service, clientId }) => ({ service, clientId }));
    const freedLost = stillLost.length === 0 ? lost.map((l) => l.service) : [];
    return { modem: devicePath(modem), parent, removed, releasedStrays, stillHeld, freedLost, stillLost, kernelRestored, warnings };
  } finally {
    // Nothing left for this modem: no lock file either.
    lock.release({ remove: !env.store.has(key) });
  }
}

/** The modem and mux id of a link named like `ip link` shows it: from the kernel's links, then the records. */
async function byLinkName(env: SessionEnv, link: string, options: DownOptions): Promise<{ selector: string; muxId: number }> {
  const modems = options.selector !== undefined ? [await selectModem(env, options.selector, options.proxy)] : (await discoverModems(env.sysfs)).filter((m) => m.netInterface !== null);
  for (const modem of modems) {
    const inKernel = (await readMuxMap(env.sysfs, env.netlink, modem.netInterface!)).find((l) => l.name === link);
    const recorded = env.store.read(modemKey(modem))?.pdns.find((p) => p.link?.name === link);
    const muxId = inKernel?.muxId ?? recorded?.request.muxId;
    if (muxId !== undefined) return { selector: modem.controlPort, muxId };
  }
  throw new RmnetError('NOT_UP', `no mux link named ${link} on ${modems.map((m) => m.netInterface).join(', ') || 'any modem'} (in the kernel or in a record); "rmnetctl status" lists them`, Category.notFound, { interface: link });
}

/**
 * Stop Network then Release CID for every recorded client; failures become warnings (the modem may have
 * reset). A client the modem may still hold (no port, no answer) is returned, to stay recorded.
 */
async function endSessions(device: QmiDevice | undefined, pdn: PdnRecord, warn: (text: string) => void): Promise<{ stoppedSessions: number; releasedClients: number; held: StrayClient[] }> {
  let stoppedSessions = 0;
  let releasedClients = 0;
  const held: StrayClient[] = [];
  for (const entry of pdn.clients) {
    if (!device) {
      held.push({ service: 'wds', clientId: entry.clientId, reason: `mux ${pdn.request.muxId}: the modem could not be reached` });
      continue;
    }
    const ended = await endPdnSession(device, entry);
    stoppedSessions += Number(ended.stopped);
    releasedClients += Number(ended.released);
    for (const failure of ended.failures) warn(`mux ${pdn.request.muxId} ${failure}`);
    if (ended.held) held.push({ service: 'wds', clientId: entry.clientId, reason: ended.failures.join('; ') });
  }
  return { stoppedSessions, releasedClients, held };
}

/** Releases a client id an earlier command left: 'released' (or unknown to the modem), else why not. */
async function releaseStray(device: QmiDevice | undefined, stray: StrayClient): Promise<'released' | string> {
  if (!device) return 'the modem could not be reached; still recorded';
  try {
    await device.releaseClientId(stray.service, stray.clientId);
    return 'released';
  } catch (error) {
    if (error instanceof RmnetError && error.details.qmiError === 'InvalidClientId') return 'released';
    return `${(error as Error).message}; still recorded`;
  }
}

async function deleteLink(datapath: SystemDatapath, link: MuxLink, warn: (text: string) => void): Promise<void> {
  try {
    await datapath.apply({ op: 'delete-link', backend: link.backend, parent: link.parent, muxId: link.muxId });
  } catch (error) {
    warn(`${link.name}: deleting the ${link.backend} link of mux ${link.muxId}: ${(error as Error).message}`);
  }
}

/** Puts qmi_wwan back the way `up` found it, through the planner (the orders are its job). */
async function restoreKernel(env: SessionEnv, parent: string, before: NonNullable<ModemRecord['kernelBefore']>, warn: (text: string) => void): Promise<boolean> {
  try {
    const plan = await restoreKernelMode(env.sysfs, env.netlink, parent, before, (line) => env.log(line));
    for (const note of plan.notes) env.log(note);
    env.log(`${parent}: kernel mode restored (raw_ip ${before.rawIp ? 'Y' : 'N'}, pass_through ${before.passThrough ? 'Y' : 'N'}, MTU ${before.mtu})`);
    return true;
  } catch (error) {
    warn(`${parent}: restoring raw_ip/pass_through/MTU: ${(error as Error).message}`);
    return false;
  }
}
