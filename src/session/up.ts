// `rmnetctl up`: PDNs on their own mux links, ready to route. The flow is a list of named steps; every
// step that changes the modem or the kernel registers its undo first, and the record in /run/rmnetctl
// is written as resources appear, so a crash half-way leaves `down` enough to clean up.
//
// Several PDNs of one modem come up together (`upMany`, used by `run`): the data format and the kernel
// mode are settled once for all of them, then each PDN's sessions (one WDS client per IP family) run
// concurrently, since different clients on different muxes do not depend on each other. A PDN that fails
// is rolled back alone; the shared steps are rolled back only when no PDN came up.
import { Category, RmnetError } from '../errors.js';
import { QmiService } from '../qmi/enums.js';
import type { QmiClient, QmiDevice } from '../qmi/device.js';
import { rmnetFlagsFor } from '../datapath/rmnet.js';
import { readParentState, setUpDatapath } from '../datapath/setup.js';
import { interrupted } from '../datapath/execute.js';
import type { Step } from '../datapath/plan.js';
import { readMuxMap } from '../datapath/mux.js';
import { checkMuxIdFree } from '../datapath/mux-id.js';
import type { MuxLink } from '../datapath/backend.js';
import type { Modem } from '../sysfs/discovery.js';
import { getDataFormat, setDataFormat, type DataFormat, type DataFormatRequest, type Endpoint } from '../wda/data-format.js';
import { candidateRungs, decisionLog, LADDER, negotiate, type AggregationName, type GrantedFormat, type Rung } from '../wda/ladder.js';
import { bindMuxDataPort, getCurrentSettings, setIpFamily, startNetwork, stopNetwork, type CurrentSettings } from '../wds/session-messages.js';
import type { SessionEnv } from './env.js';
import { applyIpConfig } from './ipconfig.js';
import { lockModem } from './lock.js';
import { readSecret, sameSettings, type PdnRequest } from './request.js';
import { devicePath, modemKey, selectModem } from './select.js';
import type { ModemRecord, PdnRecord } from './state.js';
import { UndoStack } from '../undo.js';

/** What rmnetctl asks for; the modem's answer (often smaller) is what gets used. */
export const REQUESTED_DL_DATAGRAMS = 32;
export const REQUESTED_DL_SIZE = 32768;

export interface UpOptions {
  /** -d: control port, network interface, USB path or IMEI. */
  selector?: string | undefined;
  /** 'auto' uses qmi-proxy when it is running. */
  proxy: 'auto' | 'yes' | 'no';
  /** An open control port to use and leave open (the supervisor's); by default `up` opens its own. */
  device?: QmiDevice | undefined;
  /** Aborting (Ctrl-C, SIGTERM) stops at the current step and rolls back everything done so far. */
  signal?: AbortSignal | undefined;
}

export interface UpResult {
  alreadyUp: boolean;
  modem: string;
  parent: string;
  muxId: number;
  link: string;
  backend: PdnRecord['backend'];
  dataFormat: RecordedFormat;
  decision: string;
  sessions: Array<{ family: 4 | 6; clientId: number; packetDataHandle: number | undefined }>;
  addresses: PdnRecord['addresses'];
  routes: PdnRecord['routes'];
  dns: string[];
  dnsApplied: string;
  mtu: number | undefined;
}

/** The data format as recorded in the state file and printed. */
export interface RecordedFormat {
  rung: string;
  aggregation: AggregationName;
  linkLayer: string;
  dlMaxDatagrams: number | undefined;
  dlMaxSize: number | undefined;
  ulMaxDatagrams: number | undefined;
  ulMaxSize: number | undefined;
  via: 'char-device' | 'qmi-proxy';
}

const AGGREGATION_WIRE: Record<AggregationName, string> = { qmapv5: 'qmapv5', qmap: 'qmap', none: 'disabled' };

function aggregationOf(value: string | number | undefined): AggregationName | 'other' {
  if (value === 'qmap' || value === 'qmapv5') return value;
  if (value === 'disabled' || value === 0) return 'none';
  return 'other';
}

