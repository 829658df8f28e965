// `rmnetctl status`: per modem and mux, what the record says, what the kernel shows and what the modem
// reports now (asked on the client id that owns the session: any other client reads "disconnected"),
// with every disagreement spelled out. What the modem refuses to say (firmware without Get Packet Service
// Status) is null with its reason, the one rule of src/modem/optional.ts; the record and kernel still show.
import type { QmiDevice } from '../qmi/device.js';
import { readMuxMap } from '../datapath/mux.js';
import { discoverModems, type Modem } from '../sysfs/discovery.js';
import { sessionState } from '../wds/pdn-session.js';
import { optional, present, settle, type Answer, type Unavailable } from '../modem/optional.js';
import { collectRadio, type RadioReport } from '../modem/radio.js';
import { openPort, type ProxyChoice, type SessionEnv } from './env.js';
import { devicePath, modemKey, selectModem } from './select.js';
import type { PdnRecord, RecordedFormat } from './state.js';
import { readHealthRecord, type HealthRecord } from './health-record.js';
import { coexistence, describeBearer, type PeerProcess } from './peers.js';
import { describeDrift, kernelModeDrift, likelyCulprit } from './drift.js';

export interface MuxStatus {
  muxId: number;
  link: string | null;
  backend: string | null;
  recorded: { apn: string; ipType: string; state: PdnRecord['state'] } | null;
  kernel: { present: boolean; up: boolean; mtu: number | null; rxPackets: number | null; txPackets: number | null; rxBytes: number | null; txBytes: number | null; rxErrors: number | null };
  addresses: string[];
  /** Per recorded session: the modem's state ('connected', ...), or null with the reason in `unavailable`. */
  modem: Array<{ family: 4 | 6; clientId: number; status: string | null; unavailable: Unavailable<'status'> }>;
  disagreements: string[];
}

export interface ModemStatus {
  device: string;
  parent: string | null;
  dataFormat: RecordedFormat | null;
  kernelMode: { rawIp: boolean | null; passThrough: boolean | null };
  /** Operating mode, registration, signal and SIM as the modem reports them (each may be refused), or null with why. */
  radio: RadioReport | null;
  radioUnavailable: string | null;
  muxes: MuxStatus[];
  /** Who else uses the modem (src/session/peers.ts): ModemManager, the port's holders, ModemManager's own bearer. */
  peers: {
    modemManager: PeerProcess | null;
    portHolders: PeerProcess[];
    modemManagerBearer: { links: string[]; addresses: string[] } | null;
  };
  warnings: string[];
  /** What a running `rmnetctl run` judges of this modem's PDNs and its recovery ladder (docs/health.md); null without one. */
  health: HealthRecord | null;
}

export async function status(env: SessionEnv, options: { selector?: string | undefined; proxy: ProxyChoice }): Promise<ModemStatus[]> {
  const modems = options.selector ? [await selectModem(env, options.selector, options.proxy)] : (await discoverModems(env.sysfs)).filter((m) => m.netInterface);
  const result: ModemStatus[] = [];
  for (const modem of modems) result.push(await modemStatus(env, modem, options.proxy));
  return result;
}

