/**
 * ModemManager inside the lab guest (issue #12). The guest runs the host's userland chrooted, without systemd,
 * so what ModemManager needs is started by hand, in this order:
 *   1. a system D-Bus (`dbus-daemon --system`, the host's /usr/share/dbus-1/system.conf and the
 *      org.freedesktop.ModemManager1 policy Debian's package installs),
 *   2. systemd-udevd (standalone, `--daemon` is not used: it stays our child) so that the cdc-wdm and net
 *      ports carry ModemManager's udev properties (80-mm-candidate.rules: ID_MM_CANDIDATE=1); udev's
 *      interface renaming (80-net-setup-link.rules, 73-usb-net-by-mac.rules) is masked with empty files of the
 *      same name in /run/udev/rules.d, so qmi_wwan's wwan0 keeps the name every scenario expects,
 *   3. `ModemManager --debug`, its stderr (the debug log) written to the run directory on the result share.
 *      Its plugins come from /run/mm-plugins: links to every plugin of Debian's package except Quectel's
 *      (`--test-plugin-dir`). ModemManager 1.20.4's Quectel plugin aborts on a QMI-only Quectel modem (no AT
 *      port): mm_shared_quectel_firmware_load_update_settings() finds no AT port and then casts the QMI modem
 *      to MMBroadbandModemMbim ("invalid cast from 'MMBroadbandModemQmiQuectel' to 'MMBroadbandModemMbim'",
 *      assertion in mm_broadband_modem_mbim_peek_port_mbim, plugins/quectel/mm-shared-quectel.c:369 of the
 *      1.20.4 tag; upstream later removed that path). The emulated EC25 exports its serial interfaces but
 *      nothing speaks AT on them, so the generic plugin drives the modem: the same MMBroadbandModemQmi code.
 * The modem is attached after udevd runs, so the add events go through the rules like on a real machine.
 * Every program is spawned with an argument vector.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, sleep, type Recorder, type RunResult } from './harness.js';

export interface ModemManagerStack {
  /** Restart ModemManager alone (D-Bus and udev stay). */
  restart(): Promise<void>;
  stopModemManager(): Promise<void>;
  startModemManager(): Promise<void>;
  stop(): Promise<void>;
  logPath: string;
  pid(): number | undefined;
}

/**
 * WDA aggregation the emulated firmware grants in the ModemManager scenarios: disabled and QMAP (v1), like a
 * real EC25 (MDM9607). With QMAPv5 granted, ModemManager 1.20.4 creates its rmnet link without the
 * MAP_CKSUMV5 flags (src/mm-port-qmi.c at 1.20.4; fixed upstream in 1.22 by 16f9ff68 "port-qmi: fix rmnet
 * checksum flag with qmi_wwan"), so UL frames carry no v5 checksum header and DL v5 frames are misparsed:
 * the bearer is "connected" and passes no traffic (measured in the lab: 11 UL transfers, 0 packets).
 */
export const MM_LAB_AGGREGATION = [0, 5];

const RESULT_DIR = process.env.LAB_RESULT_DIR ?? '/run/lab';
const DEBIAN_PLUGIN_DIR = '/usr/lib/x86_64-linux-gnu/ModemManager';
const PLUGIN_DIR = '/run/mm-plugins';

/** Every plugin and shared library of Debian's ModemManager but the Quectel plugin (see above). */
function preparePluginDir(): void {
  mkdirSync(PLUGIN_DIR, { recursive: true });
  for (const name of readdirSync(DEBIAN_PLUGIN_DIR)) {
    if (!name.endsWith('.so') || name === 'libmm-plugin-quectel.so') continue;
    if (!existsSync(join(PLUGIN_DIR, name))) symlinkSync(join(DEBIAN_PLUGIN_DIR, name), join(PLUGIN_DIR, name));
  }
}

function startDaemon(name: string, file: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(file, args, { stdio: ['ignore', fd, fd], detached: false });
  closeSync(fd);
  child.on('error', (error) => process.stdout.write(`lab: ${name} did not start: ${String(error)}\n`));
  return child;
}