export function grantedOf(format: DataFormat): GrantedFormat {
  return {
    linkLayer: format.linkLayer === 'raw-ip' ? 'raw-ip' : format.linkLayer === '802-3' ? '802-3' : 'unknown',
    dlAggregation: aggregationOf(format.downlinkAggregation),
    ulAggregation: aggregationOf(format.uplinkAggregation),
  };
}

/** WDA/WDS endpoint info: the USB interface number from sysfs; PCIe (MHI) modems have no USB interface and
 *  use 4, the value their firmware expects (ModemManager and oFono send the same). */
export function endpointOf(modem: Modem): Endpoint {
  if (modem.endpointType === 'pcie') return { type: 'pcie', interfaceNumber: 4 };
  return { type: 'hsusb', interfaceNumber: modem.interfaceNumber ?? 0 };
}

const familiesOf = (request: PdnRequest): Array<4 | 6> => (request.ipType === '4v6' ? [4, 6] : [Number(request.ipType) as 4 | 6]);

/** Brings one PDN up; throws the PDN's error (after rolling back everything it did). */
export async function up(env: SessionEnv, request: PdnRequest, options: UpOptions): Promise<UpResult> {
  const [outcome] = await upMany(env, [request], options);
  if (!outcome || outcome instanceof Error) throw outcome ?? new RmnetError('INTERNAL', 'no outcome');
  return outcome;
}

/**
 * Brings several PDNs of one modem up at once. Returns one outcome per request, in order: its result, or
 * the error it failed with (that PDN rolled back). Fails as a whole only for what concerns every PDN
 * (no such modem, no data format).
 */
export async function upMany(env: SessionEnv, requests: readonly PdnRequest[], options: UpOptions): Promise<Array<UpResult | RmnetError>> {
  const muxIds = requests.map((r) => r.muxId);
  const duplicate = muxIds.find((m, i) => muxIds.indexOf(m) !== i);
  if (duplicate !== undefined) throw new RmnetError('BAD_ARGUMENT', `mux ${duplicate} is asked for twice`, Category.usage, { muxId: duplicate });
  const modem = await selectModem(env, options.selector);
  const parent = modem.netInterface!;
  const key = modemKey(modem);
  const lock = await lockModem(env.store.dir, key);
  try {
    const record: ModemRecord = env.store.read(key) ?? { version: 1, device: devicePath(modem), netInterface: parent, pdns: [] };
    const kernelLinks = await readMuxMap(env.sysfs, env.netlink, parent);
    const defaultRoutes = await takenDefaultRoutes(env, requests);
    const outcomes: Array<UpResult | RmnetError | undefined> = [];
    const fresh: Array<{ index: number; request: PdnRequest; password: string | undefined }> = [];
    requests.forEach((request, index) => {
      try {
        const existing = record.pdns.find((p) => p.request.muxId === request.muxId);
        if (existing) {
          outcomes[index] = alreadyUp(existing, record, request, kernelLinks.some((l) => l.muxId === request.muxId && l.name === existing.link?.name), key, parent);
          return;
        }
        checkFree(request, kernelLinks, record, parent);
        claimDefaultRoutes(request, defaultRoutes);
        fresh.push({ index, request, password: request.auth !== 'none' && request.passwordFile ? readSecret(request.passwordFile) : undefined });
      } catch (error) {
        outcomes[index] = asRmnetError(error);
      }
    });
    if (fresh.length > 0) {
      const viaProxy = options.proxy === 'yes' || (options.proxy === 'auto' && (await env.proxyRunning()));
      const device = options.device ?? (await env.openQmi(devicePath(modem), viaProxy));
      const results = await new UpRun(env, modem, record, fresh, device, viaProxy, options.device !== undefined, options.signal).run();
      fresh.forEach((f, i) => (outcomes[f.index] = results[i]));
    }
    return outcomes.map((o) => o ?? new RmnetError('INTERNAL', 'no outcome'));
  } finally {
    lock.release();
  }
}

