// `rmnetctl run NAME` over every [modem] of the config: one supervisor per modem (each with its own control
// port, lock, PDNs and recovery ladder, so one modem's trouble never stops the other's), and one
// default-route failover shared by all of them, so the move from one modem to the other is decided in one
// place (session/route-failover.ts).
//
// sd_notify: READY=1 once every modem is ready; STATUS= joins each modem's line ("lte: ... | backup: ...").
// A supervisor that fails (not a modem that is absent: that one waits) stops the others and the run fails.
import type { FleetConfig } from './config.js';
import type { SessionEnv } from './env.js';
import { RouteFailover } from './route-failover.js';
import { runService, type SupervisorOptions } from './supervisor.js';

export async function runFleet(env: SessionEnv, fleet: FleetConfig, options: SupervisorOptions): Promise<void> {
  const failover = options.failover ?? new RouteFailover(env.netlink, fleet.failover, env.log, options.now);
  const several = fleet.modems.length > 1;
  const statuses = new Map<string, string>(fleet.modems.map((m) => [m.name, 'starting']));
  const ready = new Set<string>();
  let stoppingSent = false;
  const notifyFor = (name: string) => (message: string) => {
    if (!several) return options.notify(message);
    if (message === 'READY=1') {
      ready.add(name);
      if (ready.size === fleet.modems.length) options.notify('READY=1');
    } else if (message.startsWith('STATUS=')) {
      statuses.set(name, message.slice('STATUS='.length));
      options.notify(`STATUS=${[...statuses].map(([n, s]) => `${n}: ${s}`).join(' | ')}`);
    } else if (message === 'STOPPING=1') {
      if (!stoppingSent) options.notify(message);
      stoppingSent = true;
    } else options.notify(message);
  };
  // One modem failing stops the run: systemd restarts it whole rather than running on half its modems.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (options.signal.aborted) stop.abort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  let failure: unknown;
  try {
    await Promise.all(fleet.modems.map((modem) => {
      // Several modems: each journal line says whose it is ("mux 1" alone is ambiguous).
      const own: SessionEnv = several ? { ...env, log: (line) => env.log(`${modem.name}: ${line}`) } : env;
      return runService(own, modem, { ...options, signal: stop.signal, notify: notifyFor(modem.name), failover, modemName: modem.name })
        .catch((error: unknown) => {
          failure ??= error;
          stop.abort();
        });
    }));
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw failure;
}
