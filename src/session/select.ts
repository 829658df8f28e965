// The one modem selector behind every -d (and `device =` in a config): a control port (/dev/cdc-wdm0 or
// cdc-wdm0, /dev/wwan0qmi0), a network interface (wwan0), a USB path (1-1.4), or an IMEI (asked of each
// modem over QMI, through the same port choice the command uses); the only modem when there is one.
import { Category, RmnetError } from '../errors.js';
import { QmiService } from '../qmi/enums.js';
import { stringField } from '../qmi/fields.js';
import { dmsGetIds } from '../dms/messages.js';
import { discoverModems, type Modem } from '../sysfs/discovery.js';
import { openPort, type PortEnv, type ProxyChoice } from './env.js';

/** 15 digits (14 without the check digit, 16 as IMEISV). */
const IMEI = /^\d{14,16}$/;

function direct(modems: readonly Modem[], selector: string): Modem | undefined {
  const port = selector.replace(/^\/dev\//, '');
  return modems.find((m) => m.controlPort === port || m.netInterfaces.includes(selector) || m.busPath === selector);
}

/** The IMEI a modem reports (DMS Get IDs), or undefined when it cannot be asked. */
async function imeiOf(env: PortEnv, modem: Modem, proxy: ProxyChoice): Promise<string | undefined> {
  const { device } = await openPort(env, devicePath(modem), proxy);
  try {
    return await device.withClient(QmiService.DMS, async (dms) => stringField((await dms.request(dmsGetIds)).fields, 'imei'));
  } finally {
    await device.close().catch(() => {});
  }
}

async function match(env: PortEnv, modems: readonly Modem[], selector: string, proxy: ProxyChoice): Promise<Modem | undefined> {
  const found = direct(modems, selector);
  if (found || !IMEI.test(selector)) return found;
  for (const modem of modems) if ((await imeiOf(env, modem, proxy).catch(() => undefined)) === selector) return modem;
  return undefined;
}

function unknown(selector: string, modems: readonly Modem[]): RmnetError {
  const known = modems.map((m) => `/dev/${m.controlPort}${m.netInterface ? ` ${m.netInterface}` : ''} usb ${m.busPath}`).join('; ');
  return new RmnetError('UNKNOWN_MODEM', `no modem matches "${selector}" (known: ${known || 'none'})`, Category.notFound, { selector });
}

/** The modem `selector` names, or undefined (for `links`, whose -d may also name any parent interface). */
export async function findModem(env: PortEnv, selector: string, proxy: ProxyChoice = 'auto'): Promise<Modem | undefined> {
  return match(env, await discoverModems(env.sysfs), selector, proxy);
}

/** A modem with a network interface, for the commands that bring PDNs up and down. */
export async function selectModem(env: PortEnv, selector: string | undefined, proxy: ProxyChoice = 'auto'): Promise<Modem> {
  const modems = (await discoverModems(env.sysfs)).filter((m) => m.netInterface !== null);
  if (modems.length === 0) {
    throw new RmnetError('NO_MODEM', 'no QMI modem with a network interface found (looked in /sys/class/usbmisc and /sys/class/wwan); is qmi_wwan bound?', Category.notFound);
  }
  if (selector === undefined) {
    if (modems.length === 1) return modems[0]!;
    throw new RmnetError('AMBIGUOUS_MODEM', `${modems.length} modems found (${modems.map((m) => `/dev/${m.controlPort}`).join(', ')}): choose one with -d`, Category.usage);
  }
  const modem = await match(env, modems, selector, proxy);
  if (!modem) throw unknown(selector, modems);
  return modem;
}

/**
 * A control port to talk QMI to (info, format): a modem chosen as above, or, for a path that names no
 * modem sysfs knows (a port of an unbound driver, a test pty), that path itself: opening it decides.
 */
export async function selectPort(env: PortEnv, selector: string | undefined, proxy: ProxyChoice = 'auto'): Promise<{ path: string; modem: Modem | undefined }> {
  const modems = await discoverModems(env.sysfs);
  if (selector === undefined) {
    if (modems.length === 1) return { path: devicePath(modems[0]!), modem: modems[0] };
    if (modems.length === 0) throw new RmnetError('BAD_ARGUMENT', 'no QMI control port found in sysfs (/sys/class/usbmisc, /sys/class/wwan): name one with -d/--device', Category.usage, { option: '--device' });
    throw new RmnetError('AMBIGUOUS_MODEM', `${modems.length} modems found (${modems.map((m) => `/dev/${m.controlPort}`).join(', ')}): choose one with -d`, Category.usage);
  }
  const modem = await match(env, modems, selector, proxy);
  if (modem) return { path: devicePath(modem), modem };
  if (selector.startsWith('/')) return { path: selector, modem: undefined };
  throw unknown(selector, modems);
}

/** The key of a modem's state file and lock: its control port name. */
export const modemKey = (modem: Modem) => modem.controlPort;
export const devicePath = (modem: Modem) => `/dev/${modem.controlPort}`;