function checkFree(request: PdnRequest, kernelLinks: readonly MuxLink[], record: ModemRecord, parent: string): void {
  checkMuxIdFree(kernelLinks, parent, request.muxId, (holder) => ` (${holder.backend}), not by an rmnetctl session; pick another --mux or remove that link`);
  const clash = request.ifname && record.pdns.find((p) => p.link?.name === request.ifname);
  if (clash) {
    throw new RmnetError('IFNAME_IN_USE', `--ifname ${request.ifname} is already the link of mux ${clash.request.muxId}`, Category.conflict, { interface: request.ifname, muxId: request.muxId });
  }
}

/** Who holds each default route "family/metric" now (the kernel takes one per family and metric, any device). */
async function takenDefaultRoutes(env: SessionEnv, requests: readonly PdnRequest[]): Promise<Map<string, string>> {
  const taken = new Map<string, string>();
  if (!requests.some((r) => r.routeMetric !== undefined && !r.noIp)) return taken;
  const names = new Map((await env.netlink.listLinks()).map((l) => [l.index, l.name]));
  for (const family of [4, 6] as const) {
    for (const route of await env.netlink.listRoutes(family)) {
      if (route.destination !== 'default') continue;
      taken.set(`${family}/${route.metric ?? 0}`, route.outputIndex === null ? 'another route' : (names.get(route.outputIndex) ?? `ifindex ${route.outputIndex}`));
    }
  }
  return taken;
}

/** Refuses, before anything is touched, a default route the kernel would refuse after the session started. */
function claimDefaultRoutes(request: PdnRequest, taken: Map<string, string>): void {
  if (request.routeMetric === undefined || request.noIp) return;
  const keys = familiesOf(request).map((family) => [family, `${family}/${request.routeMetric}`] as const);
  for (const [family, key] of keys) {
    const holder = taken.get(key);
    if (holder) {
      throw new RmnetError('ROUTE_EXISTS', `mux ${request.muxId}: an IPv${family} default route with metric ${request.routeMetric} already exists (via ${holder}); give this PDN another --metric, or --no-default-route`, Category.conflict, { muxId: request.muxId, family, metric: request.routeMetric, holder });
    }
  }
  for (const [, key] of keys) taken.set(key, `mux ${request.muxId}`);
}

function asRmnetError(error: unknown): RmnetError {
  return error instanceof RmnetError ? error : new RmnetError('INTERNAL', error instanceof Error ? error.message : String(error));
}

function alreadyUp(existing: PdnRecord, record: ModemRecord, request: PdnRequest, linkPresent: boolean, key: string, parent: string): UpResult {
  if (existing.state !== 'up') {
    throw new RmnetError('UNFINISHED_SESSION', `mux ${request.muxId} on ${parent}: an earlier "up" did not finish; run "rmnetctl down --mux ${request.muxId}" first`, Category.conflict, { muxId: request.muxId, modem: key });
  }
  if (!sameSettings(existing.request, request)) {
    throw new RmnetError('MUX_IN_USE', `mux ${request.muxId} on ${parent} is already up with other settings (APN "${existing.request.apn}", IP type ${existing.request.ipType}); run "rmnetctl down --mux ${request.muxId}" first`, Category.conflict, { muxId: request.muxId, modem: key });
  }
  if (!linkPresent) {
    throw new RmnetError('STALE_SESSION', `mux ${request.muxId} on ${parent} is recorded as up but its link ${existing.link?.name ?? '?'} is gone from the kernel; run "rmnetctl down --mux ${request.muxId}" then "up" again`, Category.conflict, { muxId: request.muxId, modem: key });
  }
  return {
    alreadyUp: true,
    modem: record.device,
    parent,
    muxId: request.muxId,
    link: existing.link?.name ?? '',
    backend: existing.backend,
    dataFormat: record.dataFormat as unknown as RecordedFormat,
    decision: 'already up with the same settings: nothing changed',
    sessions: existing.clients.map((c) => ({ family: c.family, clientId: c.clientId, packetDataHandle: c.packetDataHandle })),
    addresses: existing.addresses,
    routes: existing.routes,
    dns: existing.dns,
    dnsApplied: 'unchanged',
    mtu: existing.mtu,
  };
}

/** One PDN within a run: its own undo stack, record entry and current step. */
interface PdnRun {
  request: PdnRequest;
  password: string | undefined;
  pdn: PdnRecord;
  undo: UndoStack;
  step: string;
  link?: { name: string; ifindex: number };
}

