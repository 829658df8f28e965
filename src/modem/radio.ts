// The radio and SIM context of a modem: operating mode (DMS), registration and signal (NAS), SIM state (UIM).
// Each is optional: firmware without NAS or UIM, or one that refuses a message, still gives the rest, and
// the refused field is null with the modem's reason (modem/optional.ts). Clients are released on return.
import type { QmiDevice } from '../qmi/device.js';
import { QmiService } from '../qmi/enums.js';
import { enumField } from '../qmi/fields.js';
import { dmsGetOperatingMode } from '../dms/messages.js';
import { getServingSystem, getSignal, getSystemInfo, registrationOf, type Registration, type Signal } from '../nas/radio.js';
import { getSimStatus, type SimStatus } from '../uim/card.js';
import { optional, type Answer } from './optional.js';

export interface RadioReport {
  /** libqmi's QmiDmsOperatingMode name: online, low-power, offline, ... */
  operatingMode: Answer<string>;
  registration: Answer<Registration>;
  signal: Answer<Signal>;
  sim: Answer<SimStatus>;
}

const unavailable = (reason: string) => ({ value: null, unavailable: reason }) as const;

export async function collectRadio(device: QmiDevice): Promise<RadioReport> {
  const [operatingMode, nas, sim] = await Promise.all([
    optional(() =>
      device.withClient(QmiService.DMS, async (dms) => {
        const mode = enumField((await dms.request(dmsGetOperatingMode)).fields, 'mode');
        return mode === undefined ? 'unknown' : String(mode);
      }),
    ),
    optional(() =>
      device.withClient(QmiService.NAS, async (client) => {
        const [serving, system, signal] = await Promise.all([
          optional(() => getServingSystem(client)),
          optional(() => getSystemInfo(client)),
          optional(() => getSignal(client)),
        ]);
        return { serving, system, signal };
      }),
    ),
    optional(() => device.withClient(QmiService.UIM, getSimStatus)),
  ]);
  let registration: Answer<Registration>;
  let signal: Answer<Signal>;
  if (nas.value === null) {
    registration = unavailable(nas.unavailable);
    signal = unavailable(nas.unavailable);
  } else {
    const { serving, system } = nas.value;
    // Either answer tells the registration; only when both are refused is it unknown.
    registration =
      serving.value === null && system.value === null
        ? unavailable(`${serving.unavailable}; ${system.unavailable}`)
        : { value: registrationOf(serving.value, system.value) };
    signal = nas.value.signal;
  }
  return { operatingMode, registration, signal, sim };
}
