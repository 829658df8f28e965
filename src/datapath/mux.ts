// The mux id -> link read-out from what the kernel reports (each backend lists its own children of a
// parent), never from a state file or interface names.
import type { Netlink } from '../netlink/rtnl.js';
import type { Sysfs } from '../sysfs/sysfs.js';
import type { MuxLink } from './backend.js';
import { QmimuxBackend } from './qmimux.js';
import { RmnetBackend } from './rmnet.js';

/**
 * Every mux link the kernel shows, as the union of what each backend lists: qmimux children of each
 * qmi_wwan parent and every rmnet link (without netlink, qmimux only). Sorted by parent, then mux id.
 * `parent` narrows the read-out to one real device.
 */
export async function readMuxMap(sysfs: Sysfs, netlink: Netlink | null, parent?: string): Promise<MuxLink[]> {
  const backends = [new QmimuxBackend(sysfs), ...(netlink ? [new RmnetBackend(netlink)] : [])];
  const result: MuxLink[] = [];
  for (const backend of backends) result.push(...(parent === undefined ? await backend.listAll() : await backend.list(parent)));
  return result.sort((a, b) => a.parent.localeCompare(b.parent, 'en', { numeric: true }) || a.muxId - b.muxId);
}