/** One `up` of one or more PDNs, step by step. */
class UpRun {
  /** Steps every PDN relies on (modem data format, kernel mode, parent MTU). */
  private readonly common = new UndoStack();
  private commonStep = 'start';
  private readonly key: string;
  private readonly parent: string;
  private readonly runs: PdnRun[];

  constructor(
    private readonly env: SessionEnv,
    private readonly modem: Modem,
    private readonly record: ModemRecord,
    requests: ReadonlyArray<{ request: PdnRequest; password: string | undefined }>,
    private readonly device: QmiDevice,
    private readonly viaProxy: boolean,
    /** The device belongs to the caller: leave it open, and its other clients alone. */
    private readonly sharedDevice: boolean,
    private readonly signal?: AbortSignal | undefined,
  ) {
    this.key = modemKey(modem);
    this.parent = modem.netInterface!;
    this.runs = requests.map(({ request, password }) => ({
      request,
      password,
      pdn: { request, state: 'starting', backend: 'none', clients: [], addresses: [], routes: [], dns: [], startedAt: new Date().toISOString() },
      undo: new UndoStack(),
      step: 'start',
    }));
  }

  async run(): Promise<Array<UpResult | RmnetError>> {
    let rung: Rung;
    let format: DataFormat;
    let decision: string;
    try {
      this.commonStep = 'negotiate the data format';
      this.env.log(`${this.parent}: ${this.commonStep}`);
      ({ rung, format, decision } = await this.interruptible(this.negotiateFormat()));
      for (const run of this.runs) run.pdn.backend = rung.backend ?? 'none';
      this.commonStep = 'set up the kernel data path';
      this.env.log(`${this.parent}: ${this.commonStep} for mux ${this.runs.map((r) => r.request.muxId).join(', ')}`);
      await this.createLinks(rung, format);
    } catch (error) {
      // Nothing PDN-specific happened yet beyond link creation: unwind it all.
      for (const run of this.runs) await run.undo.rollback();
      const failures = await this.common.rollback();
      this.forget(this.runs);
      if (!this.sharedDevice) await this.device.close().catch(() => {});
      const explained = this.explain(error, this.commonStep, failures.map(describeFailure));
      return this.runs.map((run) => retarget(explained, run.request.muxId));
    }

    const outcomes = await Promise.all(this.runs.map((run) => this.bringUp(run, decision)));
    const failed = this.runs.filter((_, i) => outcomes[i] instanceof Error);
    this.forget(failed);
    if (failed.length === this.runs.length) {
      const failures = await this.common.rollback();
      if (failures.length > 0) {
        this.env.log(`rolling back the shared steps: ${failures.map(describeFailure).join('; ')}`);
        // Each PDN's error was written before the shared steps were undone: it must not claim a clean rollback.
        outcomes.forEach((o, i) => {
          if (o instanceof RmnetError) outcomes[i] = incompleteRollback(o, failures.map(describeFailure));
        });
      }
    } else {
      this.common.commit();
    }
    if (!this.sharedDevice) {
      // The sessions belong to their client ids: keep them allocated after this process exits.
      if (failed.length === this.runs.length) await this.device.close().catch(() => {});
      else await this.device.close({ keepClients: true });
    }
    return outcomes;
  }

