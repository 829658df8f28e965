// One scrape: for every modem asked, concurrently, what the modem answers (identity, radio and SIM context,
// data format, each PDN session's state and WDS packet statistics) and what the kernel counts on each mux
// link. Plain values; metrics/families.ts turns them into metric families. A modem that refuses a question
// loses only that field (modem/optional.ts); a modem that cannot be asked at all (port gone, busy, timeout)
// is reported failed with its error, beside its kernel counters and the other modems.
import { RmnetError } from '../errors.js';
import type { QmiDevice } from '../qmi/device.js';
import { QmiService } from '../qmi/enums.js';
import { stringField } from '../qmi/fields.js';
import { dmsGetIds, dmsGetModel, dmsGetRevision } from '../dms/messages.js';
import { getDataFormat, type DataFormat } from '../wda/data-format.js';
import { getPacketServiceStatus } from '../wds/session-messages.js';
import { getPacketStatistics, type PacketStatistics } from '../wds/packet-statistics.js';
import { readMuxMap } from '../datapath/mux.js';
import type { Link, LinkStats } from '../netlink/link.js';
import type { MuxLink } from '../datapath/backend.js';
import { discoverModems } from '../sysfs/discovery.js';
import { openPort, type ProxyChoice, type SessionEnv } from '../session/env.js';
import { devicePath, modemKey, selectPort } from '../session/select.js';
import type { ModemRecord } from '../session/state.js';
import { readHealthRecord, type HealthRecord } from '../session/health-record.js';
import { collectRadio, type RadioReport } from '../modem/radio.js';
import { optional, type Answer } from '../modem/optional.js';

export type MetricsEnv = Pick<SessionEnv, 'sysfs' | 'netlink' | 'store' | 'openQmi' | 'proxyRunning'>;

/** A modem to scrape: its label, its control port, its network interface and state record when sysfs knows it. */
export interface MetricsTarget {
  /** The `modem` label: the control port name (cdc-wdm0), or the path without /dev/ for a bare port. */
  name: string;
  path: string;
  parent: string | null;
  /** The state file key (the session records of `up`), null for a bare port. */
  recordKey: string | null;
}

export interface Identity {
  model: string | null;
  revision: string | null;
  imei: string | null;
}

export interface SessionScrape {
  family: 4 | 6;
  clientId: number;
  state: Answer<string>;
  statistics: Answer<PacketStatistics>;
}

export interface PdnScrape {
  muxId: number;
  apn: string;
  link: string | null;
  backend: string;
  sessions: SessionScrape[];
}

export interface LinkScrape {
  name: string;
  muxId: number;
  backend: string;
  up: boolean;
  stats: LinkStats | null;
}

export interface ModemAnswers {
  identity: Answer<Identity>;
  radio: RadioReport;
  dataFormat: Answer<DataFormat>;
  pdns: PdnScrape[];
}

export interface ModemScrape {
  target: MetricsTarget;
  /** null when the modem could not be asked at all; `error` says why. */
  answers: ModemAnswers | null;
  error: RmnetError | null;
  /** What was left out and why (the state record could not be read: no PDNs then). */
  warnings: string[];
  links: LinkScrape[];
  /** The parent (wwan0) as the kernel counts it: rx_packets is one per USB transfer; null for a bare port. */
  parent: { name: string; stats: LinkStats | null } | null;
  /** Mux link packets per parent transfer since the previous scrape (metrics/aggregation.ts); null when not known. */
  aggregationRatio: number | null;
  /** What a running `rmnetctl run` judges of this modem (health, recovery, default routes); null without one. */
  health?: HealthRecord | null;
}

export interface Scrape {
  modems: ModemScrape[];
  durationSeconds: number;
}

