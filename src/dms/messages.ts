// DMS (Device Management) messages rmnetctl asks for `rmnetctl info` and the radio context, and the
// operating mode the supervisor's recovery ladder uses to reset a modem, declared as data. TLV ids checked
// against libqmi 1.32's decoder (test/host/qmi/libqmi-decode.test.ts).
import { string, u8, type EnumTable, type MessageSchema } from '../qmi/schema.js';
import { QmiService } from '../qmi/enums.js';
import { registerMessages } from '../qmi/catalog.js';

export const dmsGetModel = {
  service: QmiService.DMS,
  id: 0x0022,
  name: 'Get Model',
  request: [],
  response: [{ id: 0x01, name: 'model', type: string }],
} as const satisfies MessageSchema;

export const dmsGetRevision = {
  service: QmiService.DMS,
  id: 0x0023,
  name: 'Get Revision',
  request: [],
  response: [{ id: 0x01, name: 'revision', type: string }],
} as const satisfies MessageSchema;

export const dmsGetIds = {
  service: QmiService.DMS,
  id: 0x0025,
  name: 'Get IDs',
  request: [],
  response: [
    { id: 0x10, name: 'esn', type: string },
    { id: 0x11, name: 'imei', type: string },
    { id: 0x12, name: 'meid', type: string },
    { id: 0x13, name: 'imeiSoftwareVersion', type: string },
  ],
} as const satisfies MessageSchema;

/** QmiDmsOperatingMode (libqmi 1.32). */
export const DMS_OPERATING_MODE: EnumTable = {
  0: 'online', 1: 'low-power', 2: 'factory-test', 3: 'offline', 4: 'reset', 5: 'shutting-down', 6: 'persistent-low-power', 7: 'mode-only-low-power',
};

export const dmsGetOperatingMode = {
  service: QmiService.DMS,
  id: 0x002d,
  name: 'Get Operating Mode',
  request: [],
  response: [
    { id: 0x01, name: 'mode', type: u8(DMS_OPERATING_MODE) },
    { id: 0x11, name: 'hardwareRestrictedMode', type: u8() },
  ],
} as const satisfies MessageSchema;


/** 0x002E: "reset" restarts the firmware (the USB device re-enumerates); firmware wants "offline" first. */
export const dmsSetOperatingMode = {
  service: QmiService.DMS,
  id: 0x002e,
  name: 'Set Operating Mode',
  request: [{ id: 0x01, name: 'mode', type: u8(DMS_OPERATING_MODE) }],
  response: [],
} as const satisfies MessageSchema;

registerMessages([dmsGetModel, dmsGetRevision, dmsGetIds, dmsGetOperatingMode, dmsSetOperatingMode]);