  /** Sessions, link up and IP configuration of one PDN; on failure it rolls back alone. */
  private async bringUp(run: PdnRun, decision: string): Promise<UpResult | RmnetError> {
    const at = async <T>(step: string, body: () => Promise<T>): Promise<T> => {
      run.step = step;
      this.env.log(`${this.parent} mux ${run.request.muxId}: ${step}`);
      return this.interruptible(body());
    };
    try {
      const link = run.link!;
      const sessions = await at('start the data sessions', () => Promise.all(familiesOf(run.request).map((family) => this.startSession(run, family, link))));
      await at(`bring ${link.name} up`, () => this.env.netlink.setLinkUp(link.ifindex, true));
      const settings = Object.fromEntries(sessions.map((s) => [s.family, s.settings])) as { 4?: CurrentSettings; 6?: CurrentSettings };
      const ip = await at(`configure ${link.name}`, () =>
        applyIpConfig(this.env.netlink, this.env.dns, run.undo, link, settings, { routeMetric: run.request.routeMetric, noIp: run.request.noIp }),
      );
      Object.assign(run.pdn, { state: 'up', addresses: ip.addresses, routes: ip.routes, dns: ip.dns, mtu: ip.mtu });
      this.save(run);
      run.undo.commit();
      return {
        alreadyUp: false,
        modem: this.record.device,
        parent: this.parent,
        muxId: run.request.muxId,
        link: link.name,
        backend: run.pdn.backend,
        dataFormat: this.record.dataFormat as unknown as RecordedFormat,
        decision,
        sessions: run.pdn.clients.map((c) => ({ family: c.family, clientId: c.clientId, packetDataHandle: c.packetDataHandle })),
        addresses: ip.addresses,
        routes: ip.routes,
        dns: ip.dns,
        dnsApplied: ip.dnsApplied,
        mtu: ip.mtu,
      };
    } catch (error) {
      const failures = await run.undo.rollback();
      return retarget(this.explain(error, run.step, failures.map(describeFailure)), run.request.muxId);
    }
  }

  /** Ladder walk, or the format already in force when other PDNs are up on this modem. */
  private async negotiateFormat(): Promise<{ rung: Rung; format: DataFormat; decision: string }> {
    const endpoint = endpointOf(this.modem);
    const backend = this.runs[0]!.request.backend;
    const liveRecord = this.record.pdns.length > 0 ? (this.record.dataFormat as unknown as RecordedFormat | undefined) : undefined;
    const liveRung = liveRecord && LADDER.find((r) => r.name === liveRecord.rung);
    const constraints = {
      backend,
      rmnetAvailable: liveRung?.backend === 'rmnet' || (backend !== 'qmimux' && (await this.env.rmnetAvailable())),
      qmiWwan: this.modem.driver === 'qmi_wwan',
      live: liveRung ? { backend: liveRung.backend, aggregation: liveRung.aggregation } : undefined,
      muxRequested: true,
    };
    const { rungs, skipped } = candidateRungs(constraints);
    if (rungs.length === 0) {
      throw new RmnetError('NO_DATA_FORMAT', `${this.parent}: no usable data format: ${skipped.map((s) => `${s.rung.name}: ${s.reason}`).join('; ')}`, Category.conflict, { interface: this.parent });
    }
    const wda = await this.device.allocateClient(QmiService.WDA);
    try {
      if (liveRung) {
        // Never re-set the format under live sessions (some modems ack and keep the old one): check it.
        const current = await getDataFormat(wda, endpoint);
        const result = await negotiate([liveRung], async () => grantedOf(current));
        if (!result.rung) {
          throw new RmnetError('FORMAT_CHANGED', `${this.device.path}: the modem's data format (${String(current.downlinkAggregation)}) no longer matches the ${liveRung.name} the live sessions use; run "rmnetctl down --all" and bring them up again`, Category.conflict, { path: this.device.path });
        }
        return { rung: liveRung, format: current, decision: `data format: ${liveRung.name} (kept: other PDNs are up)` };
      }
      const before = await getDataFormat(wda, endpoint).catch(() => undefined);
      if (before && aggregationOf(before.downlinkAggregation) !== 'other') {
        const restore: DataFormatRequest = {
          linkLayer: before.linkLayer === '802-3' ? '802-3' : 'raw-ip',
          downlinkAggregation: String(before.downlinkAggregation),
          uplinkAggregation: String(before.uplinkAggregation ?? before.downlinkAggregation),
          endpoint,
        };
        this.common.defer('restore the modem data format', async () => {
          await this.device.withClient(QmiService.WDA, (client) => setDataFormat(client, restore));
        });
      }
      let lastFormat: DataFormat | undefined;
      const result = await negotiate(rungs, async (rung) => {
        lastFormat = await setDataFormat(wda, {
          linkLayer: 'raw-ip',
          downlinkAggregation: AGGREGATION_WIRE[rung.aggregation],
          uplinkAggregation: AGGREGATION_WIRE[rung.aggregation],
          downlinkMaxDatagrams: REQUESTED_DL_DATAGRAMS,
          downlinkMaxSize: REQUESTED_DL_SIZE,
          endpoint,
        });
        return grantedOf(lastFormat);
      });
      const decision = decisionLog(result, skipped);
      if (!result.rung || !lastFormat) {
        throw new RmnetError('NO_DATA_FORMAT', `${this.device.path}: ${decision}`, Category.qmiError, { path: this.device.path });
      }
      const granted = lastFormat;
      this.record.dataFormat = {
        rung: result.rung.name,
        aggregation: result.rung.aggregation,
        linkLayer: String(granted.linkLayer),
        dlMaxDatagrams: granted.downlinkMaxDatagrams,
        dlMaxSize: granted.downlinkMaxSize,
        ulMaxDatagrams: granted.uplinkMaxDatagrams,
        ulMaxSize: granted.uplinkMaxSize,
        via: this.viaProxy ? 'qmi-proxy' : 'char-device',
      } satisfies RecordedFormat;
      const sizes = `DL ${granted.downlinkMaxDatagrams ?? '?'} datagrams / ${granted.downlinkMaxSize ?? '?'} bytes (asked ${REQUESTED_DL_DATAGRAMS} / ${REQUESTED_DL_SIZE})`;
      this.env.log(`${decision}; ${sizes}`);
      return { rung: result.rung, format: granted, decision: `${decision}; ${sizes}` };
    } finally {
      await wda.release().catch(() => {});
    }
  }

