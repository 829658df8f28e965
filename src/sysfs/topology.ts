// Stacked-device topology from the kernel's own links: /sys/class/net/<parent>/upper_<child> and
// /sys/class/net/<child>/lower_<parent>; a qmimux child's mux id from qmap/mux_id. Never from names.
import { checkInterfaceName } from './names.js';
import { listOptional, readOptional, type Sysfs } from './sysfs.js';

/** The interfaces stacked on `iface` (its upper_* links), sorted. */
export async function upperDevices(sysfs: Sysfs, iface: string): Promise<string[]> {
  const entries = await listOptional(sysfs, `class/net/${checkInterfaceName(iface)}`);
  return entries.filter((e) => e.startsWith('upper_')).map((e) => e.slice('upper_'.length));
}

/** The interfaces `iface` sits on (its lower_* links). */
export async function lowerDevices(sysfs: Sysfs, iface: string): Promise<string[]> {
  const entries = await listOptional(sysfs, `class/net/${checkInterfaceName(iface)}`);
  return entries.filter((e) => e.startsWith('lower_')).map((e) => e.slice('lower_'.length));
}

/** A qmimux child's mux id from `qmap/mux_id` (printed 0x%02x), or undefined when it has none (not qmimux). */
export async function qmimuxMuxId(sysfs: Sysfs, iface: string): Promise<number | undefined> {
  const text = await readOptional(sysfs, `class/net/${checkInterfaceName(iface)}/qmap/mux_id`);
  if (text === undefined) return undefined;
  const match = /^0x([0-9a-f]{1,2})$/i.exec(text.trim());
  return match ? Number.parseInt(match[1]!, 16) : undefined;
}

export interface InterfaceState {
  name: string;
  ifindex: number | undefined;
  mtu: number | undefined;
  /** IFF_UP from `flags`. */
  up: boolean;
  operstate: string | undefined;
  /** ARPHRD type: 1 ether, 65534 none (raw-ip), 519 rmnet. */
  type: number | undefined;
}

function parseNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** The basic state of any net interface from sysfs; undefined if it does not exist. */
export async function readInterface(sysfs: Sysfs, iface: string): Promise<InterfaceState | undefined> {
  const base = `class/net/${checkInterfaceName(iface)}`;
  const ifindex = await readOptional(sysfs, `${base}/ifindex`);
  if (ifindex === undefined) return undefined;
  const flags = parseNumber(await readOptional(sysfs, `${base}/flags`));
  return {
    name: iface,
    ifindex: parseNumber(ifindex),
    mtu: parseNumber(await readOptional(sysfs, `${base}/mtu`)),
    up: flags !== undefined && (flags & 1) === 1,
    operstate: await readOptional(sysfs, `${base}/operstate`),
    type: parseNumber(await readOptional(sysfs, `${base}/type`)),
  };
}
