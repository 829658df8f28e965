// NAS enum tables, named as libqmi prints them (libqmi 1.32 qmi-enums-nas.h).
import type { EnumTable } from '../qmi/schema.js';

/** QmiNasRadioInterface: 5G NR is 0x0C. */
export const NAS_RADIO_INTERFACE: EnumTable = { 0: 'none', 1: 'cdma-1x', 2: 'cdma-1xevdo', 3: 'amps', 4: 'gsm', 5: 'umts', 8: 'lte', 9: 'td-scdma', 0x0c: '5gnr' };
export const NAS_REGISTRATION_STATE: EnumTable = { 0: 'not-registered', 1: 'registered', 2: 'not-registered-searching', 3: 'registration-denied', 4: 'unknown' };
export const NAS_ATTACH_STATE: EnumTable = { 0: 'unknown', 1: 'attached', 2: 'detached' };
export const NAS_NETWORK_TYPE: EnumTable = { 0: 'unknown', 1: '3gpp2', 2: '3gpp' };
export const NAS_SERVICE_STATUS: EnumTable = { 0: 'none', 1: 'limited', 2: 'available', 3: 'limited-regional', 4: 'power-save' };
export const NAS_SERVICE_DOMAIN: EnumTable = { 0: 'none', 1: 'cs', 2: 'ps', 3: 'cs-ps', 4: 'unknown' };
/** QmiNasRoamingIndicatorStatus (Get Serving System 0x10): note 0 is "on", 1 is "off". */
export const NAS_ROAMING_INDICATOR: EnumTable = { 0: 'on', 1: 'off' };
/** QmiNasRoamingStatus (System Info v2 structs): 0 off, 1 on. */
export const NAS_ROAMING_STATUS: EnumTable = { 0: 'off', 1: 'on' };
/** QmiNasRejectCause (the values the emulated firmware sends; others decode to their number). */
export const NAS_REJECT_CAUSE: EnumTable = { 0: 'none', 2: 'imsi-unknown-in-hlr', 3: 'illegal-ms', 6: 'illegal-me', 7: 'gprs-services-not-allowed', 11: 'plmn-not-allowed' };
export const NAS_DATA_CAPABILITY: EnumTable = {
  0: 'none', 1: 'gprs', 2: 'edge', 3: 'hsdpa', 4: 'hsupa', 5: 'wcdma', 6: 'cdma', 7: 'evdo-rev-0', 8: 'evdo-rev-a', 9: 'gsm', 10: 'evdo-rev-b', 11: 'lte', 12: 'hsdpa-plus', 13: 'dc-hsdpa-plus',
};