  /**
   * Kernel mode, receive size and one link per PDN. Each kernel step registers its undo before it runs: a
   * link's on its own PDN's stack, the shared ones (mode, MTU) on the common stack. Not abandoned on
   * Ctrl-C: the signal stops it between kernel steps, so the rollback never races a step in flight.
   */
  private async createLinks(rung: Rung, format: DataFormat): Promise<void> {
    if (!rung.backend) throw new RmnetError('INTERNAL', 'raw-ip alone has no mux link');
    if (this.signal?.aborted) throw interrupted();
    if (!this.record.kernelBefore) {
      const info = await readParentState(this.env.sysfs, this.env.netlink, this.parent);
      this.record.kernelBefore = { rawIp: info.state.rawIp, passThrough: info.state.passThrough, mtu: info.state.mtu };
    }
    const flags = rmnetFlagsFor(rung.aggregation === 'qmapv5' ? 'qmapv5' : 'qmap');
    const stackOf = (step: Step): UndoStack => {
      const undo = step.undo;
      const owner = undo && 'muxId' in undo ? this.runs.find((r) => r.request.muxId === undo.muxId) : undefined;
      return owner?.undo ?? this.common;
    };
    const result = await setUpDatapath(
      this.env.sysfs,
      this.env.netlink,
      {
        parent: this.parent,
        backend: rung.backend,
        grantedDlSize: rung.aggregation === 'none' ? null : (format.downlinkMaxSize ?? null),
        muxIds: this.runs.map((r) => r.request.muxId),
        names: this.runs.map((r) => r.request.ifname),
        rmnetFlags: flags,
      },
      { undo: stackOf, signal: this.signal, log: (line) => this.env.log(line) },
    );
    for (const run of this.runs) {
      const created = result.created.find((l) => l.muxId === run.request.muxId);
      if (!created) throw new RmnetError('KERNEL_STEP_FAILED', `${this.parent}: no link with mux id ${run.request.muxId} after creating it`, Category.kernel, { interface: this.parent, muxId: run.request.muxId });
      const link = await this.env.netlink.getLink(created.name);
      run.link = { name: link.name, ifindex: link.index };
      run.pdn.link = { name: link.name, ifindex: link.index, created: true };
      this.save(run);
      if (rung.backend === 'rmnet' && rung.aggregation === 'qmapv5') await this.trustModemChecksums(link.name);
    }
  }

  /** QMAPv5's point: let rmnet trust the modem's checksum-valid mark. An optimisation: a failure is logged. */
  private async trustModemChecksums(link: string): Promise<void> {
    try {
      const on = await this.env.offload.setRxChecksum(link, true);
      this.env.log(`${link}: rx-checksumming ${on ? 'on (the modem verifies DL checksums)' : 'refused by the driver: checksums are verified in software'}`);
    } catch (error) {
      this.env.log(`warning: ${(error as Error).message}; checksums are verified in software`);
    }
  }

