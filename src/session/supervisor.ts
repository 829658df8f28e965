// `rmnetctl run NAME`: keeps the PDNs of one config up, in the foreground, for systemd.
//
// One control port stays open for the whole run (so qmi-proxy forwards this process the indications of
// the clients it owns). Reactions, each a full down + up of what it concerns, with backoff:
// All PDNs come up together on the first start and after a reset (one data-format decision, concurrent
// sessions); a single PDN reconnects alone.
// - Packet Service Status "disconnected" on a PDN's client: that PDN reconnects;
// - CTL Sync indication (modem reset) or the port going away: every client id is gone, all reconnect;
// - the kernel deleting a PDN's link: that PDN reconnects;
// - a periodic check finding a session the modem no longer reports connected (a lost indication); firmware
//   that refuses the question is left to its indications.
// READY=1 goes to systemd once every PDN is up; SIGTERM (the abort signal) brings everything down.
//
// Health (docs/health.md): every probe-interval each PDN is judged from its link's counters and, only when
// RX did not move, a probe through the link (src/health/judge.ts). A PDN that stays unhealthy climbs the
// modem's recovery ladder (src/health/ladder.ts), one rung at a time; healthy again resets it.
import { QmiService, serviceName } from '../qmi/enums.js';
import type { QmiDevice } from '../qmi/device.js';
import { packetServiceStatusFromIndication } from '../wds/session-messages.js';
import { sessionState } from '../wds/pdn-session.js';
import { RmnetError } from '../errors.js';
import { isRefusal, refusalReason } from '../modem/optional.js';
import type { ServiceConfig } from './config.js';
import { openPort, type SessionEnv } from './env.js';
import { down } from './down.js';
import { upMany, type UpResult } from './up.js';
import { devicePath, modemKey, selectModem } from './select.js';
import type { PdnRequest } from './request.js';
import { initialHealth, needsProbe, outcome, rearm, record, traffic, wantsRecovery, type Counters, type PdnHealth } from '../health/judge.js';
import { LADDER, climb, describeLadder, initialLadder, nextRung, resetLadder, type LadderState, type Rung } from '../health/ladder.js';
import { netlinkCounters, type LinkCounters } from '../health/counters.js';
import { pingProber, probeAny, type Prober } from '../health/probe.js';
import { DEFAULT_HEALTH, targetsFor, type HealthSettings } from '../health/settings.js';
import { ensureOnline, resetModem } from '../dms/reset.js';
import { removeHealthRecord, writeHealthRecord } from './health-record.js';
import { RouteFailover, type UplinkReport } from './route-failover.js';
import { DEFAULT_FAILOVER } from '../health/failover.js';
import { livePdns, watchDrift, type DriftWatch } from './drift-repair.js';

export interface SupervisorOptions {
  signal: AbortSignal;
  /** sd_notify messages (READY=1, STATUS=..., STOPPING=1). */
  notify: (message: string) => void;
  /** Reconnect delays: initial, doubling up to max. */
  backoff?: { initialMs: number; maxMs: number };
  /** How often to look for the modem while it is absent. */
  modemPollMs?: number;
  /** How often to ask the modem for each session's state, in case an indication was lost (0: never). */
  healthCheckMs?: number;
  /** A link's packet counters (default: IFLA_STATS64 over env.netlink). */
  counters?: LinkCounters;
  /** Probes through a link (default: iputils ping). */
  prober?: Prober;
  /** Milliseconds per second of the config's probe-interval (tests shorten it; default 1000). */
  secondMs?: number;
  /** Rung 4: how long the ladder waits before starting over from rung 1 (default 30 min). */
  giveUpRetryMs?: number;
  /** After asking for a reset, how long before looking for the port again (default 10 s: it must vanish first). */
  resetSettleMs?: number;
  /** The clock of the ladder's slow retry and the failover hold time (tests). */
  now?: () => number;
  /** The default-route failover shared by every modem of the run (session/fleet.ts); default: this modem's own. */
  failover?: RouteFailover;
  /** This modem's name in the failover, the journal and STATUS= (default: config.name, else "modem"). */
  modemName?: string;
  /** How often to look for kernel-mode drift (drift-repair.ts; default 5 s; 0: on link events only). */
  driftCheckMs?: number;
}

