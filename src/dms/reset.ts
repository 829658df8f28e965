// Resetting a modem over QMI, as ModemManager does: DMS Set Operating Mode offline, then reset. The
// firmware restarts and (on USB) the device re-enumerates: every client id and session is gone.
import { QmiService } from '../qmi/enums.js';
import type { QmiDevice } from '../qmi/device.js';
import { RmnetError } from '../errors.js';
import { dmsSetOperatingMode } from './messages.js';

/** Errors that mean the modem went away while answering reset, i.e. the reset is under way. */
const GONE = new Set(['QMI_TIMEOUT', 'MODEM_RESET', 'DEVICE_CLOSED', 'CLIENT_GONE', 'CLIENT_ORPHANED', 'DEVICE_GONE']);

/**
 * Asks the modem to restart. Throws when it refuses (the error of the refused step); a modem that refuses
 * reset after going offline is put back online first, so a refusal never leaves it without radio.
 */
export async function resetModem(device: QmiDevice): Promise<void> {
  const dms = await device.allocateClient(QmiService.DMS);
  let restarting = false;
  try {
    await dms.request(dmsSetOperatingMode, { mode: 'offline' });
    try {
      await dms.request(dmsSetOperatingMode, { mode: 'reset' });
      restarting = true;
    } catch (error) {
      // The answer to reset may never come: firmware often restarts before sending it.
      if (error instanceof RmnetError && GONE.has(error.code)) {
        restarting = true;
        return;
      }
      await dms.request(dmsSetOperatingMode, { mode: 'online' }).catch(() => {});
      throw error;
    }
  } finally {
    // A restarted modem forgot the client id: releasing it would only wait for an answer that cannot come.
    if (restarting) dms.abandon();
    else await dms.release().catch(() => {});
  }
}