  private async startSession(run: PdnRun, family: 4 | 6, link: { name: string }): Promise<{ family: 4 | 6; settings: CurrentSettings }> {
    const wds: QmiClient = await this.device.allocateClient(QmiService.WDS);
    run.undo.defer(`release WDS client ${wds.clientId}`, () => wds.release());
    const entry: PdnRecord['clients'][number] = { family, clientId: wds.clientId };
    run.pdn.clients.push(entry);
    this.save(run);
    await bindMuxDataPort(wds, { muxId: run.request.muxId, endpoint: endpointOf(this.modem) });
    await setIpFamily(wds, family);
    const { packetDataHandle } = await startNetwork(wds, {
      apn: run.request.apn,
      ipFamily: family,
      ...(run.request.auth !== 'none' ? { authentication: run.request.auth, username: run.request.user ?? '', password: run.password ?? '' } : {}),
      timeoutMs: 120_000,
    });
    run.undo.defer(`stop the IPv${family} session on ${link.name}`, () => stopNetwork(wds, packetDataHandle));
    entry.packetDataHandle = packetDataHandle;
    this.save(run);
    return { family, settings: await getCurrentSettings(wds) };
  }

  /**
   * The step's own promise, or INTERRUPTED as soon as the signal fires: the caller then rolls back while
   * the abandoned request finishes on its own (what it still allocates is undone at once, see UndoStack).
   */
  private interruptible<T>(work: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (!signal) return work;
    const interrupted = () => new RmnetError('INTERRUPTED', 'interrupted', Category.failure);
    if (signal.aborted) {
      work.catch(() => {});
      return Promise.reject(interrupted());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(interrupted());
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private save(run: PdnRun): void {
    // An abandoned step that completes after the rollback must not write the record back.
    if (this.signal?.aborted && run.pdn.state !== 'up') return;
    if (!this.record.pdns.includes(run.pdn)) this.record.pdns.push(run.pdn);
    this.env.store.write(this.key, this.record);
  }

  /** After a rollback: those PDNs are gone from the record, and the record too if nothing is left. */
  private forget(runs: readonly PdnRun[]): void {
    this.record.pdns = this.record.pdns.filter((p) => !runs.some((r) => r.pdn === p));
    if (this.record.pdns.length === 0) this.env.store.remove(this.key);
    else this.env.store.write(this.key, this.record);
  }

  private explain(error: unknown, step: string, rollbackFailures: string[]): RmnetError {
    const base = asRmnetError(error);
    const rollback = rollbackFailures.length === 0 ? 'everything it had done was undone' : `ROLLBACK INCOMPLETE (${rollbackFailures.join('; ')}); run "rmnetctl down" for this mux`;
    return new RmnetError(base.code, `failed at "${step}": ${base.message}; ${rollback}`, base.category, { ...base.details, interface: this.parent, step, rolledBack: rollbackFailures.length === 0 }, { cause: error });
  }
}

/** The same error, said of one mux (a shared step's failure is every PDN's failure). */
function retarget(error: RmnetError, muxId: number): RmnetError {
  return new RmnetError(error.code, `up mux ${muxId} on ${String(error.details.interface)} ${error.message}`, error.category, { ...error.details, muxId }, { cause: error.cause });
}

/** A PDN's error after the shared steps failed to roll back: say so, and what `down` must finish. */
function incompleteRollback(error: RmnetError, failures: string[]): RmnetError {
  const note = `ROLLBACK INCOMPLETE (${failures.join('; ')}); run "rmnetctl down --mux ${String(error.details.muxId)}"`;
  const message = error.message.includes('everything it had done was undone') ? error.message.replace('everything it had done was undone', note) : `${error.message}; ${note}`;
  return new RmnetError(error.code, message, error.category, { ...error.details, rolledBack: false }, { cause: error.cause });
}

function describeFailure(failure: { step: string; error: unknown }): string {
  return `${failure.step}: ${failure.error instanceof Error ? failure.error.message : String(failure.error)}`;
}
