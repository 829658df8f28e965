// What is up on a modem right now, for a command about to change what those PDNs stand on (format set):
// the PDNs its record holds and the mux links the kernel shows on its parent. Reads through the owners
// (StateStore for records, readMuxMap for kernel truth); changes nothing.
import type { Netlink } from '../netlink/rtnl.js';
import type { Sysfs } from '../sysfs/sysfs.js';
import type { Modem } from '../sysfs/discovery.js';
import { readMuxMap } from '../datapath/mux.js';
import { StateStore } from './state.js';
import { modemKey } from './select.js';

export interface UpOnModem {
  muxId: number;
  link: string | null;
  /** In rmnetctl's record (up or still starting). */
  recorded: boolean;
  /** A mux link the kernel shows on the modem's parent. */
  inKernel: boolean;
}

export async function pdnsUpOn(env: { sysfs: Sysfs; netlink: Netlink | null; stateDir?: string | undefined }, modem: Modem): Promise<UpOnModem[]> {
  const byMux = new Map<number, UpOnModem>();
  let record;
  try {
    record = new StateStore(env.stateDir).read(modemKey(modem));
  } catch {
    record = undefined; // an unreadable record is status's and down's to report; kernel truth still counts
  }
  for (const pdn of record?.pdns ?? []) byMux.set(pdn.request.muxId, { muxId: pdn.request.muxId, link: pdn.link?.name ?? null, recorded: true, inKernel: false });
  if (modem.netInterface) {
    for (const link of await readMuxMap(env.sysfs, env.netlink, modem.netInterface)) {
      const known = byMux.get(link.muxId);
      byMux.set(link.muxId, { muxId: link.muxId, link: link.name, recorded: known?.recorded ?? false, inKernel: true });
    }
  }
  return [...byMux.values()].sort((a, b) => a.muxId - b.muxId);
}

/** One warning line per PDN up, for a change of the data format under it. */
export function formatChangeWarnings(device: string, up: readonly UpOnModem[]): string[] {
  return up.map((p) =>
    `mux ${p.muxId}${p.link ? ` (${p.link})` : ''} is up on ${device} (${[p.recorded ? 'recorded' : '', p.inKernel ? 'in the kernel' : ''].filter(Boolean).join(', ')}): a new data format breaks its traffic; take it down first (rmnetctl down --mux ${p.muxId}) or bring it up again afterwards`,
  );
}