function stopChild(child: ChildProcess | undefined, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function mmcli(...args: string[]): Promise<RunResult> {
  return run('mmcli', args, 60_000);
}

/** `mmcli -J ...` parsed; undefined when mmcli failed. */
export async function mmcliJson(...args: string[]): Promise<Record<string, unknown> | undefined> {
  const out = await mmcli('-J', ...args);
  if (out.code !== 0) return undefined;
  try {
    return JSON.parse(out.stdout) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The first modem's D-Bus path index as mmcli -L lists it, or undefined. */
export async function firstModem(): Promise<string | undefined> {
  const list = await mmcliJson('-L');
  const paths = (list?.['modem-list'] as string[] | undefined) ?? [];
  return paths[0]?.split('/').pop();
}

export interface ModemStatus {
  state?: string;
  failedReason?: string;
  accessTech?: string[];
  signal?: string;
  operator?: string;
  registration?: string;
  bearers?: string[];
  ports?: string[];
  primaryPort?: string;
  plugin?: string;
  model?: string;
  simPath?: string;
  raw?: Record<string, unknown>;
}

export async function modemStatus(index: string): Promise<ModemStatus> {
  const json = await mmcliJson('-m', index);
  const modem = json?.modem as Record<string, Record<string, unknown>> | undefined;
  if (!modem) return {};
  const generic = modem.generic ?? {};
  const gpp = (modem['3gpp'] ?? {}) as Record<string, unknown>;
  const signal = generic['signal-quality'] as { value?: string } | undefined;
  return {
    state: generic.state as string | undefined,
    failedReason: generic['state-failed-reason'] as string | undefined,
    accessTech: generic['access-technologies'] as string[] | undefined,
    signal: signal?.value,
    operator: gpp['operator-name'] as string | undefined,
    registration: gpp['registration-state'] as string | undefined,
    bearers: generic.bearers as string[] | undefined,
    ports: generic.ports as string[] | undefined,
    primaryPort: generic['primary-port'] as string | undefined,
    plugin: generic.plugin as string | undefined,
    model: generic.model as string | undefined,
    simPath: generic.sim as string | undefined,
    raw: json,
  };
}

/** Polls `mmcli -m index` until `accept(state)`; returns the last status either way. */
export async function waitForModemState(index: string, accept: (s: ModemStatus) => boolean, timeoutMs: number): Promise<ModemStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: ModemStatus = {};
  while (Date.now() < deadline) {
    last = await modemStatus(index);
    if (accept(last)) return last;
    await sleep(250);
  }
  return last;
}

export async function waitForModem(timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const index = await firstModem();
    if (index !== undefined) return index;
    await sleep(250);
  }
  return undefined;
}

/**
 * Starts D-Bus and udev (before the modem is attached), and ModemManager unless `startModemManager: false`.
 * Throws, naming the program, when one of them cannot start: under RMNETCTL_LAB=1 a missing ModemManager is
 * a failure, never a skip.
 */
export async function startModemManagerStack(rec: Recorder, options: { startModemManager?: boolean } = {}): Promise<ModemManagerStack> {
  for (const program of ['/usr/bin/dbus-daemon', '/lib/systemd/systemd-udevd', '/usr/sbin/ModemManager', '/usr/bin/mmcli']) {
    if (!existsSync(program)) throw new Error(`${program} is missing: run RMNETCTL_LAB=1 bash scripts/setup.sh (modemmanager, udev, dbus)`);
  }
  preparePluginDir();
  mkdirSync('/run/dbus', { recursive: true });
  mkdirSync('/run/udev/rules.d', { recursive: true });
  // Same-named files in /run/udev/rules.d override /lib/udev/rules.d: no interface renaming in the lab.
  for (const rule of ['80-net-setup-link.rules', '73-usb-net-by-mac.rules']) writeFileSync(join('/run/udev/rules.d', rule), '');
  const dbusLog = join(RESULT_DIR, 'dbus.log');
  const udevLog = join(RESULT_DIR, 'udevd.log');
  const logPath = join(RESULT_DIR, 'modemmanager.log');
  const dbus = startDaemon('dbus-daemon', '/usr/bin/dbus-daemon', ['--system', '--nofork', '--nopidfile', '--nosyslog'], dbusLog);
  await rec.time('dbusReady', async () => {
    for (let i = 0; i < 100 && !existsSync('/run/dbus/system_bus_socket'); i++) await sleep(50);
  });
  rec.check('mm: system D-Bus socket exists', existsSync('/run/dbus/system_bus_socket'));
  const udevd = startDaemon('systemd-udevd', '/lib/systemd/systemd-udevd', [], udevLog);
  await rec.time('udevReady', async () => {
    for (let i = 0; i < 100 && !existsSync('/run/udev/control'); i++) await sleep(50);
  });
  rec.check('mm: systemd-udevd control socket exists', existsSync('/run/udev/control'));
  let mm: ChildProcess | undefined;
  const stack: ModemManagerStack = {
    logPath,
    pid: () => mm?.pid,
    async startModemManager() {
      writeFileSync(logPath, `--- ModemManager --debug started at ${new Date().toISOString()}\n`, { flag: 'a' });
      mm = startDaemon('ModemManager', '/usr/sbin/ModemManager', ['--debug', `--test-plugin-dir=${PLUGIN_DIR}`], logPath);
    },
    async stopModemManager() {
      await stopChild(mm, 10_000);
      mm = undefined;
    },
    async restart() {
      await stack.stopModemManager();
      await stack.startModemManager();
    },
    async stop() {
      await stack.stopModemManager();
      await stopChild(udevd);
      await stopChild(dbus);
    },
  };
  if (options.startModemManager !== false) await stack.startModemManager();
  return stack;
}

/** udev's view of a device node (the properties ModemManager's rules set). */
export async function udevProperties(path: string): Promise<Record<string, string>> {
  const out = await run('udevadm', ['info', '--query=property', `--name=${path}`], 20_000);
  const props: Record<string, string> = {};
  for (const line of out.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return props;
}

export interface MmBearer {
  path: string;
  index: string;
  connected: boolean;
  interface?: string;
  multiplexed?: boolean;
  ipv4?: { address: string; prefix: number; gateway: string; mtu?: number; method?: string };
  raw?: Record<string, unknown>;
}

export async function bearerStatus(pathOrIndex: string): Promise<MmBearer> {
  const index = pathOrIndex.split('/').pop()!;
  const json = await mmcliJson('-b', index);
  const bearer = json?.bearer as Record<string, Record<string, unknown>> | undefined;
  const status = bearer?.status ?? {};
  const v4 = bearer?.['ipv4-config'] ?? {};
  const toNumber = (v: unknown) => (typeof v === 'string' && v !== '--' && v !== '' ? Number(v) : undefined);
  return {
    path: (bearer?.['dbus-path'] as string | undefined) ?? pathOrIndex,
    index,
    connected: status.connected === 'yes',
    interface: typeof status.interface === 'string' && status.interface !== '--' ? status.interface : undefined,
    multiplexed: status.multiplexed === 'yes' ? true : status.multiplexed === 'no' ? false : undefined,
    ipv4: typeof v4.address === 'string' && v4.address !== '--'
      ? { address: v4.address, prefix: toNumber(v4.prefix) ?? 32, gateway: String(v4.gateway), mtu: toNumber(v4.mtu), method: v4.method as string | undefined }
      : undefined,
    raw: json,
  };
}

/** `mmcli -m N -e`, then waits for `registered` (or `connected`). Returns the elapsed ms and the status. */
export async function enableAndRegister(rec: Recorder, index: string, label = 'mm'): Promise<ModemStatus> {
  const enable = await rec.time(`${label}Enable`, () => mmcli('-m', index, '-e'));
  rec.check(`${label}: mmcli --enable`, enable.code === 0, enable.code === 0 ? undefined : (enable.stderr || enable.stdout).trim());
  const status = await rec.time(`${label}Registered`, () => waitForModemState(index, (s) => s.state === 'registered' || s.state === 'connected', 60_000));
  rec.check(`${label}: ModemManager reaches registered`, status.state === 'registered', { state: status.state, registration: status.registration, operator: status.operator, accessTech: status.accessTech, signal: status.signal });
  return status;
}

/** `mmcli -m N --simple-connect=apn=APN,multiplex=requested`; returns the connected bearer. */
export async function simpleConnect(index: string, apn: string, extra = ''): Promise<{ result: RunResult; bearer?: MmBearer; ms: number }> {
  const started = Date.now();
  const result = await mmcli('-m', index, `--simple-connect=apn=${apn},multiplex=requested${extra}`);
  const ms = Date.now() - started;
  // mmcli 1.20 prints only "successfully connected the modem": the bearer is the connected one of the modem.
  const bearer = result.code === 0 ? await connectedBearer(index, apn) : undefined;
  return { result, ms, ...(bearer ? { bearer } : {}) };
}

/** The modem's connected bearer (for `apn` when given). */
export async function connectedBearer(index: string, apn?: string): Promise<MmBearer | undefined> {
  const status = await modemStatus(index);
  for (const path of status.bearers ?? []) {
    const bearer = await bearerStatus(path);
    const properties = (bearer.raw?.bearer as { properties?: { apn?: string } } | undefined)?.properties;
    if (bearer.connected && (apn === undefined || properties?.apn === apn)) return bearer;
  }
  return undefined;
}

/**
 * What NetworkManager would do with a bearer of method "static": the address and the link up (ModemManager
 * itself does not configure IP). Returns the ip(8) error, if any.
 */
export async function configureBearerLink(bearer: MmBearer): Promise<string | undefined> {
  if (!bearer.interface || !bearer.ipv4) return 'bearer has no interface or IPv4 configuration';
  const steps: string[][] = [
    ['link', 'set', bearer.interface, 'up'],
    ['addr', 'replace', `${bearer.ipv4.address}/${bearer.ipv4.prefix}`, 'dev', bearer.interface],
  ];
  for (const step of steps) {
    const out = await run('ip', step, 20_000);
    if (out.code !== 0) return `ip ${step.join(' ')}: ${out.stderr.trim()}`;
  }
  return undefined;
}
