// DMS (Device Management) messages rmnetctl asks for `rmnetctl info`, declared as data. TLV ids checked
// against libqmi 1.32's decoder.
import { string, type MessageSchema } from '../qmi/schema.js';
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

registerMessages([dmsGetModel, dmsGetRevision, dmsGetIds]);
