/**
 * Helpers for scenarios running INSIDE the lab guest (chrooted into the host root, as root, with the real
 * qmi_wwan / cdc-wdm / usbnet / vhci-hcd / rmnet modules loaded). Every command is run with an argument
 * vector (execFile), never through a shell string.
 */
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { startUsbipModem, type UsbipModem, type UsbipModemOptions } from '../../test/modem/usbip/index.js';

export interface Check {
  name: string;
  ok: boolean;
  detail?: unknown;
}

export interface ScenarioResult {
  scenario: string;
  ok: boolean;
  checks: Check[];
  timings: Record<string, number>;
  data: Record<string, unknown>;
  error?: string;
}

export class Recorder {
  readonly checks: Check[] = [];
  readonly timings: Record<string, number> = {};
  readonly data: Record<string, unknown> = {};
  private readonly started = Date.now();

  check(name: string, ok: boolean, detail?: unknown): boolean {
    this.checks.push(detail === undefined ? { name, ok } : { name, ok, detail });
    process.stdout.write(`lab-check ${ok ? 'ok  ' : 'FAIL'} ${name}${detail === undefined ? '' : ` ${JSON.stringify(detail)}`}\n`);
    return ok;
  }

  equal(name: string, actual: unknown, expected: unknown): boolean {
    return this.check(name, JSON.stringify(actual) === JSON.stringify(expected), { actual, expected });
  }

  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const start = Date.now();
    try {
      return await work();
    } finally {
      this.timings[name] = Date.now() - start;
    }
  }

  result(scenario: string, error?: string): ScenarioResult {
    this.timings.total = Date.now() - this.started;
    const ok = error === undefined && this.checks.length > 0 && this.checks.every((c) => c.ok);
    return { scenario, ok, checks: this.checks, timings: this.timings, data: this.data, ...(error ? { error } : {}) };
  }
}

import { run, type RunResult } from '../../test/support/run.js';

export { run, type RunResult };

/**
 * A copy of the CLI that any user can read (the launcher, package.json, the bundle, the addon), for checks
 * that run rmnetctl as another user: the checkout itself may sit under a directory only root may enter
 * (a 0700 home or temporary directory). The copy goes to the guest's tmpfs.
 */
export function cliForAnyUser(project: string): string {
  const target = '/tmp/rmnetctl-any-user';
  for (const part of ['bin', 'package.json', join('dist', 'bundle'), join('build', 'Release')]) {
    cpSync(join(project, part), join(target, part), { recursive: true });
  }
  for (const dir of [target, ...['bin', 'dist', 'dist/bundle', 'build', 'build/Release'].map((d) => join(target, d))]) chmodSync(dir, 0o755);
  return join(target, 'bin', 'rmnetctl.js');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export function readAttribute(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Writes a sysfs attribute; returns undefined on success or the errno code ('EINVAL', 'EBUSY', ...). */
export function writeAttribute(path: string, value: string): string | undefined {
  try {
    writeFileSync(path, value);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

export function netStat(link: string, counter: string): number {
  return Number(readAttribute(`/sys/class/net/${link}/statistics/${counter}`) ?? NaN);
}

export interface AttachedModem {
  lab: UsbipModem;
  cdcWdm: string; // e.g. cdc-wdm0
  wwan: string; // e.g. wwan0
  usbInterface: string; // sysfs dir of the USB interface
}

/** Starts the emulated modem, `usbip attach`es it and waits for qmi_wwan and cdc-wdm to bind. */
export async function attachModem(rec: Recorder, options: Pick<UsbipModemOptions, 'qmiOnly' | 'interfaceNumber' | 'firmware'> = {}): Promise<AttachedModem> {
  const lab = await startUsbipModem({ ...options, log: (m) => process.stdout.write(`usbip: ${m}\n`) });
  const attach = await rec.time('usbipAttach', () => run('usbip', ['attach', '-r', '127.0.0.1', '-b', '1-1'], 30_000));
  if (attach.code !== 0) throw new Error(`usbip attach failed (${attach.code}): ${attach.stderr.trim()}`);
  const cdcWdm = await rec.time('bind', () =>
    waitFor('cdc-wdm and wwan to appear', () => {
      if (!existsSync('/sys/class/usbmisc')) return undefined;
      const name = readdirSync('/sys/class/usbmisc').find((n) => n.startsWith('cdc-wdm'));
      if (!name || !existsSync(`/sys/class/usbmisc/${name}/device/net`)) return undefined;
      return existsSync(`/dev/${name}`) ? name : undefined;
    }),
  );
  // resolved, so '..' is the USB device (idVendor, idProduct) and not /sys/class/usbmisc
  const usbInterface = realpathSync(`/sys/class/usbmisc/${cdcWdm}/device`);
  const wwan = readdirSync(join(usbInterface, 'net'))[0]!;
  return { lab, cdcWdm, wwan, usbInterface };
}

export function driverOf(sysfsDevice: string): string | undefined {
  try {
    return basename(readlinkSync(join(sysfsDevice, 'driver')));
  } catch {
    return undefined;
  }
}

export async function ip(rec: Recorder | undefined, ...args: string[]): Promise<RunResult> {
  const result = await run('ip', args, 20_000);
  if (rec && result.code !== 0) rec.data[`ip ${args.join(' ')}`] = result.stderr.trim();
  return result;
}

export async function qmicli(device: string, ...args: string[]): Promise<RunResult> {
  return run('qmicli', ['-d', `/dev/${device}`, ...args], 60_000);
}

/**
 * A DL transfer the emulated modem took: sent on a posted URB at once, or queued until the host posts its next
 * one (a loaded machine resubmits late). Whether it arrived whole is the kernel's rx counter's to say.
 */
export const transferTaken = (outcome: string): boolean => outcome === 'delivered' || outcome === 'queued';
