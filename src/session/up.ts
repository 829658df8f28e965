// `rmnetctl up`: PDNs on their own mux links, ready to route. This module is orchestration only: the
// order of the steps, who undoes what, and what is recorded when. The work itself belongs to its owners:
// up-admit.ts decides which requests go ahead, up-format.ts (over wda/negotiation.ts) the data format,
// up-links.ts (over datapath/) the kernel side, wds/pdn-session.ts one session, ipconfig.ts the link's
// addresses; state.ts is the record in /run/rmnetctl, written as each resource appears so a crash half-way
// leaves `down` enough to clean up.
//
// Several PDNs of one modem come up together (`upMany`, used by `run`): the data format and the kernel
// mode are settled once for all of them, then each PDN's sessions (one WDS client per IP family) run
// concurrently, since different clients on different muxes do not depend on each other. A PDN that fails
// is rolled back alone; the shared steps are rolled back only when no PDN came up.
import { RmnetError } from '../errors.js';
import type { QmiDevice } from '../qmi/device.js';
import { readMuxMap } from '../datapath/mux.js';
import type { Modem } from '../sysfs/discovery.js';
import { endpointOf } from '../wda/negotiation.js';
import type { CurrentSettings } from '../wds/session-messages.js';
import { startPdnSession } from '../wds/pdn-session.js';
import { takenDefaultRoutes } from './default-routes.js';
import { openPort, useProxy, type ProxyChoice, type SessionEnv } from './env.js';
import { asRmnetError, BringUpError, describeFailure } from './failure.js';
import { applyIpConfig } from './ipconfig.js';
import { lockModem } from './lock.js';
import { coexistence, describePeers, modemManagerBearerError } from './peers.js';
import { familiesOf, type PdnRequest } from './request.js';
import { devicePath, modemKey, selectModem } from './select.js';
import { recordHoldsAnything, type ModemRecord, type PdnRecord, type RecordedFormat } from './state.js';
import { freeLostAllocations, settleLostAllocations } from './lost-allocations.js';
import { UndoStack } from '../undo.js';
import { interruptible } from '../interrupt.js';
import { admit, checkBackendFits, checkRequests } from './up-admit.js';
import { settleDataFormat, type SettledFormat } from './up-format.js';
import { createPdnLinks, receiveCeilingAfter } from './up-links.js';
import type { ReceiveCeiling } from '../wda/negotiation.js';
import { freshResult, type UpResult } from './up-result.js';

export type { UpResult };

/** Start Network waits for the network (attach, authentication), which can take tens of seconds. */
export const START_NETWORK_TIMEOUT_MS = 120_000;

export interface UpOptions {
  /** -d: control port, network interface, USB path or IMEI. */
  selector?: string | undefined;
  proxy: ProxyChoice;
  /** An open control port to use and leave open (the supervisor's); by default `up` opens its own. */
  device?: QmiDevice | undefined;
  /** --timeout: how long each QMI request waits, Start Network included (default: the port's, and 120 s for Start Network). */
  timeoutMs?: number | undefined;
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
  const secrets = checkRequests(requests);
  const modem = await selectModem(env, options.selector, options.proxy);
  const parent = modem.netInterface!;
  checkBackendFits(requests, modem);
  const key = modemKey(modem);
  const lock = await lockModem(env.store.dir, key);
  try {
    const record: ModemRecord = env.store.read(key) ?? { version: 1, device: devicePath(modem), netInterface: parent, pdns: [] };
    const kernelLinks = await readMuxMap(env.sysfs, env.netlink, parent);
    // Before the modem or the kernel is touched: ModemManager's own bearer on this modem is a refusal.
    const peers = await coexistence(env.procRoot, env.netlink, devicePath(modem), parent, kernelLinks, record);
    if (peers.modemManagerBearer) throw modemManagerBearerError(peers.modemManagerBearer, devicePath(modem));
    const others = describePeers(peers, devicePath(modem));
    if (others) env.log(others);
    const defaultRoutes = await takenDefaultRoutes(env, requests);
    const { outcomes, fresh } = admit(requests, { record, kernelLinks, defaultRoutes, secrets, key, parent });
    if (fresh.length > 0) {
      const port = options.device
        ? { device: options.device, viaProxy: await useProxy(env, options.proxy) }
        : await openPort(env, devicePath(modem), options.proxy, options.timeoutMs);
      const run = new UpRun(env, modem, record, fresh, port.device, port.viaProxy ? 'qmi-proxy' : 'char-device', options);
      const results = await run.run();
      fresh.forEach((f, i) => (outcomes[f.index] = results[i]));
    }
    return outcomes.map((o) => o ?? new RmnetError('INTERNAL', 'no outcome'));
  } finally {
    // Nothing left for this modem: no lock file either.
    lock.release({ remove: !env.store.has(key) });
  }
}

