// CTL messages (the control service every other one needs: client ids, versions, resets), declared as data (see schema.ts). TLV ids checked against libqmi 1.32's decoder.
import { array, string, struct, u16, u8, type MessageSchema } from './schema.js';
import { SERVICE_NAMES, QmiService } from './enums.js';
import { registerMessages } from './catalog.js';

const service = u8(SERVICE_NAMES);
const allocation = struct(['service', service], ['clientId', u8()]);

export const ctlGetVersionInfo = {
  service: QmiService.CTL,
  id: 0x0021,
  name: 'Get Version Info',
  request: [],
  response: [{ id: 0x01, name: 'services', type: array('u8', struct(['service', service], ['major', u16()], ['minor', u16()])) }],
} as const satisfies MessageSchema;

export const ctlAllocateCid = {
  service: QmiService.CTL,
  id: 0x0022,
  name: 'Allocate CID',
  request: [{ id: 0x01, name: 'service', type: service }],
  response: [{ id: 0x01, name: 'allocation', type: allocation }],
} as const satisfies MessageSchema;

export const ctlReleaseCid = {
  service: QmiService.CTL,
  id: 0x0023,
  name: 'Release CID',
  request: [{ id: 0x01, name: 'release', type: allocation }],
  response: [{ id: 0x01, name: 'release', type: allocation }],
} as const satisfies MessageSchema;

/** Also an indication from the modem after it resets: every client id is gone. */
export const ctlSync = {
  service: QmiService.CTL,
  id: 0x0027,
  name: 'Sync',
  request: [],
  response: [],
  indication: [],
} as const satisfies MessageSchema;

/** Understood by qmi-proxy only: names the device the connection is for. The path travels without a NUL. */
export const ctlInternalProxyOpen = {
  service: QmiService.CTL,
  id: 0xff00,
  name: 'Internal Proxy Open',
  request: [{ id: 0x01, name: 'devicePath', type: string }],
  response: [],
} as const satisfies MessageSchema;

registerMessages([ctlGetVersionInfo, ctlAllocateCid, ctlReleaseCid, ctlSync, ctlInternalProxyOpen]);
