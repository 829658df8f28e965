// Enum tables of the QMI basics, named as libqmi prints them: services, QMI errors, the data endpoint WDA
// and WDS both name; and the name look-ups the error messages use. Numeric values from libqmi 1.32 (see
// docs/qmi.md). Service enums live with their service (wda/enums.ts, wds/enums.ts, wds/call-end.ts).
import { QMI_PROTOCOL_ERRORS } from './enum-tables.js';
import type { EnumTable } from './schema.js';

export { QMI_PROTOCOL_ERRORS };

export const QmiService = { CTL: 0x00, WDS: 0x01, DMS: 0x02, NAS: 0x03, QOS: 0x04, UIM: 0x0b, WDA: 0x1a } as const;
export type QmiServiceId = number;

export const SERVICE_NAMES: EnumTable = { 0x00: 'ctl', 0x01: 'wds', 0x02: 'dms', 0x03: 'nas', 0x04: 'qos', 0x0b: 'uim', 0x1a: 'wda' };

export function serviceName(service: number): string {
  return SERVICE_NAMES[service] ?? `service 0x${service.toString(16).padStart(2, '0')}`;
}

/** QMI error code to libqmi's name ("CallFailed"), or "Error<n>" for codes libqmi does not know. */
export function qmiErrorName(code: number): string {
  return QMI_PROTOCOL_ERRORS[code] ?? `Error${code}`;
}

/** The QMI errors code checks for by name. */
export const QmiError = {
  None: 0,
  MalformedMessage: 1,
  Internal: 3,
  ClientIdsExhausted: 5,
  InvalidClientId: 7,
  InvalidHandle: 9,
  InvalidProfile: 10,
  CallFailed: 14,
  OutOfCall: 15,
  MissingArgument: 17,
  DeviceInUse: 23,
  NoEffect: 26,
  InvalidDataFormat: 45,
  InvalidArgument: 48,
  InvalidIpFamilyPreference: 64,
  InvalidOperation: 70,
  InvalidServiceType: 31,
  InvalidQmiCommand: 71,
  NotSupported: 94,
} as const;

export const ENDPOINT_TYPE: EnumTable = { 0: 'undefined', 1: 'hsic', 2: 'hsusb', 3: 'pcie', 4: 'embedded', 5: 'bam-dmux' };
export type EndpointType = 'undefined' | 'hsic' | 'hsusb' | 'pcie' | 'embedded' | 'bam-dmux';
