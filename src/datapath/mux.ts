// Mux id allocation and the mux id -> link read-out, both from what the kernel reports (both backends'
// children of a parent), never from a state file or interface names.
import { Category, RmnetError } from '../errors.js';
import type { Netlink } from '../netlink/rtnl.js';
import { discoverModems } from '../sysfs/discovery.js';
import { isValidMuxId } from '../mux-id.js';
import type { Sysfs } from '../sysfs/sysfs.js';
import { qmimuxMuxId, readInterface, upperDevices } from '../sysfs/topology.js';
import type { MuxLink } from './backend.js';

/** The mux id to use on `parent`: the requested one if free, else the first free one in 1..254. */
export function allocateMuxId(links: readonly MuxLink[], parent: string, requested?: number): number {
  const onParent = links.filter((l) => l.parent === parent);
  if (requested !== undefined) {
    if (!isValidMuxId(requested)) {
      throw new RmnetError('BAD_MUX_ID', `${parent}: mux id must be an integer in 1..254, got ${String(requested)}`, Category.usage, { interface: parent, muxId: requested });
    }
    const holder = onParent.find((l) => l.muxId === requested);
    if (holder) {
      throw new RmnetError('MUX_IN_USE', `${parent}: mux id ${requested} is already used by ${holder.name} (${holder.backend})`, Category.conflict, { interface: parent, muxId: requested, link: holder.name, backend: holder.backend });
    }
    return requested;
  }
  const used = new Set(onParent.map((l) => l.muxId));
  for (let id = 1; id <= 254; id++) if (!used.has(id)) return id;
  throw new RmnetError('MUX_EXHAUSTED', `${parent}: all mux ids 1..254 are in use`, Category.conflict, { interface: parent });
}

/**
 * Every mux link the kernel shows: qmimux children of each qmi_wwan parent (sysfs upper_* + qmap/mux_id)
 * and every rmnet link (netlink IFLA_RMNET_MUX_ID, parent by IFLA_LINK). Sorted by parent, then mux id.
 * `parent` narrows the read-out to one real device.
 */
export async function readMuxMap(sysfs: Sysfs, netlink: Netlink | null, parent?: string): Promise<MuxLink[]> {
  const result: MuxLink[] = [];
  const parents = new Set<string>();
  if (parent !== undefined) parents.add(parent);
  else for (const modem of await discoverModems(sysfs)) for (const n of modem.netInterfaces) parents.add(n);
  for (const p of parents) {
    for (const child of await upperDevices(sysfs, p)) {
      const muxId = await qmimuxMuxId(sysfs, child);
      if (muxId === undefined) continue;
      const state = await readInterface(sysfs, child);
      result.push({ muxId, name: child, backend: 'qmimux', parent: p, ifindex: state?.ifindex ?? null, up: state?.up ?? false, mtu: state?.mtu ?? null });
    }
  }
  if (netlink) {
    const links = await netlink.listLinks();
    const byIndex = new Map(links.map((l) => [l.index, l.name]));
    for (const l of links) {
      if (l.kind !== 'rmnet' || l.muxId === null) continue;
      const p = l.parentIndex === null ? '?' : (byIndex.get(l.parentIndex) ?? `ifindex ${l.parentIndex}`);
      if (parent !== undefined && p !== parent) continue;
      result.push({ muxId: l.muxId, name: l.name, backend: 'rmnet', parent: p, ifindex: l.index, up: l.up, mtu: l.mtu });
    }
  }
  return result.sort((a, b) => a.parent.localeCompare(b.parent, 'en', { numeric: true }) || a.muxId - b.muxId);
}
