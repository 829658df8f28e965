// `rmnetctl up`: one PDN on its own mux link, ready to route. The flow is a list of named steps; every
// step that changes the modem or the kernel registers its undo first, and the record in /run/rmnetctl
// is written as resources appear, so a crash half-way leaves `down` enough to clean up.
import { ExitCode, RmnetError } from '../errors.js';
import { QmiService } from '../qmi/enums.js';
import type { QmiClient, QmiDevice } from '../qmi/device.js';
import { rmnetFlagsFor } from '../datapath/rmnet.js';
import { readParentState, setUpDatapath } from '../datapath/setup.js';
import { SystemDatapath } from '../datapath/execute.js';
import { describeAction } from '../datapath/plan.js';
import { readMuxMap } from '../datapath/mux.js';
import type { Modem } from '../sysfs/discovery.js';
import { getDataFormat, setDataFormat, type DataFormat, type DataFormatRequest, type Endpoint } from '../wda/data-format.js';
import { candidateRungs, decisionLog, negotiate, type AggregationName, type GrantedFormat, type Rung } from '../wda/ladder.js';
import { bindMuxDataPort, getCurrentSettings, setIpFamily, startNetwork, stopNetwork, type CurrentSettings } from '../wds/session-messages.js';
import type { SessionEnv } from './env.js';
import { applyIpConfig } from './ipconfig.js';
import { lockModem } from './lock.js';
import { readSecret, sameSettings, type PdnRequest } from './request.js';
import { devicePath, modemKey, selectModem } from './select.js';
import type { ModemRecord, PdnRecord } from './state.js';
import { UndoStack } from './undo.js';

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

export function endpointOf(modem: Modem): Endpoint {
  return { type: modem.endpointType === 'pcie' ? 'pcie' : 'hsusb', interfaceNumber: modem.interfaceNumber ?? 0 };
}

const familiesOf = (request: PdnRequest): Array<4 | 6> => (request.ipType === '4v6' ? [4, 6] : [Number(request.ipType) as 4 | 6]);

export async function up(env: SessionEnv, request: PdnRequest, options: UpOptions): Promise<UpResult> {
  const modem = await selectModem(env, options.selector);
  const parent = modem.netInterface!;
  const key = modemKey(modem);
  const lock = await lockModem(env.store.dir, key);
  try {
    const record: ModemRecord = env.store.read(key) ?? { version: 1, device: devicePath(modem), netInterface: parent, pdns: [] };
    const kernelLinks = await readMuxMap(env.sysfs, env.netlink, parent);
    const existing = record.pdns.find((p) => p.request.muxId === request.muxId);
    if (existing) return alreadyUp(existing, record, request, kernelLinks.some((l) => l.muxId === request.muxId && l.name === existing.link?.name), key, parent);
    const holder = kernelLinks.find((l) => l.muxId === request.muxId);
    if (holder) {
      throw new RmnetError('MUX_IN_USE', `${parent}: mux id ${request.muxId} is already used by ${holder.name} (${holder.backend}), not by an rmnetctl session; pick another --mux or remove that link`, ExitCode.conflict, { interface: parent, muxId: request.muxId, link: holder.name });
    }
    const clash = request.ifname && record.pdns.find((p) => p.link?.name === request.ifname);
    if (clash) {
      throw new RmnetError('IFNAME_IN_USE', `--ifname ${request.ifname} is already the link of mux ${clash.request.muxId}`, ExitCode.conflict, { interface: request.ifname, muxId: request.muxId });
    }
    const password = request.auth !== 'none' && request.passwordFile ? readSecret(request.passwordFile) : undefined;
    const viaProxy = options.proxy === 'yes' || (options.proxy === 'auto' && (await env.proxyRunning()));
    const device = options.device ?? (await env.openQmi(devicePath(modem), viaProxy));
    return await new UpRun(env, modem, record, request, device, viaProxy, password, options.device !== undefined).run();
  } finally {
    lock.release();
  }
}

