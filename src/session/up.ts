// `rmnetctl up`: PDNs on their own mux links, ready to route. This module is orchestration only: the
// order of the steps, who undoes what, and what is recorded when. The work itself belongs to its owners:
// wda/negotiation.ts talks data format with the modem, datapath/ changes the kernel, wds/pdn-session.ts runs
// one session, ipconfig.ts configures the link; state.ts is the record in /run/rmnetctl, written as each
// resource appears so a crash half-way leaves `down` enough to clean up.
//
// Several PDNs of one modem come up together (`upMany`, used by `run`): the data format and the kernel
// mode are settled once for all of them, then each PDN's sessions (one WDS client per IP family) run
// concurrently, since different clients on different muxes do not depend on each other. A PDN that fails
// is rolled back alone; the shared steps are rolled back only when no PDN came up.
import { Category, RmnetError } from '../errors.js';
import { QmiService } from '../qmi/enums.js';
import type { QmiDevice } from '../qmi/device.js';
import { rmnetFlagsFor } from '../datapath/rmnet.js';
import { readParentState, setUpDatapath } from '../datapath/setup.js';
import type { Step } from '../datapath/plan.js';
import { readMuxMap } from '../datapath/mux.js';
import { checkMuxIdFree } from '../datapath/mux-id.js';
import type { MuxLink } from '../datapath/backend.js';
import type { Modem } from '../sysfs/discovery.js';
import { setDataFormat, type DataFormat } from '../wda/data-format.js';
import type { Rung } from '../wda/ladder.js';
import { endpointOf, negotiateDataFormat } from '../wda/negotiation.js';
import type { CurrentSettings } from '../wds/session-messages.js';
import { startPdnSession } from '../wds/pdn-session.js';
import { claimDefaultRoutes, takenDefaultRoutes } from './default-routes.js';
import { openPort, useProxy, type ProxyChoice, type SessionEnv } from './env.js';
import { asRmnetError, BringUpError, describeFailure } from './failure.js';
import { applyIpConfig } from './ipconfig.js';
import { lockModem } from './lock.js';
import { familiesOf, readSecret, type PdnRequest } from './request.js';
import { devicePath, modemKey, selectModem } from './select.js';
import { recordedFormat, recordedRung, type ModemRecord, type PdnRecord, type RecordedFormat } from './state.js';
import { UndoStack } from '../undo.js';
import { interrupted, interruptible } from '../interrupt.js';
import { existingResult, type UpResult } from './up-result.js';

export type { UpResult };

/** Start Network waits for the network, which can take tens of seconds. */
const START_NETWORK_TIMEOUT_MS = 120_000;

export interface UpOptions {
  /** -d: control port, network interface, USB path or IMEI. */
  selector?: string | undefined;
  proxy: ProxyChoice;
  /** An open control port to use and leave open (the supervisor's); by default `up` opens its own. */
  device?: QmiDevice | undefined;
  /** Aborting (Ctrl-C, SIGTERM) stops at the current step and rolls back everything done so far. */
  signal?: AbortSignal | undefined;
}

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
  // Secrets are read before the lock: a bad password file is a usage error that touches nothing.
  const secrets = requests.map((r) => {
    try {
      return r.auth !== 'none' && r.passwordFile ? readSecret(r.passwordFile) : undefined;
    } catch (error) {
      if (requests.length === 1) throw error;
      return asRmnetError(error);
    }
  });
  const modem = await selectModem(env, options.selector, options.proxy);
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
          outcomes[index] = existingResult(existing, record, request, kernelLinks.some((l) => l.muxId === request.muxId && l.name === existing.link?.name), key, parent);
          return;
        }
        const password = secrets[index];
        if (password instanceof RmnetError) throw password;
        checkFree(request, kernelLinks, record, parent);
        claimDefaultRoutes(request, defaultRoutes);
        fresh.push({ index, request, password });
      } catch (error) {
        outcomes[index] = asRmnetError(error);
      }
    });
    if (fresh.length > 0) {
      const port = options.device ? { device: options.device, viaProxy: await useProxy(env, options.proxy) } : await openPort(env, devicePath(modem), options.proxy);
      const results = await new UpRun(env, modem, record, fresh, port.device, port.viaProxy ? 'qmi-proxy' : 'char-device', options.device !== undefined, options.signal).run();
      fresh.forEach((f, i) => (outcomes[f.index] = results[i]));
    }
    return outcomes.map((o) => o ?? new RmnetError('INTERNAL', 'no outcome'));
  } finally {
    // Nothing left for this modem: no lock file either.
    lock.release({ remove: !env.store.has(key) });
  }
}