/** One PDN within a run: its own undo stack, record entry and current step. */
interface PdnRun {
  request: PdnRequest;
  password: string | undefined;
  pdn: PdnRecord;
  undo: UndoStack;
  step: string;
  link?: { name: string; ifindex: number } | undefined;
}

/** One `up` of one or more PDNs, step by step. */
class UpRun {
  /** Steps every PDN relies on (modem data format, kernel mode, parent MTU). */
  private common = new UndoStack();
  private commonStep = 'start';
  private readonly key: string;
  private readonly parent: string;
  private readonly runs: PdnRun[];
  /** The device belongs to the caller: leave it open, and its other clients alone. */
  private readonly sharedDevice: boolean;
  private readonly signal: AbortSignal | undefined;

  constructor(
    private readonly env: SessionEnv,
    private readonly modem: Modem,
    private readonly record: ModemRecord,
    requests: ReadonlyArray<{ request: PdnRequest; password: string | undefined }>,
    private readonly device: QmiDevice,
    private readonly via: RecordedFormat['via'],
    private readonly options: UpOptions,
  ) {
    this.key = modemKey(modem);
    this.parent = modem.netInterface!;
    this.sharedDevice = options.device !== undefined;
    this.signal = options.signal;
    this.runs = requests.map(({ request, password }) => ({
      request,
      password,
      pdn: { request, state: 'starting', backend: 'none', clients: [], addresses: [], routes: [], dns: [], startedAt: new Date().toISOString() },
      undo: new UndoStack(),
      step: 'start',
    }));
  }

  async run(): Promise<Array<UpResult | RmnetError>> {
    let settled: SettledFormat | undefined;
    let ceiling: ReceiveCeiling | undefined;
    for (let attempt = 1; !settled; attempt++) {
      try {
        settled = await this.setUpShared(ceiling);
        break;
      } catch (error) {
        // Nothing PDN-specific happened yet beyond link creation: unwind it all.
        const retry = attempt === 1 ? await receiveCeilingAfter(this.env, this.parent, error) : undefined;
        const failures = await this.rollBackShared();
        if (retry && failures.length === 0) {
          // The kernel receives less than the planner assumed: ask the modem for what it can take, once.
          this.env.log(`${retry.why}: asking the modem for DL transfers of at most ${retry.bytes} bytes`);
          ceiling = retry;
          continue;
        }
        return this.failShared(error, failures);
      }
    }
    return this.bringUpAll(settled);
  }

  /** The data format and the kernel side, shared by every PDN of the run. */
  private async setUpShared(ceiling: ReceiveCeiling | undefined): Promise<SettledFormat> {
    this.commonStep = 'negotiate the data format';
    this.env.log(`${this.parent}: ${this.commonStep}`);
    const format = { env: this.env, device: this.device, modem: this.modem, record: this.record, backend: this.runs[0]!.request.backend, via: this.via, undo: this.common, receiveCeiling: ceiling };
    const settled = await interruptible(this.signal, settleDataFormat(format));
    for (const run of this.runs) run.pdn.backend = settled.rung.backend ?? 'none';
    this.commonStep = 'set up the kernel data path';
    this.env.log(`${this.parent}: ${this.commonStep} for mux ${this.runs.map((r) => r.request.muxId).join(', ')}`);
    const links = this.runs.map((run) => ({
      muxId: run.request.muxId,
      ifname: run.request.ifname,
      undo: run.undo,
      created: (link: { name: string; ifindex: number }) => {
        run.link = link;
        run.pdn.link = { ...link, created: true };
        this.save(run);
      },
    }));
    await createPdnLinks({ env: this.env, parent: this.parent, record: this.record, common: this.common, signal: this.signal }, settled.rung, settled.format, links);
    return settled;
  }

