// What the session commands (up, down, status, run) share on the command line: the modem selector,
// qmi-proxy use, JSON output, the root check, and building the real environment.
import { Category, RmnetError } from '../errors.js';
import type { PortEnv, ProxyChoice, SessionEnv } from '../session/env.js';
import type { PortOptions } from '../modem/port.js';
import type { Modem } from '../sysfs/discovery.js';

export interface CommonSessionOptions {
  device?: string;
  /** commander's --proxy / --no-proxy: true, false, or undefined (auto). */
  proxy?: boolean;
  json?: boolean;
  sysfsRoot?: string;
  stateDir?: string;
}

/** What the port commands (info, profiles) get: -d, -p/--no-proxy, --timeout, --json (cli/command-table.ts). */
export interface PortCommandOptions {
  device?: string;
  sysfsRoot?: string;
  proxy?: boolean;
  json?: boolean;
  timeout?: number;
}

/**
 * The body of a command that asks a port one report (info, profiles): resolve -d/-p to a port, collect,
 * print as text or JSON. Output and the collector load lazily, as every command's do.
 */
export async function emitPortReport<T>(options: PortCommandOptions, collect: (port: PortOptions) => Promise<T>, render: (report: T) => string): Promise<void> {
  const { emit, log } = await import('./output.js');
  const { device, proxy } = await resolvePort(options);
  emit(await collect({ ...options, device, proxy, log: log.debug }), options, render);
}

export function proxyChoice(options: CommonSessionOptions): ProxyChoice {
  return options.proxy === true ? 'yes' : options.proxy === false ? 'no' : 'auto';
}

/** Changing links, sysfs and the modem needs root; say so before touching anything. */
export function requireRoot(command: string): void {
  if (typeof process.geteuid === 'function' && process.geteuid() !== 0) {
    throw new RmnetError('NOT_ROOT', `rmnetctl ${command} changes network links and the modem's data path: run it as root`, Category.permission);
  }
}

export async function sessionEnv(options: CommonSessionOptions): Promise<SessionEnv> {
  const { systemEnv } = await import('../session/env.js');
  const { log } = await import('./output.js');
  return systemEnv({
    ...(options.sysfsRoot ? { sysfsRoot: options.sysfsRoot } : {}),
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    log: (line) => log.info(line),
  });
}

/**
 * -d and -p of `info` and `format`, through the same selector and proxy decision as the session commands.
 * These two talk to a port for a moment, so they keep to the character device unless -p asks for qmi-proxy.
 */
export async function resolvePort(options: { device?: string | undefined; proxy?: boolean | undefined; sysfsRoot?: string | undefined }): Promise<{ device: string; proxy: boolean; modem: Modem | undefined }> {
  const { useProxy } = await import('../session/env.js');
  const { selectPort } = await import('../session/select.js');
  const env = await portEnv(options.sysfsRoot);
  const choice: ProxyChoice = options.proxy ? 'yes' : 'no';
  const { path, modem } = await selectPort(env, options.device, choice);
  return { device: path, proxy: await useProxy(env, choice), modem };
}

/** What the selector needs of the machine (sysfs, and the control ports for an IMEI), without netlink. */
export async function portEnv(sysfsRoot: string | undefined = '/sys'): Promise<PortEnv> {
  const { FileSysfs } = await import('../sysfs/sysfs.js');
  const { qmiProxyListening, openSystemQmi } = await import('../session/env.js');
  return { sysfs: new FileSysfs(sysfsRoot), proxyRunning: qmiProxyListening, openQmi: openSystemQmi };
}
