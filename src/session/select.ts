// Picks the modem a command is about: by control port (/dev/cdc-wdm0 or cdc-wdm0), network interface
// (wwan0), USB path (1-1.4), or IMEI (asked of each modem over QMI); the only one when there is one.
import { Category, RmnetError } from '../errors.js';
import { discoverModems, type Modem } from '../sysfs/discovery.js';
import type { SessionEnv } from './env.js';

export async function selectModem(env: SessionEnv, selector: string | undefined, imeiOf?: (modem: Modem) => Promise<string | undefined>): Promise<Modem> {
  const modems = (await discoverModems(env.sysfs)).filter((m) => m.netInterface !== null);
  if (modems.length === 0) {
    throw new RmnetError('NO_MODEM', 'no QMI modem with a network interface found (looked in /sys/class/usbmisc and /sys/class/wwan); is qmi_wwan bound?', Category.notFound);
  }
  if (selector === undefined) {
    if (modems.length === 1) return modems[0]!;
    throw new RmnetError('AMBIGUOUS_MODEM', `${modems.length} modems found (${modems.map((m) => `/dev/${m.controlPort}`).join(', ')}): choose one with -d`, Category.usage);
  }
  const port = selector.replace(/^\/dev\//, '');
  const direct = modems.find((m) => m.controlPort === port || m.netInterfaces.includes(selector) || m.busPath === selector);
  if (direct) return direct;
  if (/^\d{14,16}$/.test(selector) && imeiOf) {
    for (const modem of modems) if ((await imeiOf(modem).catch(() => undefined)) === selector) return modem;
  }
  throw new RmnetError(
    'UNKNOWN_MODEM',
    `no modem matches "${selector}" (known: ${modems.map((m) => `/dev/${m.controlPort} ${m.netInterface} usb ${m.busPath}`).join('; ')})`,
    Category.notFound,
    { selector },
  );
}

/** The key of a modem's state file and lock: its control port name. */
export const modemKey = (modem: Modem) => modem.controlPort;
export const devicePath = (modem: Modem) => `/dev/${modem.controlPort}`;