type PdnState = {
  request: PdnRequest;
  result?: UpResult | undefined;
  unsubscribe: Array<() => void>;
  failures: number;
  timer?: NodeJS.Timeout | undefined;
  busy: boolean;
  settings: HealthSettings;
  health: PdnHealth;
  /** The last counters read, and of which bring-up (a reconnect makes another link, counting from 0). */
  baseline?: { result: UpResult; counters: Counters } | undefined;
  judging: boolean;
  /** The highest rung of the ladder that touched this PDN since it was last healthy (0: none). */
  reached: number;
  healthTimer?: NodeJS.Timeout | undefined;
  /** This run asked upMany for it at least once (before that, a PDN recorded up is an earlier run's, to adopt). */
  attempted: boolean;
};

export async function runService(env: SessionEnv, config: ServiceConfig, options: SupervisorOptions): Promise<void> {
  const backoff = options.backoff ?? { initialMs: 1000, maxMs: 60_000 };
  const pdns: PdnState[] = config.pdns.map((request, i) => ({
    request, unsubscribe: [], failures: 0, busy: false, settings: config.health[i] ?? { ...DEFAULT_HEALTH }, health: initialHealth(), judging: false, reached: 0, attempted: false,
  }));
  const counters = options.counters ?? netlinkCounters(env.netlink);
  const prober = options.prober ?? pingProber();
  const now = options.now ?? Date.now;
  const modemName = options.modemName ?? config.name ?? 'modem';
  const failover = options.failover ?? new RouteFailover(env.netlink, config.failover ?? DEFAULT_FAILOVER, env.log, now);
  let ladder: LadderState = initialLadder();
  /** A rung's action is running: never two at once on one modem. */
  let recovering = false;
  /** Said once: a host without ping is judged by counters alone. */
  let probesUnavailable = false;
  /** The modem's key in the state directory, once it was found (the health record goes beside its record). */
  let key: string | undefined;
  let recordFailed = false;
  let device: QmiDevice | undefined;
  let deviceViaProxy = true;
  let readySent = false;
  let stopping = false;
  const deviceListeners: Array<() => void> = [];
  /** Kernel-mode drift under the live PDNs (drift-repair.ts), started with the first bring-up. */
  let drift: DriftWatch | undefined;
  /** Ports that went away with client ids allocated (their orphans are released on the next port). */
  const lostPorts: QmiDevice[] = [];
  const upOptions = () => ({ selector: config.modem.device, proxy: config.modem.proxy, device, signal: options.signal, timeoutMs: config.modem.timeoutMs });
  const statusLine = () => {
    const routes = failover.summary(modemName);
    return `${pdns.map((p) => `mux ${p.request.muxId} ${p.result ? `up on ${p.result.link} (${p.health.state})` : 'down'}`).join(', ')}; ${describeLadder(ladder)}${routes ? `; ${routes}` : ''}`;
  };

  /** STATUS= for systemd, and the health record for `rmnetctl status`. */
  const report = () => {
    options.notify(`STATUS=${statusLine()}`);
    if (!key || stopping) return;
    try {
      writeHealthRecord(env.store, key, {
        version: 1,
        pid: process.pid,
        updated: new Date().toISOString(),
        ladder: { rung: ladder.rung, action: LADDER[ladder.rung - 1]?.action ?? null, counts: [...ladder.counts], summary: describeLadder(ladder) },
        pdns: pdns.map((p) => ({
          muxId: p.request.muxId, link: p.result?.link ?? null, state: p.health.state, failures: p.health.failures, successes: p.health.successes, reached: p.reached,
          routes: defaultRouteFamilies(p).map((family) => ({ family, role: failover.role(modemName, p.request.muxId, family) ?? null, carries: failover.carries(modemName, p.request.muxId, family) })),
        })),
        failover: { modem: modemName, policy: failover.settings.policy, mode: failover.settings.failover, changes: failover.changes(modemName), notes: failover.notes(), lastApplyMs: failover.lastApplyMs ?? null },
        driftRepairs: drift?.counts(),
      });
    } catch (error) {
      if (!recordFailed) env.log(`cannot write the health record for "rmnetctl status": ${(error as Error).message}`);
      recordFailed = true;
    }
  };

  // ---- the default routes: every judgement and bring-up feeds the failover (session/route-failover.ts) ----

  /** The families this PDN has a default route in (ipconfig adds one per family with an address). */
  const defaultRouteFamilies = (p: PdnState): Array<4 | 6> =>
    p.result && p.request.routeMetric !== undefined && !p.request.noIp ? [...new Set(p.result.routes.filter((r) => r.destination === 'default').map((r) => r.family))] : [];
  const uplinksNow = (): UplinkReport[] => pdns.flatMap((p) => {
    const families = defaultRouteFamilies(p);
    return families.length === 0 ? [] : [{ muxId: p.request.muxId, link: p.result!.link, families, metric: p.request.routeMetric!, weight: config.weights?.[pdns.indexOf(p)] ?? 1, health: p.health.state }];
  });
  /** `reconcile`: after a bring-up or a link gone, the kernel is read and put right even if the decision is the same. */
  const feedFailover = (reconcile = false): void => {
    if (stopping) return;
    void failover.report(modemName, uplinksNow(), reconcile).catch((e: unknown) => env.log(`default routes: ${(e as Error).message}`));
  };
  const unsubscribeFailover = failover.onChange(() => report());

  const stopWatching = (pdn: PdnState) => {
    for (const u of pdn.unsubscribe.splice(0)) u();
  };

  /** Brings the given PDNs up together (one data-format decision, concurrent sessions); each failure backs off alone. */
  const bringUp = async (targets: PdnState[]): Promise<void> => {
    const ready = targets.filter((p) => !p.busy);
    if (stopping || ready.length === 0) return;
    for (const pdn of ready) pdn.busy = true;
    try {
      if (!device) await openDevice();
      for (const pdn of ready) {
        // Also a PDN an earlier attempt left recorded as unfinished (its rollback could not complete, e.g. the
        // port was lost): `up` refuses it until a `down` cleaned up, so the retry cleans up first.
        if (!pdn.result && !recordedUnfinished(pdn)) continue;
        stopWatching(pdn);
        pdn.result = undefined;
        feedFailover(true);
        await down(env, { selector: config.modem.device, muxId: pdn.request.muxId, all: false, proxy: config.modem.proxy, device, viaProxy: deviceViaProxy }).catch((e: unknown) => env.log(`mux ${pdn.request.muxId}: cleaning up before reconnecting: ${(e as Error).message}`));
      }
      const outcomes = await upMany(env, ready.map((p) => p.request), upOptions());
      for (const pdn of ready) pdn.attempted = true;
      ready.forEach((pdn, i) => {
        const outcome = outcomes[i]!;
        if (outcome instanceof Error) return failed(pdn, outcome);
        pdn.result = outcome;
        pdn.failures = 0;
        watch(pdn, outcome);
        if (outcome.alreadyUp) adopt(pdn, outcome);
        else env.log(`mux ${pdn.request.muxId}: up on ${outcome.link} (${outcome.addresses.map((a) => `${a.address}/${a.prefixLength}`).join(', ') || 'no addresses'})`);
      });
      report();
      feedFailover(true);
      if (!readySent && pdns.every((p) => p.result)) {
        readySent = true;
        options.notify('READY=1');
      }
    } catch (error) {
      for (const pdn of ready) failed(pdn, error as Error);
    } finally {
      for (const pdn of ready) pdn.busy = false;
    }
  };

  /**
   * Whether the record still names this PDN though it is not up (an incomplete rollback). Not one recorded up
   * before this run tried it: an earlier run (killed, restarted) left it up, and upMany adopts it.
   */
  const recordedUnfinished = (pdn: PdnState): boolean => {
    try {
      const recorded = key === undefined ? undefined : env.store.read(key)?.pdns.find((p) => p.request.muxId === pdn.request.muxId);
      return recorded !== undefined && (pdn.attempted || recorded.state !== 'up');
    } catch {
      return false; // an unreadable record: `up` says so itself
    }
  };

  /**
   * A PDN an earlier run left up (its record, its link, its client ids: a supervisor killed and restarted):
   * kept, not torn down and dialled again. The record may be older than the modem's state (it dropped the
   * session, or reset, while nobody watched), so each session is asked at once on its owning client.
   */
  const adopt = (pdn: PdnState, result: UpResult) => {
    env.log(`mux ${pdn.request.muxId}: adopted the PDN an earlier run left up on ${result.link} (client ${result.sessions.map((x) => `${x.clientId} IPv${x.family}`).join(', ')})`);
    void (async () => {
      for (const session of result.sessions) {
        const state = device ? await sessionState(device, session.clientId).catch((e: unknown) => e) : undefined;
        if (state === 'connected' || pdn.result !== result || stopping) continue;
        // Refused questions are the periodic check's business (firmware without the message); the rest is gone.
        if (isRefusal(state) && state.details.qmiError !== 'InvalidClientId') return;
        env.log(`mux ${pdn.request.muxId}: the adopted IPv${session.family} session is ${state instanceof Error ? `not there (${state.message})` : String(state)}; reconnecting`);
        schedule(pdn, 0);
        return;
      }
    })();
  };

  const failed = (pdn: PdnState, error: Error) => {
    pdn.failures++;
    const delay = Math.min(backoff.initialMs * 2 ** (pdn.failures - 1), backoff.maxMs);
    env.log(`mux ${pdn.request.muxId}: ${error.message}; retrying in ${delay} ms`);
    schedule(pdn, delay);
  };

  const schedule = (pdn: PdnState, delayMs: number) => {
    if (stopping) return;
    clearTimeout(pdn.timer);
    pdn.timer = setTimeout(() => void bringUp([pdn]), delayMs);
  };

  const watch = (pdn: PdnState, result: UpResult) => {
    if (!device) return;
    for (const session of result.sessions) {
      pdn.unsubscribe.push(
        device.onIndication(QmiService.WDS, session.clientId, (indication) => {
          const event = packetServiceStatusFromIndication(indication);
          if (!event || event.status !== 'disconnected') return;
          env.log(`mux ${pdn.request.muxId}: the network ended the IPv${session.family} session (${event.verboseCallEndReason ?? event.callEndReason ?? 'no reason given'}); reconnecting`);
          schedule(pdn, 0);
        }),
      );
    }
    if (env.watchLinks) {
      pdn.unsubscribe.push(
        env.watchLinks((name) => {
          if (name !== result.link || stopping) return;
          env.log(`mux ${pdn.request.muxId}: ${name} was deleted; reconnecting`);
          schedule(pdn, 0);
        }),
      );
    }
  };

  const openDevice = async (): Promise<void> => {
    const modem = await selectModem(env, config.modem.device, config.modem.proxy);
    // A modem that re-enumerated may come back as another port: its health record moves with it.
    if (key && key !== modemKey(modem)) removeHealthRecord(env.store, key);
    key = modemKey(modem);
    const { device: opened, viaProxy } = await openPort(env, devicePath(modem), config.modem.proxy, config.modem.timeoutMs);
    device = opened;
    deviceViaProxy = viaProxy;
    await releaseOrphans(opened);
    deviceListeners.push(
      opened.onReset((reason) => {
        if (stopping) return;
        env.log(`${opened.path}: ${reason.message}; every session is gone, reconnecting all`);
        lostPorts.push(opened);
        for (const u of deviceListeners.splice(0)) u();
        device = undefined;
        void opened.close({ keepClients: true }).catch(() => {});
        for (const pdn of pdns) {
          stopWatching(pdn);
          clearTimeout(pdn.timer);
        }
        setTimeout(() => void bringUp(pdns), backoff.initialMs);
      }),
    );
  };

  /**
   * Client ids a lost port left allocated that no record names (the reset rung's DMS client, say): the modem
   * kept them, so they are released on the fresh port. Those of the PDNs are the record's, released by the
   * reconnect's `down`; a modem that reset answers InvalidClientId, which is as good.
   */
  const releaseOrphans = async (fresh: QmiDevice): Promise<void> => {
    const recorded = new Set<string>();
    try {
      const record = key ? env.store.read(key) : undefined;
      for (const p of record?.pdns ?? []) for (const c of p.clients) recorded.add(`wds:${c.clientId}`);
      for (const s of record?.strayClients ?? []) recorded.add(`${s.service}:${s.clientId}`);
    } catch {
      return; // an unreadable record: `up` reports it; releasing blind could hit a PDN's client
    }
    for (const lost of lostPorts.splice(0)) {
      for (const orphan of lost.orphanedClients) {
        if (recorded.has(`${serviceName(orphan.service)}:${orphan.clientId}`)) continue; // as the record names them
        const label = `${serviceName(orphan.service).toUpperCase()} client ${orphan.clientId}`;
        await fresh.releaseClientId(orphan.service, orphan.clientId).then(
          () => env.log(`released ${label}, left allocated when ${lost.path} was lost`),
          (error: unknown) => {
            if (!(error instanceof RmnetError && error.details.qmiError === 'InvalidClientId')) env.log(`releasing ${label} left by the lost port: ${(error as Error).message}`);
          },
        );
      }
    }
  };

  /** Opens the port once the modem is there (boot ordering, USB re-enumeration after a reset). */
  const waitForModem = async (): Promise<void> => {
    let announcedWait = false;
    while (!stopping && !options.signal.aborted) {
      try {
        await openDevice();
        return;
      } catch (error) {
        if (!(error instanceof RmnetError) || !['NO_MODEM', 'UNKNOWN_MODEM', 'DEVICE_NOT_FOUND'].includes(error.code)) throw error;
        if (!announcedWait) env.log(`waiting for the modem: ${error.message}`);
        announcedWait = true;
        options.notify(`STATUS=waiting for the modem`);
        await sleep(options.modemPollMs ?? 2000, options.signal);
      }
    }
  };

  // ---- health and the recovery ladder ---------------------------------------------------------------

  /** One interval of one PDN: counters, a probe only if RX stood still, the outcome counted. */
  const judge = async (pdn: PdnState): Promise<void> => {
    const result = pdn.result;
    if (stopping || recovering || pdn.busy || pdn.judging || !result) return;
    pdn.judging = true;
    try {
      const current = await counters.read(result.link).catch(() => undefined);
      if (!current) return; // the link is gone: the link watch and the reconnect handle that
      const before = pdn.baseline?.result === result ? pdn.baseline.counters : undefined;
      pdn.baseline = { result, counters: current };
      const seen = traffic(before, current);
      let probed: boolean | undefined;
      if (needsProbe(seen)) {
        // Only targets of a family the PDN has addresses in (none with no-ip): others fail for the wrong reason.
        const targets = targetsFor(pdn.settings.probe, new Set(result.addresses.map((a) => a.family)));
        if (targets.length > 0) probed = await probeAny(prober, result.link, targets, Math.min(5, pdn.settings.probeInterval));
        if (targets.length > 0 && probed === undefined && !probesUnavailable) {
          probesUnavailable = true;
          env.log('cannot run ping (iputils) for the health probes: judging by the link counters alone');
        }
      }
      if (pdn.result !== result || stopping) return; // reconnected meanwhile: this judgement is about the old link
      const was = pdn.health.state;
      pdn.health = record(pdn.health, outcome(seen, probed), pdn.settings);
      if (pdn.health.state === 'healthy') pdn.reached = 0; // healthy again: its next trouble starts at rung 1
      if (pdn.health.state !== was) {
        const why = seen === 'tx-only' ? 'TX moves while RX does not' : 'no RX';
        env.log(pdn.health.state === 'unhealthy'
          ? `mux ${pdn.request.muxId}: unhealthy on ${result.link} (${why}${probed === false ? ', probes unanswered' : ''} for ${pdn.health.failures} intervals)`
          : `mux ${pdn.request.muxId}: ${pdn.health.state} on ${result.link}`);
        report();
      }
      feedFailover();
      maybeRecover();
    } finally {
      pdn.judging = false;
    }
  };

  const maybeRecover = (): void => {
    if (recovering || stopping) return;
    const wanting = pdns.filter((p) => wantsRecovery(p.health, p.settings));
    if (wanting.length === 0) {
      if (ladder.rung !== 0 && pdns.every((p) => p.health.state !== 'unhealthy')) {
        ladder = resetLadder(ladder);
        env.log(`every PDN is healthy again: ${describeLadder(ladder)}`);
        report();
      }
      return;
    }
    // The gentlest rung first: the sick PDN that has been through the fewest.
    const rung = nextRung(Math.min(...wanting.map((p) => p.reached)), ladder, now(), options.giveUpRetryMs ?? 30 * 60_000);
    if (!rung) return; // given up, the slow retry not due yet
    ladder = climb(ladder, rung, now());
    // A pdn-scope rung touches the sick PDNs below it (all of them when starting over after giving up).
    const touched = rung.scope === 'pdn' ? wanting.filter((p) => p.reached < rung.rung || p.reached === LADDER.length) : pdns;
    for (const p of touched) {
      p.reached = rung.rung;
      // Each rung gets unhealthy-after fresh intervals to work before the next one.
      p.health = rearm(p.health);
    }
    const who = wanting.map((p) => `mux ${p.request.muxId}`).join(', ');
    env.log(`${who} unhealthy: recovery rung ${rung.rung} (${rung.action}): ${rung.what}; ${describeLadder(ladder)}`);
    report();
    recovering = true;
    void runRung(rung, touched)
      .catch((e: unknown) => env.log(`recovery rung ${rung.rung} (${rung.action}) failed: ${(e as Error).message}`))
      .finally(() => {
        recovering = false;
        report();
      });
  };

  const runRung = async (rung: Rung, wanting: PdnState[]): Promise<void> => {
    switch (rung.action) {
      case 'restart-session':
        for (const p of wanting) clearTimeout(p.timer);
        return bringUp(wanting);
      case 'restart-all':
        // bringUp takes every PDN down before bringing them up together: no live session keeps the old format.
        for (const p of pdns) clearTimeout(p.timer);
        return bringUp(pdns);
      case 'reset-modem':
        return resetAndReconnect();
      case 'give-up':
        env.log(`giving up on recovery until ${new Date(now() + (options.giveUpRetryMs ?? 30 * 60_000)).toISOString()}: the PDNs stay as they are; check the modem, its SIM and the network`);
        return;
    }
  };

  /**
   * Rung 3: the ladder owns this reset, so the reset reaction is detached first (one recovery at a time).
   * Whatever happens, the PDNs are brought up again afterwards: a refused reset is reported (the modem is
   * back online, see resetModem) but must not leave them down with the port closed.
   */
  const resetAndReconnect = async (): Promise<void> => {
    const old = device;
    for (const u of deviceListeners.splice(0)) u();
    for (const pdn of pdns) {
      stopWatching(pdn);
      clearTimeout(pdn.timer);
    }
    device = undefined;
    let refused: unknown;
    if (old) {
      try {
        await resetModem(old);
      } catch (error) {
        refused = error;
      } finally {
        lostPorts.push(old);
        await old.close({ keepClients: true }).catch(() => {});
      }
    }
    // The port must vanish before a new one can be trusted to be the restarted modem's.
    if (!refused) await sleep(options.resetSettleMs ?? 10_000, options.signal);
    try {
      await waitForModem();
    } catch (error) {
      // Not an absent modem (permissions, a port that does not speak QMI): each PDN retries with backoff.
      for (const pdn of pdns) failed(pdn, error as Error);
      throw error;
    }
    // Whatever the reset did or did not do, the modem must not stay offline (dms/reset.ts).
    if (device && !stopping) {
      await ensureOnline(device).then(
        (found) => found === 'put-online' && env.log(`${device?.path}: the modem was still offline after the reset rung (it did not restart): put back online`),
        (error: unknown) => env.log(`${device?.path}: asking the modem for its operating mode after the reset rung: ${(error as Error).message}`),
      );
    }
    if (!stopping) await bringUp(pdns);
    if (refused) throw refused;
  };

  const startJudging = () => {
    for (const pdn of pdns) pdn.healthTimer = setInterval(() => void judge(pdn), pdn.settings.probeInterval * (options.secondMs ?? 1000));
  };

  // Someone (ModemManager re-opening the port) changing the parent's mode under the live PDNs: repaired as
  // one recovery, never beside a rung or a bring-up; every PDN down and up when the steps do not do.
  drift = watchDrift(env, {
    intervalMs: options.driftCheckMs ?? 5000,
    live: () => (recovering || stopping || pdns.some((p) => p.busy) ? undefined : livePdns(pdns.flatMap((p) => (p.result ? [p.result] : [])))),
    exclusive: async (work) => {
      recovering = true;
      try {
        return await work();
      } finally {
        recovering = false;
      }
    },
    restartAll: () => runRung(LADDER.find((r) => r.action === 'restart-all')!, pdns),
    onRepair: () => report(),
  });

  // The first bring-up waits for the modem to appear (boot ordering, USB re-enumeration).
  await waitForModem();
  if (!options.signal.aborted) await bringUp(pdns);
  startJudging();

  // Indications can be lost (a proxy that does not forward them, a modem that resets silently): ask the
  // modem now and then, on the client that owns each session.
  // Firmware that refuses Get Packet Service Status cannot be polled: the indications are all there is.
  let unpollable = false;
  const checkHealth = async () => {
    for (const pdn of pdns) {
      if (stopping || unpollable || pdn.busy || !pdn.result || !device) continue;
      for (const session of pdn.result.sessions) {
        const state = await sessionState(device, session.clientId).catch((e: unknown) => e);
        if (state === 'connected') continue;
        if (isRefusal(state) && state.details.qmiError !== 'InvalidClientId') {
          env.log(`the modem does not report session states (${refusalReason(state)}): relying on its indications`);
          unpollable = true;
          return;
        }
        if (state instanceof Error) {
          env.log(`mux ${pdn.request.muxId}: asking the modem for the IPv${session.family} session failed: ${state.message}; reconnecting`);
          schedule(pdn, 0);
          break;
        }
        env.log(`mux ${pdn.request.muxId}: the modem reports IPv${session.family} ${String(state)}; reconnecting`);
        schedule(pdn, 0);
        break;
      }
    }
  };
  const healthCheck = options.healthCheckMs === 0 ? undefined : setInterval(() => void checkHealth(), options.healthCheckMs ?? 30_000);

  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });

  stopping = true;
  unsubscribeFailover();
  await failover.idle();
  drift.stop();
  clearInterval(healthCheck);
  for (const pdn of pdns) clearInterval(pdn.healthTimer);
  options.notify('STOPPING=1');
  for (const pdn of pdns) {
    clearTimeout(pdn.timer);
    stopWatching(pdn);
  }
  while (recovering || pdns.some((p) => p.busy || p.judging)) await sleep(20);
  for (const pdn of pdns) {
    if (!pdn.result) continue;
    await down(env, { selector: config.modem.device, muxId: pdn.request.muxId, all: false, proxy: config.modem.proxy, device, viaProxy: deviceViaProxy }).catch((e: unknown) => env.log(`mux ${pdn.request.muxId}: down: ${(e as Error).message}`));
    pdn.result = undefined;
  }
  for (const u of deviceListeners.splice(0)) u();
  if (key) removeHealthRecord(env.store, key);
  await device?.close();
}

/** Waits `ms`, or less when `signal` aborts; the abort listener goes with the wait (one poll, one listener). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