  /** Unwinds the shared steps and the links; the stacks start afresh for another attempt. */
  private async rollBackShared(): Promise<string[]> {
    const failures: string[] = [];
    for (const run of this.runs) {
      failures.push(...(await run.undo.rollback()).map(describeFailure));
      run.undo = new UndoStack();
      run.link = undefined;
      run.pdn.link = undefined;
    }
    failures.push(...(await this.common.rollback()).map(describeFailure));
    this.common = new UndoStack();
    return failures;
  }

  /** The shared steps failed: every PDN fails with that error. */
  private async failShared(error: unknown, failures: string[]): Promise<RmnetError[]> {
    // What could not be undone stays recorded, so the `down` the error asks for finds it.
    if (failures.length === 0) this.forget(this.runs);
    else this.keepUnfinished(this.runs);
    await this.settleAllocations();
    if (!this.sharedDevice) await this.device.close().catch(() => {});
    const failed = new BringUpError(asRmnetError(error), { parent: this.parent, muxId: this.runs[0]!.request.muxId, step: this.commonStep }, { failures });
    return this.runs.map((run) => failed.forMux(run.request.muxId));
  }

  /** Each PDN's sessions and addresses, concurrently; the shared steps are undone only if every PDN failed. */
  private async bringUpAll(settled: SettledFormat): Promise<Array<UpResult | RmnetError>> {
    const { decision, recorded } = settled;
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
    if (failed.length > 0) await this.settleAllocations();
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
      return freshResult(this.record, run.pdn, this.parent, link.name, dataFormat, decision, ip);
    } catch (error) {
      const failures = (await run.undo.rollback()).map(describeFailure);
      return new BringUpError(asRmnetError(error), { parent: this.parent, muxId: run.request.muxId, step: run.step }, { failures });
    }
  }

  private async startSession(run: PdnRun, family: 4 | 6, link: { name: string }): Promise<{ family: 4 | 6; settings: CurrentSettings }> {
    const entry: PdnRecord['clients'][number] = { family, clientId: 0 };
    const { request } = run;
    const auth = request.auth !== 'none' ? { method: request.auth, username: request.user ?? '', password: run.password ?? '' } : undefined;
    const spec = { muxId: request.muxId, family, endpoint: endpointOf(this.modem), apn: request.apn, profile: request.profile, auth, link: link.name, startTimeoutMs: this.options.timeoutMs ?? START_NETWORK_TIMEOUT_MS };
    const session = await startPdnSession(this.device, spec, run.undo, {
      allocated: (clientId) => {
        entry.clientId = clientId;
        run.pdn.clients.push(entry);
        this.save(run);
      },
      started: (packetDataHandle) => {
        entry.packetDataHandle = packetDataHandle;
        this.save(run);
      },
    });
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
    this.saveOrRemove();
  }

  private saveOrRemove(): void {
    if (recordHoldsAnything(this.record)) this.env.store.write(this.key, this.record);
    else this.env.store.remove(this.key);
  }

  /**
   * After a failure, before the port closes: an Allocate CID still unanswered after the grace left a client
   * id nobody can name. It is freed (CTL Sync) when nothing else uses the modem, else recorded for `down`.
   * On the supervisor's port too: its other PDNs (in the record) keep the Sync off until they are down.
   */
  private async settleAllocations(): Promise<void> {
    const lost = await settleLostAllocations(this.device);
    if (lost.length === 0) return;
    const context = { path: this.device.path, viaProxy: this.via === 'qmi-proxy', procRoot: this.env.procRoot, record: this.record };
    this.record.lostAllocations = await freeLostAllocations(this.device, [...(this.record.lostAllocations ?? []), ...lost], context, (line) => this.env.log(line));
    if (this.record.lostAllocations.length === 0) delete this.record.lostAllocations;
    this.saveOrRemove();
  }
}