function checkFree(request: PdnRequest, kernelLinks: readonly MuxLink[], record: ModemRecord, parent: string): void {
  checkMuxIdFree(kernelLinks, parent, request.muxId, (holder) => ` (${holder.backend}), not by an rmnetctl session; pick another --mux or remove that link`);
  const clash = request.ifname && record.pdns.find((p) => p.link?.name === request.ifname);
  if (clash) {
    throw new RmnetError('IFNAME_IN_USE', `--ifname ${request.ifname} is already the link of mux ${clash.request.muxId}`, Category.conflict, { interface: request.ifname, muxId: request.muxId });
  }
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
    private readonly via: RecordedFormat['via'],
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
    let recorded: RecordedFormat;
    try {
      this.commonStep = 'negotiate the data format';
      this.env.log(`${this.parent}: ${this.commonStep}`);
      ({ rung, format, decision, recorded } = await interruptible(this.signal, this.negotiateFormat()));
      for (const run of this.runs) run.pdn.backend = rung.backend ?? 'none';
      this.commonStep = 'set up the kernel data path';
      this.env.log(`${this.parent}: ${this.commonStep} for mux ${this.runs.map((r) => r.request.muxId).join(', ')}`);
      await this.createLinks(rung, format);
    } catch (error) {
      // Nothing PDN-specific happened yet beyond link creation: unwind it all.
      const failures: string[] = [];
      for (const run of this.runs) failures.push(...(await run.undo.rollback()).map(describeFailure));
      failures.push(...(await this.common.rollback()).map(describeFailure));
      // What could not be undone stays recorded, so the `down` the error asks for finds it.
      if (failures.length === 0) this.forget(this.runs);
      else this.keepUnfinished(this.runs);
      if (!this.sharedDevice) await this.device.close().catch(() => {});
      const failed = new BringUpError(asRmnetError(error), { parent: this.parent, muxId: this.runs[0]!.request.muxId, step: this.commonStep }, { failures });
      return this.runs.map((run) => failed.forMux(run.request.muxId));
    }

    const outcomes = await Promise.all(this.runs.map((run) => this.bringUp(run, decision, recorded)));
    const failed = this.runs.filter((_, i) => outcomes[i] instanceof Error);
    if (failed.length === this.runs.length) {
      const failures = (await this.common.rollback()).map(describeFailure);
      if (failures.length > 0) {
        this.env.log(`rolling back the shared steps: ${failures.join('; ')}`);
        // Each PDN's error was made before the shared steps were undone: it must not claim a clean rollback.
        outcomes.forEach((o, i) => {
          if (o instanceof BringUpError) outcomes[i] = o.withRollbackFailures(failures);
        });
      }
    } else {
      this.common.commit();
    }
    // A PDN whose rollback was complete is forgotten; one that left something behind stays recorded
    // (unfinished) for the `down` its error asks for.
    const incomplete = (run: PdnRun) => {
      const outcome = outcomes[this.runs.indexOf(run)];
      return outcome instanceof BringUpError && outcome.rollback.failures.length > 0;
    };
    this.forget(failed.filter((run) => !incomplete(run)));
    this.keepUnfinished(failed.filter(incomplete));
    if (!this.sharedDevice) {
      // The sessions belong to their client ids: keep them allocated after this process exits.
      if (failed.length === this.runs.length) await this.device.close().catch(() => {});
      else await this.device.close({ keepClients: true });
    }
    return outcomes;
  }

  /** Sessions, link up and IP configuration of one PDN; on failure it rolls back alone. */
  private async bringUp(run: PdnRun, decision: string, dataFormat: RecordedFormat): Promise<UpResult | RmnetError> {
    const at = async <T>(step: string, body: () => Promise<T>): Promise<T> => {
      run.step = step;
      this.env.log(`${this.parent} mux ${run.request.muxId}: ${step}`);
      return interruptible(this.signal, body());
    };
    try {
      const link = run.link!;
      const sessions = await at('start the data sessions', () => Promise.all(familiesOf(run.request).map((family) => this.startSession(run, family, link))));
      await at(`bring ${link.name} up`, () => this.env.netlink.setLinkUp(link.ifindex, true));
      const settings = Object.fromEntries(sessions.map((s) => [s.family, s.settings])) as { 4?: CurrentSettings; 6?: CurrentSettings };
      const ip = await at(`configure ${link.name}`, () =>
        applyIpConfig(this.env.netlink, this.env.dns, run.undo, link, settings, { routeMetric: run.request.routeMetric, noIp: run.request.noIp }),
      );
      Object.assign(run.pdn, { state: 'up', addresses: ip.addresses, routes: ip.routes, dns: ip.dns, mtu: ip.mtu, offered: ip.offered });
      this.save(run);
      run.undo.commit();
      return {
        alreadyUp: false,
        modem: this.record.device,
        parent: this.parent,
        muxId: run.request.muxId,
        link: link.name,
        backend: run.pdn.backend,
        dataFormat,
        decision,
        sessions: run.pdn.clients.map((c) => ({ family: c.family, clientId: c.clientId, packetDataHandle: c.packetDataHandle })),
        addresses: ip.addresses,
        routes: ip.routes,
        dns: ip.dns,
        dnsApplied: ip.dnsApplied,
        mtu: ip.mtu,
        offered: ip.offered,
      };
    } catch (error) {
      const failures = (await run.undo.rollback()).map(describeFailure);
      return new BringUpError(asRmnetError(error), { parent: this.parent, muxId: run.request.muxId, step: run.step }, { failures });
    }
  }

  /** The ladder walk (wda/negotiation.ts), or the format already in force when other PDNs are up on this modem. */
  private async negotiateFormat(): Promise<{ rung: Rung; format: DataFormat; decision: string; recorded: RecordedFormat }> {
    const backend = this.runs[0]!.request.backend;
    const liveFormat = this.record.pdns.length > 0 ? this.record.dataFormat : undefined;
    const live = recordedRung(liveFormat);
    const constraints = {
      backend,
      rmnetAvailable: live?.backend === 'rmnet' || (backend !== 'qmimux' && (await this.env.rmnetAvailable())),
      qmiWwan: this.modem.driver === 'qmi_wwan',
      live: live ? { backend: live.backend, aggregation: live.aggregation } : undefined,
      muxRequested: true,
    };
    const wda = await this.device.allocateClient(QmiService.WDA);
    try {
      const negotiated = await negotiateDataFormat(wda, {
        path: this.device.path,
        endpoint: endpointOf(this.modem),
        constraints,
        live,
        beforeChange: (restore) =>
          this.common.defer('restore the modem data format', async () => {
            await this.device.withClient(QmiService.WDA, (client) => setDataFormat(client, restore));
          }),
      });
      if (live && liveFormat) return { ...negotiated, recorded: liveFormat };
      this.env.log(negotiated.decision);
      this.record.dataFormat = recordedFormat(negotiated.rung, negotiated.format, this.via);
      return { ...negotiated, recorded: this.record.dataFormat };
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
    const entry: PdnRecord['clients'][number] = { family, clientId: 0 };
    const { request } = run;
    const session = await startPdnSession(
      this.device,
      {
        muxId: request.muxId,
        family,
        endpoint: endpointOf(this.modem),
        apn: request.apn,
        auth: request.auth !== 'none' ? { method: request.auth, username: request.user ?? '', password: run.password ?? '' } : undefined,
        link: link.name,
        startTimeoutMs: START_NETWORK_TIMEOUT_MS,
      },
      run.undo,
      {
        allocated: (clientId) => {
          entry.clientId = clientId;
          run.pdn.clients.push(entry);
          this.save(run);
        },
        started: (packetDataHandle) => {
          entry.packetDataHandle = packetDataHandle;
          this.save(run);
        },
      },
    );
    return { family, settings: session.settings };
  }

  private save(run: PdnRun): void {
    // An abandoned step that completes after the rollback must not write the record back.
    if (this.signal?.aborted && run.pdn.state !== 'up') return;
    if (!this.record.pdns.includes(run.pdn)) this.record.pdns.push(run.pdn);
    this.env.store.write(this.key, this.record);
  }

  /** After an incomplete rollback: those PDNs stay in the record as unfinished, with what they still hold. */
  private keepUnfinished(runs: readonly PdnRun[]): void {
    if (runs.length === 0) return;
    for (const run of runs) {
      run.pdn.state = 'starting';
      if (!this.record.pdns.includes(run.pdn)) this.record.pdns.push(run.pdn);
    }
    this.env.store.write(this.key, this.record);
  }

  /** After a rollback: those PDNs are gone from the record, and the record too if nothing is left. */
  private forget(runs: readonly PdnRun[]): void {
    this.record.pdns = this.record.pdns.filter((p) => !runs.some((r) => r.pdn === p));
    if (this.record.pdns.length === 0) this.env.store.remove(this.key);
    else this.env.store.write(this.key, this.record);
  }
}