/** The modems `selector` names (one), or every modem with a network interface. */
export async function metricsTargets(env: Pick<MetricsEnv, 'sysfs' | 'openQmi' | 'proxyRunning'>, selector: string | undefined, proxy: ProxyChoice): Promise<MetricsTarget[]> {
  if (selector !== undefined) {
    const { path, modem } = await selectPort(env, selector, proxy);
    if (modem) return [{ name: modem.controlPort, path, parent: modem.netInterface, recordKey: modemKey(modem) }];
    return [{ name: path.replace(/^\/dev\//, ''), path, parent: null, recordKey: null }];
  }
  const modems = (await discoverModems(env.sysfs)).filter((m) => m.netInterface !== null);
  return modems.map((m) => ({ name: m.controlPort, path: devicePath(m), parent: m.netInterface, recordKey: modemKey(m) }));
}

async function identity(device: QmiDevice): Promise<Identity> {
  return device.withClient(QmiService.DMS, async (dms) => {
    // Get IDs is refused by some firmware without an IMEI; model and revision are still worth a label.
    const [model, revision, ids] = await Promise.all([
      optional(async () => stringField((await dms.request(dmsGetModel)).fields, 'model') ?? null),
      optional(async () => stringField((await dms.request(dmsGetRevision)).fields, 'revision') ?? null),
      optional(async () => stringField((await dms.request(dmsGetIds)).fields, 'imei') ?? null),
    ]);
    return { model: model.value, revision: revision.value, imei: ids.value };
  });
}

/** The session's state and counters, asked on the client id that owns it (any other reads "disconnected"). */
async function session(device: QmiDevice, family: 4 | 6, clientId: number): Promise<SessionScrape> {
  const client = device.adoptClient(QmiService.WDS, clientId);
  const [state, statistics] = await Promise.all([
    optional(async () => String((await getPacketServiceStatus(client)) ?? 'unknown')),
    optional(() => getPacketStatistics(client)),
  ]);
  return { family, clientId, state, statistics };
}

async function askModem(device: QmiDevice, record: ModemRecord | undefined): Promise<ModemAnswers> {
  const pdns = (record?.pdns ?? []).map(async (pdn): Promise<PdnScrape> => ({
    muxId: pdn.request.muxId,
    apn: pdn.request.apn,
    link: pdn.link?.name ?? null,
    backend: pdn.backend,
    sessions: await Promise.all(pdn.clients.map((c) => session(device, c.family, c.clientId))),
  }));
  const [id, radio, dataFormat, pdnScrapes] = await Promise.all([
    optional(() => identity(device)),
    collectRadio(device),
    optional(() => device.withClient(QmiService.WDA, (wda) => getDataFormat(wda))),
    Promise.all(pdns),
  ]);
  return { identity: id, radio, dataFormat, pdns: pdnScrapes.sort((a, b) => a.muxId - b.muxId) };
}

function linksOf(parent: string | null, muxLinks: MuxLink[], kernelLinks: Link[]): LinkScrape[] {
  if (parent === null) return [];
  return muxLinks
    .filter((l) => l.parent === parent)
    .map((l) => ({
      name: l.name,
      muxId: l.muxId,
      backend: l.backend,
      up: l.up,
      stats: kernelLinks.find((k) => k.name === l.name)?.stats ?? null,
    }));
}

/** The modem's side of a scrape; its links are the kernel's, added by scrape(). */
async function scrapeModem(env: MetricsEnv, target: MetricsTarget, proxy: ProxyChoice): Promise<Omit<ModemScrape, 'links' | 'parent' | 'aggregationRatio'>> {
  let answers: ModemAnswers | null = null;
  let error: RmnetError | null = null;
  const warnings: string[] = [];
  let record: ModemRecord | undefined;
  // The supervisor's file, read as `rmnetctl status` reads it (a writer that is gone says nothing).
  let health: HealthRecord | null = null;
  try {
    health = target.recordKey ? (readHealthRecord(env.store, target.recordKey) ?? null) : null;
  } catch {
    health = null;
  }
  try {
    record = target.recordKey ? env.store.read(target.recordKey) : undefined;
  } catch (caught) {
    // Not root (the state directory is root's 0700), or a corrupt record: the modem is still worth asking.
    warnings.push(`${target.name}: PDNs left out: ${(caught as Error).message}`);
  }
  try {
    const { device } = await openPort(env, target.path, proxy);
    try {
      answers = await askModem(device, record);
    } finally {
      // The session client ids are the sessions' owners': adopted, never released by a scrape.
      await device.close({ keepClients: true });
    }
  } catch (caught) {
    if (!(caught instanceof RmnetError)) throw caught;
    error = caught;
  }
  return { target, answers, error, warnings, health };
}

export interface ScrapeOptions {
  /** Ask the modems one after the other (the benchmark's comparison); default: all at once. */
  oneAtATime?: boolean;
  now?: () => number;
}

/** Scrapes every target at once; the kernel's links and mux map are read once for all of them. */
export async function scrape(env: MetricsEnv, targets: readonly MetricsTarget[], proxy: ProxyChoice, options: ScrapeOptions = {}): Promise<Scrape> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const askAll = async () => {
    if (!options.oneAtATime) return Promise.all(targets.map((t) => scrapeModem(env, t, proxy)));
    const out = [];
    for (const t of targets) out.push(await scrapeModem(env, t, proxy));
    return out;
  };
  const kernel = targets.some((t) => t.parent !== null)
    ? Promise.all([readMuxMap(env.sysfs, env.netlink), env.netlink.listLinks()])
    : Promise.resolve([[], []] as [MuxLink[], Link[]]);
  // The kernel read runs beside the modems' QMI; a failure there (netlink gone) fails the scrape.
  const [[muxLinks, kernelLinks], modems] = await Promise.all([kernel, askAll()]);
  return {
    modems: modems.map((m) => ({
      ...m,
      links: linksOf(m.target.parent, muxLinks, kernelLinks),
      parent: m.target.parent === null ? null : { name: m.target.parent, stats: kernelLinks.find((k) => k.name === m.target.parent)?.stats ?? null },
      aggregationRatio: null,
    })),
    // Microseconds are all the clock is good for; more digits would be float noise in the output.
    durationSeconds: Math.round((now() - started) * 1000) / 1e6,
  };
}