function alreadyUp(existing: PdnRecord, record: ModemRecord, request: PdnRequest, linkPresent: boolean, key: string, parent: string): UpResult {
  if (existing.state !== 'up') {
    throw new RmnetError('UNFINISHED_SESSION', `mux ${request.muxId} on ${parent}: an earlier "up" did not finish; run "rmnetctl down --mux ${request.muxId}" first`, ExitCode.conflict, { muxId: request.muxId, modem: key });
  }
  if (!sameSettings(existing.request, request)) {
    throw new RmnetError('MUX_IN_USE', `mux ${request.muxId} on ${parent} is already up with other settings (APN "${existing.request.apn}", IP type ${existing.request.ipType}); run "rmnetctl down --mux ${request.muxId}" first`, ExitCode.conflict, { muxId: request.muxId, modem: key });
  }
  if (!linkPresent) {
    throw new RmnetError('STALE_SESSION', `mux ${request.muxId} on ${parent} is recorded as up but its link ${existing.link?.name ?? '?'} is gone from the kernel; run "rmnetctl down --mux ${request.muxId}" then "up" again`, ExitCode.conflict, { muxId: request.muxId, modem: key });
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

/** One `up`, step by step. `step` names what is running, for the error if it fails. */
class UpRun {
  private readonly undo = new UndoStack();
  private step = 'start';
  private readonly key: string;
  private readonly parent: string;
  private readonly pdn: PdnRecord;

  constructor(
    private readonly env: SessionEnv,
    private readonly modem: Modem,
    private readonly record: ModemRecord,
    private readonly request: PdnRequest,
    private readonly device: QmiDevice,
    private readonly viaProxy: boolean,
    private readonly password: string | undefined,
    /** The device belongs to the caller: leave it open, and its other clients alone. */
    private readonly sharedDevice: boolean,
  ) {
    this.key = modemKey(modem);
    this.parent = modem.netInterface!;
    this.pdn = { request, state: 'starting', backend: 'none', clients: [], addresses: [], routes: [], dns: [], startedAt: new Date().toISOString() };
  }

  async run(): Promise<UpResult> {
    try {
      const { rung, format, decision } = await this.at('negotiate the data format', () => this.negotiateFormat());
      const link = await this.at('set up the kernel data path', () => this.createLink(rung, format));
      const sessions = await this.at('start the data sessions', () => Promise.all(familiesOf(this.request).map((family) => this.startSession(family, link))));
      await this.at(`bring ${link.name} up`, () => this.env.netlink.setLinkUp(link.ifindex, true));
      const settings = Object.fromEntries(sessions.map((s) => [s.family, s.settings])) as { 4?: CurrentSettings; 6?: CurrentSettings };
      const ip = await this.at(`configure ${link.name}`, () =>
        applyIpConfig(this.env.netlink, this.env.dns, this.undo, link, settings, { routeMetric: this.request.routeMetric, noIp: this.request.noIp }),
      );
      Object.assign(this.pdn, { state: 'up', addresses: ip.addresses, routes: ip.routes, dns: ip.dns, mtu: ip.mtu });
      this.save();
      this.undo.commit();
      // The sessions belong to these client ids: keep them allocated after this process exits.
      if (!this.sharedDevice) await this.device.close({ keepClients: true });
      return {
        alreadyUp: false,
        modem: this.record.device,
        parent: this.parent,
        muxId: this.request.muxId,
        link: link.name,
        backend: this.pdn.backend,
        dataFormat: this.record.dataFormat as unknown as RecordedFormat,
        decision,
        sessions: this.pdn.clients.map((c) => ({ family: c.family, clientId: c.clientId, packetDataHandle: c.packetDataHandle })),
        addresses: ip.addresses,
        routes: ip.routes,
        dns: ip.dns,
        dnsApplied: ip.dnsApplied,
        mtu: ip.mtu,
      };
    } catch (error) {
      const failures = await this.undo.rollback();
      this.forget();
      if (!this.sharedDevice) await this.device.close().catch(() => {});
      throw this.explain(error, failures.map((f) => `${f.step}: ${f.error instanceof Error ? f.error.message : String(f.error)}`));
    }
  }

  private async at<T>(step: string, body: () => Promise<T>): Promise<T> {
    this.step = step;
    this.env.log(`${this.parent} mux ${this.request.muxId}: ${step}`);
    return body();
  }

  /** Ladder walk, or the format already in force when other PDNs are up on this modem. */
  private async negotiateFormat(): Promise<{ rung: Rung; format: DataFormat; decision: string }> {
    const endpoint = endpointOf(this.modem);
    const liveRecord = this.record.pdns.length > 0 ? (this.record.dataFormat as unknown as RecordedFormat | undefined) : undefined;
    const liveRung = liveRecord && candidateRungs({ backend: 'auto', rmnetAvailable: true, qmiWwan: true, muxRequested: true }).rungs.find((r) => r.name === liveRecord.rung);
    const constraints = {
      backend: this.request.backend,
      rmnetAvailable: liveRung?.backend === 'rmnet' || (this.request.backend !== 'qmimux' && (await this.env.rmnetAvailable())),
      qmiWwan: this.modem.driver === 'qmi_wwan',
      live: liveRung ? { backend: liveRung.backend, aggregation: liveRung.aggregation } : undefined,
      muxRequested: true,
    };
    const { rungs, skipped } = candidateRungs(constraints);
    if (rungs.length === 0) {
      throw new RmnetError('NO_DATA_FORMAT', `${this.parent}: no usable data format: ${skipped.map((s) => `${s.rung.name}: ${s.reason}`).join('; ')}`, ExitCode.conflict, { interface: this.parent, muxId: this.request.muxId });
    }
    const wda = await this.device.allocateClient(QmiService.WDA);
    try {
      if (liveRung) {
        // Never re-set the format under live sessions (some modems ack and keep the old one): check it.
        const current = await getDataFormat(wda, endpoint);
        const result = await negotiate([liveRung], async () => grantedOf(current));
        if (!result.rung) {
          throw new RmnetError('FORMAT_CHANGED', `${this.device.path}: the modem's data format (${String(current.downlinkAggregation)}) no longer matches the ${liveRung.name} the live sessions use; run "rmnetctl down --all" and bring them up again`, ExitCode.conflict, { path: this.device.path });
        }
        this.pdn.backend = liveRung.backend ?? 'none';
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
        this.undo.defer('restore the modem data format', async () => {
          const client = await this.device.allocateClient(QmiService.WDA);
          try {
            await setDataFormat(client, restore);
          } finally {
            await client.release().catch(() => {});
          }
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
        throw new RmnetError('NO_DATA_FORMAT', `${this.device.path}: ${decision}`, ExitCode.qmiError, { path: this.device.path });
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
      this.pdn.backend = result.rung.backend ?? 'none';
      const sizes = `DL ${granted.downlinkMaxDatagrams ?? '?'} datagrams / ${granted.downlinkMaxSize ?? '?'} bytes (asked ${REQUESTED_DL_DATAGRAMS} / ${REQUESTED_DL_SIZE})`;
      this.env.log(`${decision}; ${sizes}`);
      return { rung: result.rung, format: granted, decision: `${decision}; ${sizes}` };
    } finally {
      await wda.release().catch(() => {});
    }
  }

  private async createLink(rung: Rung, format: DataFormat): Promise<{ name: string; ifindex: number }> {
    if (!rung.backend) throw new RmnetError('INTERNAL', 'raw-ip alone has no mux link');
    const backend = rung.backend;
    if (!this.record.kernelBefore) {
      const info = await readParentState(this.env.sysfs, this.env.netlink, this.parent);
      this.record.kernelBefore = { rawIp: info.state.rawIp, passThrough: info.state.passThrough, mtu: info.state.mtu };
    }
    const flags = rmnetFlagsFor(rung.aggregation === 'qmapv5' ? 'qmapv5' : 'qmap');
    const grantedDlSize = rung.aggregation === 'none' ? null : (format.downlinkMaxSize ?? null);
    // Undo the datapath steps that `setUpDatapath` applies (it rolls back its own failures itself).
    const kernel = new SystemDatapath(this.env.sysfs, this.env.netlink, flags);
    const result = await setUpDatapath(this.env.sysfs, this.env.netlink, {
      parent: this.parent,
      backend,
      grantedDlSize,
      muxIds: [this.request.muxId],
      names: [this.request.ifname],
      rmnetFlags: flags,
      log: (line) => this.env.log(line),
    });
    for (const step of result.plan.steps) {
      const undoAction = step.undo;
      if (undoAction && undoAction.op !== 'none') this.undo.defer(describeAction(undoAction), () => kernel.apply(undoAction));
    }
    const created = result.created.find((l) => l.muxId === this.request.muxId);
    if (!created) throw new RmnetError('KERNEL_STEP_FAILED', `${this.parent}: no link with mux id ${this.request.muxId} after creating it`, ExitCode.kernel, { interface: this.parent, muxId: this.request.muxId });
    const link = await this.env.netlink.getLink(created.name);
    this.pdn.link = { name: link.name, ifindex: link.index, created: true };
    this.save();
    return { name: link.name, ifindex: link.index };
  }

  private async startSession(family: 4 | 6, link: { name: string }): Promise<{ family: 4 | 6; settings: CurrentSettings }> {
    const wds: QmiClient = await this.device.allocateClient(QmiService.WDS);
    this.undo.defer(`release WDS client ${wds.clientId}`, () => wds.release());
    const entry: PdnRecord['clients'][number] = { family, clientId: wds.clientId };
    this.pdn.clients.push(entry);
    this.save();
    await bindMuxDataPort(wds, { muxId: this.request.muxId, endpoint: endpointOf(this.modem) });
    await setIpFamily(wds, family);
    const { packetDataHandle } = await startNetwork(wds, {
      apn: this.request.apn,
      ipFamily: family,
      ...(this.request.auth !== 'none' ? { authentication: this.request.auth, username: this.request.user ?? '', password: this.password ?? '' } : {}),
      timeoutMs: 120_000,
    });
    this.undo.defer(`stop the IPv${family} session on ${link.name}`, () => stopNetwork(wds, packetDataHandle));
    entry.packetDataHandle = packetDataHandle;
    this.save();
    return { family, settings: await getCurrentSettings(wds) };
  }

  private save(): void {
    if (!this.record.pdns.includes(this.pdn)) this.record.pdns.push(this.pdn);
    this.env.store.write(this.key, this.record);
  }

  /** After a rollback: the PDN is gone from the record, and the record too if it was the only one. */
  private forget(): void {
    const index = this.record.pdns.indexOf(this.pdn);
    if (index >= 0) this.record.pdns.splice(index, 1);
    if (this.record.pdns.length === 0) this.env.store.remove(this.key);
    else this.env.store.write(this.key, this.record);
  }

  private explain(error: unknown, rollbackFailures: string[]): RmnetError {
    const base = error instanceof RmnetError ? error : new RmnetError('INTERNAL', error instanceof Error ? error.message : String(error));
    const rollback = rollbackFailures.length === 0 ? 'everything it had done was undone' : `ROLLBACK INCOMPLETE (${rollbackFailures.join('; ')}); run "rmnetctl down --mux ${this.request.muxId}"`;
    return new RmnetError(
      base.code,
      `up mux ${this.request.muxId} on ${this.parent} failed at "${this.step}": ${base.message}; ${rollback}`,
      base.exitCode,
      { ...base.details, muxId: this.request.muxId, interface: this.parent, step: this.step, rolledBack: rollbackFailures.length === 0 },
      { cause: error },
    );
  }
}