async function modemStatus(env: SessionEnv, modem: Modem, proxy: ProxyChoice): Promise<ModemStatus> {
  const parent = modem.netInterface!;
  const record = env.store.read(modemKey(modem));
  const warnings: string[] = [];
  const kernelLinks = await readMuxMap(env.sysfs, env.netlink, parent);
  const allLinks = await env.netlink.listLinks();
  const addresses = await env.netlink.listAddresses().catch(() => []);
  const peers = await coexistence(env.procRoot, env.netlink, devicePath(modem), parent, kernelLinks, record ?? undefined);
  const mmBearer = peers.modemManagerBearer;
  if (mmBearer) warnings.push(`ModemManager (pid ${mmBearer.pid}) has its own bearer on this modem: ${describeBearer(mmBearer)}`);
  const modeWarning = kernelModeChanged(modem, (record?.pdns ?? []).filter((p) => kernelLinks.some((l) => l.name === p.link?.name)), peers.modemManager?.pid);
  if (modeWarning) warnings.push(modeWarning);
  const muxIds = [...new Set([...(record?.pdns ?? []).map((p) => p.request.muxId), ...kernelLinks.map((l) => l.muxId)])].sort((a, b) => a - b);

  // The modem is asked for its radio context and each recorded session; when the port does not open, the
  // record and kernel are still worth showing (why sessions were not asked goes beside each).
  let unreachable = 'not asked';
  const device: QmiDevice | undefined = await openPort(env, devicePath(modem), proxy).then((p) => p.device, (error: unknown) => {
    if (record?.pdns.some((p) => p.clients.length > 0)) warnings.push(`cannot ask the modem at ${devicePath(modem)}: ${(error as Error).message}`);
    unreachable = `not asked: cannot open ${devicePath(modem)}`;
    return undefined;
  });
  const radio = device ? await collectRadio(device).catch((error: unknown) => ({ failed: (error as Error).message })) : undefined;
  const muxes: MuxStatus[] = [];
  try {
    for (const muxId of muxIds) {
      const pdn = record?.pdns.find((p) => p.request.muxId === muxId);
      const kernelLink = kernelLinks.find((l) => l.muxId === muxId);
      const link = kernelLink ? allLinks.find((l) => l.name === kernelLink.name) : undefined;
      const linkAddresses = link ? addresses.filter((a) => a.index === link.index).map((a) => `${a.address}/${a.prefixLength}`) : [];
      const modemSessions: MuxStatus['modem'] = [];
      const forgotten: Array<4 | 6> = [];
      for (const entry of pdn?.clients ?? []) {
        let answer: Answer<string> = { value: null, unavailable: unreachable };
        if (device) {
          const open = device;
          const asked = await optional(async () => {
            const state = await sessionState(open, entry.clientId);
            return state === undefined ? undefined : String(state);
          });
          answer = present(asked, 'WDS Get Packet Service Status: the answer has no connection status');
        }
        // The modem no longer knows the owning client (it was reset): that is the modem's word, not silence.
        if (answer.value === null && answer.qmiError === 'InvalidClientId') forgotten.push(entry.family);
        const unavailable: Unavailable<'status'> = {};
        modemSessions.push({ family: entry.family, clientId: entry.clientId, status: settle(unavailable, 'status', answer), unavailable });
      }
      const disagreements: string[] = [];
      if (pdn && !kernelLink) disagreements.push(`recorded, but the kernel has no link with mux id ${muxId}`);
      if (!pdn && kernelLink) {
        const owner = mmBearer?.links.includes(kernelLink.name) ? ` (ModemManager's bearer, pid ${mmBearer.pid})` : '';
        disagreements.push(`the kernel has ${kernelLink.name} for mux ${muxId}, but rmnetctl did not record it${owner}`);
      }
      if (pdn?.link && kernelLink && pdn.link.name !== kernelLink.name) disagreements.push(`recorded link ${pdn.link.name}, the kernel maps mux ${muxId} to ${kernelLink.name}`);
      if (pdn?.state === 'starting') disagreements.push('an "up" did not finish: run "rmnetctl down --mux ' + muxId + '"');
      for (const address of pdn?.addresses ?? []) {
        if (link && !linkAddresses.includes(`${address.address}/${address.prefixLength}`)) disagreements.push(`recorded address ${address.address}/${address.prefixLength} is not on ${link.name}`);
      }
      for (const session of modemSessions) {
        if (pdn?.state !== 'up' || !device) continue;
        if (forgotten.includes(session.family)) disagreements.push(`the modem does not know client ${session.clientId} of the IPv${session.family} session (recorded up; was it reset?)`);
        else if (session.status !== null && session.status !== 'connected') disagreements.push(`the modem reports IPv${session.family} ${session.status} (recorded up)`);
      }
      if (kernelLink && !kernelLink.up && pdn?.state === 'up') disagreements.push(`${kernelLink.name} is down`);
      const stats = link?.stats;
      muxes.push({
        muxId,
        link: kernelLink?.name ?? pdn?.link?.name ?? null,
        backend: kernelLink?.backend ?? pdn?.backend ?? null,
        recorded: pdn ? { apn: pdn.request.apn, ipType: pdn.request.ipType, state: pdn.state } : null,
        kernel: {
          present: kernelLink !== undefined,
          up: kernelLink?.up ?? false,
          mtu: kernelLink?.mtu ?? null,
          rxPackets: num(stats?.rxPackets),
          txPackets: num(stats?.txPackets),
          rxBytes: num(stats?.rxBytes),
          txBytes: num(stats?.txBytes),
          rxErrors: num(stats?.rxErrors),
        },
        addresses: linkAddresses,
        modem: modemSessions,
        disagreements,
      });
    }
  } finally {
    await device?.close({ keepClients: true });
  }
  return {
    device: devicePath(modem),
    parent,
    dataFormat: record?.dataFormat ?? null,
    kernelMode: { rawIp: modem.rawIp, passThrough: modem.passThrough },
    radio: radio && !('failed' in radio) ? radio : null,
    radioUnavailable: !radio ? unreachable : 'failed' in radio ? radio.failed : null,
    muxes,
    peers: {
      modemManager: peers.modemManager ?? null,
      portHolders: peers.portHolders,
      modemManagerBearer: mmBearer ? { links: mmBearer.links, addresses: mmBearer.parentAddresses } : null,
    },
    warnings,
    health: readHealthRecord(env.store, modemKey(modem)) ?? null,
  };
}

function num(value: number | bigint | undefined | null): number | null {
  if (value === undefined || value === null) return null;
  return Number(value);
}

/** `status`'s wording of src/session/drift.ts's finding, with what to do about it. */
function kernelModeChanged(modem: Modem, pdns: readonly PdnRecord[], modemManagerPid: number | undefined): string | undefined {
  const drift = kernelModeDrift(modem, pdns);
  if (!drift) return undefined;
  const needPassThrough = drift.backend === 'rmnet' ? 'Y' : 'N';
  return `${modem.netInterface}: ${describeDrift(drift)}, but the recorded ${drift.backend} links need raw_ip Y and pass_through ${needPassThrough}: the kernel mode changed under them${likelyCulprit(modemManagerPid)}; their traffic does not pass: run "rmnetctl down --all" and "up" again`;
}
