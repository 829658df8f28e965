// Resetting a modem over QMI, as ModemManager does: DMS Set Operating Mode offline, then reset. The
// firmware restarts and (on USB) the device re-enumerates: every client id and session is gone.
//
// What makes this hard is the answers that do not come. No answer to "offline" may mean the modem went
// offline and the answer was lost; no answer to "reset" may mean it is restarting (firmware often restarts
// before answering) or that the request never arrived and the modem sits offline. A modem left offline has no
// radio until someone notices, so: after "offline" fails, "online" is sent (harmless when it is online);
// after "reset" goes unanswered, the modem is asked for its mode, and one that answers "offline" did not
// restart: it is put back online and the reset reported as not done. `ensureOnline` is the last check,
// on the port that came back (a port lost mid-reset tells nothing about what the modem did).
import { QmiService } from '../qmi/enums.js';
import type { QmiDevice } from '../qmi/device.js';
import { Category, RmnetError } from '../errors.js';
import { dmsGetOperatingMode, dmsSetOperatingMode } from './messages.js';

/** Errors that mean the modem went away while answering reset, i.e. the reset is under way. */
const GONE = new Set(['MODEM_RESET', 'DEVICE_CLOSED', 'CLIENT_GONE', 'CLIENT_ORPHANED', 'DEVICE_GONE']);

const code = (error: unknown) => (error instanceof RmnetError ? error.code : undefined);

/**
 * Asks the modem to restart. Throws when it refuses or did not do it (the error of the step); a modem that
 * may have gone offline is put back online first, so a failed reset never leaves it without radio.
 */
export async function resetModem(device: QmiDevice): Promise<void> {
  const dms = await device.allocateClient(QmiService.DMS);
  let restarting = false;
  const backOnline = () => dms.request(dmsSetOperatingMode, { mode: 'online' }).then(() => undefined, () => undefined);
  try {
    try {
      await dms.request(dmsSetOperatingMode, { mode: 'offline' });
    } catch (error) {
      if (code(error) === 'MODEM_RESET') {
        restarting = true; // it restarted instead of answering: what was asked for, a step early
        return;
      }
      if (code(error) === 'QMI_TIMEOUT') await backOnline(); // it may be offline with the answer lost
      throw error;
    }
    try {
      await dms.request(dmsSetOperatingMode, { mode: 'reset' });
      restarting = true;
    } catch (error) {
      if (GONE.has(code(error) ?? '')) {
        restarting = true;
        return;
      }
      if (code(error) === 'QMI_TIMEOUT') {
        // Restarting, or the request was lost: a modem that still answers tells which.
        const mode = await dms.request(dmsGetOperatingMode).then((r) => r.fields.mode, (e: unknown) => e);
        if (mode instanceof Error || mode === undefined) {
          restarting = true;
          return;
        }
        await backOnline();
        throw new RmnetError('RESET_NOT_DONE', `${device.path}: DMS Set Operating Mode reset got no answer and the modem still answers (${String(mode)}): it did not restart; put back online`, Category.failure, {
          path: device.path,
          operatingMode: mode,
        }, { cause: error });
      }
      await backOnline();
      throw error;
    }
  } finally {
    // A restarted modem forgot the client id: releasing it would only wait for an answer that cannot come.
    if (restarting) dms.abandon();
    else await dms.release().catch(() => {});
  }
}

/**
 * After a reset attempt, on the port that is there now: a modem in "offline" (a mode only a command puts it
 * in, never the one it boots into) is put online. Returns what it found; refusals and errors are thrown.
 */
export async function ensureOnline(device: QmiDevice): Promise<'online' | 'put-online' | string> {
  return device.withClient(QmiService.DMS, async (dms) => {
    const mode = (await dms.request(dmsGetOperatingMode)).fields.mode;
    if (mode !== 'offline') return typeof mode === 'string' ? mode : 'online';
    await dms.request(dmsSetOperatingMode, { mode: 'online' });
    return 'put-online';
  });
}
