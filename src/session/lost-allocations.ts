// Client ids nobody learned (issue 10, docs/faults.md): an Allocate CID whose answer was lost leaves the
// modem holding a client id that no Release CID can name. CTL Sync is the only request that frees it, and
// it frees every client id on the modem, anyone's, with the sessions they own. So it is sent only when that
// hurts nobody: the character device opened directly (not shared through qmi-proxy), no other process with
// the port open, ModemManager not running, and nothing of rmnetctl's own left on the modem. Otherwise the
// lost allocation is recorded, reported, and the next `down` that leaves the modem empty tries again.
import type { QmiDevice } from '../qmi/device.js';
import { serviceName } from '../qmi/enums.js';
import { findPeers } from './peers.js';
import { recordHoldsAnything, type LostAllocation, type ModemRecord } from './state.js';

export interface SyncContext {
  /** The control port as opened. */
  path: string;
  viaProxy: boolean;
  procRoot: string;
  /** The modem's record as it will be after this command (undefined: none). */
  record: ModemRecord | undefined;
}

/** Why a CTL Sync would hurt someone now, or undefined when it is safe. */
export async function syncHazard(context: SyncContext): Promise<string | undefined> {
  if (context.viaProxy) return 'the port is shared through qmi-proxy: a CTL Sync would drop the client ids of everyone using it';
  const others = context.record ? { ...context.record, lostAllocations: [] } : undefined;
  if (others && recordHoldsAnything(others)) return 'rmnetctl still has PDNs or client ids on this modem: a CTL Sync would drop them';
  const peers = await findPeers(context.procRoot, context.path);
  if (peers.modemManager) return `ModemManager runs (pid ${peers.modemManager.pid}): a CTL Sync would drop its client ids`;
  if (peers.portHolders.length > 0) {
    return `${peers.portHolders.map((p) => `${p.name} (pid ${p.pid})`).join(', ')} ${peers.portHolders.length === 1 ? 'has' : 'have'} ${context.path} open: a CTL Sync would drop their client ids`;
  }
  return undefined;
}

/**
 * Frees the client ids of `lost` Allocate CIDs with a CTL Sync when that is safe; returns the allocations
 * still lost (empty when freed), each with why it was kept.
 */
export async function freeLostAllocations(device: QmiDevice, lost: readonly LostAllocation[], context: SyncContext, log: (line: string) => void): Promise<LostAllocation[]> {
  if (lost.length === 0) return [];
  const services = lost.map((l) => l.service.toUpperCase()).join(', ');
  const hazard = await syncHazard(context);
  if (hazard === undefined) {
    try {
      await device.sync();
      log(`${context.path}: CTL Sync sent: it frees the ${services} client id(s) whose Allocate CID answer was lost (nothing else uses this modem)`);
      return [];
    } catch (error) {
      const reason = `CTL Sync failed: ${(error as Error).message}`;
      log(`${context.path}: the ${services} client id(s) whose Allocate CID answer was lost stay allocated: ${reason}`);
      return lost.map((l) => ({ ...l, reason }));
    }
  }
  log(`${context.path}: the ${services} client id(s) whose Allocate CID answer was lost stay allocated on the modem, recorded: ${hazard}; the next "rmnetctl down" that leaves the modem unused frees them`);
  return lost.map((l) => ({ ...l, reason: hazard }));
}

/** The services a device still owes an Allocate CID answer for, after its grace, as lost allocations. */
export async function settleLostAllocations(device: QmiDevice): Promise<LostAllocation[]> {
  const at = new Date().toISOString();
  return (await device.settleAllocations()).map((service) => ({ service: serviceName(service), at, reason: 'not yet freed' }));
}
