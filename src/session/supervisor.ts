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
import { QmiService } from '../qmi/enums.js';
import type { QmiDevice } from '../qmi/device.js';
import { packetServiceStatusFromIndication } from '../wds/session-messages.js';
import { sessionState } from '../wds/pdn-session.js';
import { RmnetError } from '../errors.js';
import { isRefusal, refusalReason } from '../modem/optional.js';
import type { ServiceConfig } from './config.js';
import { openPort, type SessionEnv } from './env.js';
import { down } from './down.js';
import { upMany, type UpResult } from './up.js';
import { devicePath, selectModem } from './select.js';
import type { PdnRequest } from './request.js';

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
}

type PdnState = { request: PdnRequest; result?: UpResult | undefined; unsubscribe: Array<() => void>; failures: number; timer?: NodeJS.Timeout | undefined; busy: boolean };

export async function runService(env: SessionEnv, config: ServiceConfig, options: SupervisorOptions): Promise<void> {
  const backoff = options.backoff ?? { initialMs: 1000, maxMs: 60_000 };
  const pdns: PdnState[] = config.pdns.map((request) => ({ request, unsubscribe: [], failures: 0, busy: false }));
  let device: QmiDevice | undefined;
  let readySent = false;
  let stopping = false;
  const deviceListeners: Array<() => void> = [];
  const upOptions = () => ({ selector: config.modem.device, proxy: config.modem.proxy, device, signal: options.signal });
  const statusLine = () => pdns.map((p) => `mux ${p.request.muxId} ${p.result ? `up on ${p.result.link}` : 'down'}`).join(', ');

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
        if (!pdn.result) continue;
        stopWatching(pdn);
        pdn.result = undefined;
        await down(env, { selector: config.modem.device, muxId: pdn.request.muxId, all: false, proxy: config.modem.proxy, device }).catch((e: unknown) => env.log(`mux ${pdn.request.muxId}: cleaning up before reconnecting: ${(e as Error).message}`));
      }
      const outcomes = await upMany(env, ready.map((p) => p.request), upOptions());
      ready.forEach((pdn, i) => {
        const outcome = outcomes[i]!;
        if (outcome instanceof Error) return failed(pdn, outcome);
        pdn.result = outcome;
        pdn.failures = 0;
        watch(pdn, outcome);
        env.log(`mux ${pdn.request.muxId}: up on ${outcome.link} (${outcome.addresses.map((a) => `${a.address}/${a.prefixLength}`).join(', ') || 'no addresses'})`);
      });
      options.notify(`STATUS=${statusLine()}`);
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
    const { device: opened } = await openPort(env, devicePath(modem), config.modem.proxy);
    device = opened;
    deviceListeners.push(
      opened.onReset((reason) => {
        if (stopping) return;
        env.log(`${opened.path}: ${reason.message}; every session is gone, reconnecting all`);
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

  // The first bring-up waits for the modem to appear (boot ordering, USB re-enumeration).
  let announcedWait = false;
  while (!stopping && !options.signal.aborted) {
    try {
      await openDevice();
      break;
    } catch (error) {
      if (!(error instanceof RmnetError) || !['NO_MODEM', 'UNKNOWN_MODEM', 'DEVICE_NOT_FOUND'].includes(error.code)) throw error;
      if (!announcedWait) env.log(`waiting for the modem: ${error.message}`);
      announcedWait = true;
      options.notify(`STATUS=waiting for the modem`);
      await sleep(options.modemPollMs ?? 2000, options.signal);
    }
  }
  if (!options.signal.aborted) await bringUp(pdns);

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
  clearInterval(healthCheck);
  options.notify('STOPPING=1');
  for (const pdn of pdns) {
    clearTimeout(pdn.timer);
    stopWatching(pdn);
  }
  while (pdns.some((p) => p.busy)) await sleep(20);
  for (const pdn of pdns) {
    if (!pdn.result) continue;
    await down(env, { selector: config.modem.device, muxId: pdn.request.muxId, all: false, proxy: config.modem.proxy, device }).catch((e: unknown) => env.log(`mux ${pdn.request.muxId}: down: ${(e as Error).message}`));
    pdn.result = undefined;
  }
  for (const u of deviceListeners.splice(0)) u();
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
