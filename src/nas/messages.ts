// NAS (Network Access Service) messages rmnetctl reads for its radio context, declared as data. TLV ids and
// layouts from libqmi 1.32's data/qmi-service-nas.json, checked against libqmi's decoder
// (test/host/qmi/libqmi-decode-services.test.ts).
//
// Signed fields (gint8/gint16) travel as u8/u16 here and are read as signed by nas/radio.ts. A fixed-size
// string inside a struct (System Info's MCC/MNC, "string fixed:3") is three u8 (plmnDigit3).
import { array, string8, struct, u16, u32, u8, type FieldType, type MessageSchema } from '../qmi/schema.js';
import { QmiService } from '../qmi/enums.js';
import { registerMessages } from '../qmi/catalog.js';
import {
  NAS_ATTACH_STATE, NAS_DATA_CAPABILITY, NAS_NETWORK_TYPE, NAS_RADIO_INTERFACE, NAS_REGISTRATION_STATE, NAS_REJECT_CAUSE, NAS_ROAMING_INDICATOR,
  NAS_ROAMING_STATUS, NAS_SERVICE_DOMAIN, NAS_SERVICE_STATUS,
} from './enums.js';

const bool = u8();

/** Three characters, 0xFF-padded ("01" + 0xFF for a two-digit MNC), as three u8. */
export const plmnDigit3: FieldType = struct(['d0', u8()], ['d1', u8()], ['d2', u8()]);

const servingSystem = struct(
  ['registrationState', u8(NAS_REGISTRATION_STATE)], ['csAttachState', u8(NAS_ATTACH_STATE)], ['psAttachState', u8(NAS_ATTACH_STATE)],
  ['selectedNetwork', u8(NAS_NETWORK_TYPE)], ['radioInterfaces', array('u8', u8(NAS_RADIO_INTERFACE))],
);
export const currentPlmn = struct(['mcc', u16()], ['mnc', u16()], ['description', string8]);

/** Get Serving System; its indication (same id) numbers the later TLVs one higher. */
export const nasGetServingSystem = {
  service: QmiService.NAS, id: 0x0024, name: 'Get Serving System', request: [],
  response: [
    { id: 0x01, name: 'servingSystem', type: servingSystem },
    { id: 0x10, name: 'roamingIndicator', type: u8(NAS_ROAMING_INDICATOR) },
    { id: 0x11, name: 'dataServiceCapability', type: array('u8', u8(NAS_DATA_CAPABILITY)) },
    { id: 0x12, name: 'currentPlmn', type: currentPlmn },
    { id: 0x1c, name: 'lac3gpp', type: u16() },
    { id: 0x1d, name: 'cid3gpp', type: u32() },
    { id: 0x24, name: 'lteTac', type: u16() },
  ],
  indication: [
    { id: 0x01, name: 'servingSystem', type: servingSystem },
    { id: 0x10, name: 'roamingIndicator', type: u8(NAS_ROAMING_INDICATOR) },
    { id: 0x11, name: 'dataServiceCapability', type: array('u8', u8(NAS_DATA_CAPABILITY)) },
    { id: 0x12, name: 'currentPlmn', type: currentPlmn },
    { id: 0x1d, name: 'lac3gpp', type: u16() },
    { id: 0x1e, name: 'cid3gpp', type: u32() },
    { id: 0x25, name: 'lteTac', type: u16() },
  ],
  indicationName: 'Serving System',
} as const satisfies MessageSchema;

export const serviceStatus = struct(['serviceStatus', u8(NAS_SERVICE_STATUS)], ['trueServiceStatus', u8(NAS_SERVICE_STATUS)], ['preferredDataPath', bool]);
/** "LTE System Info v2"; NR5G System Info has the same layout. */
export const lteSystemInfo = struct(
  ['domainValid', bool], ['domain', u8(NAS_SERVICE_DOMAIN)], ['serviceCapabilityValid', bool], ['serviceCapability', u8(NAS_SERVICE_DOMAIN)],
  ['roamingStatusValid', bool], ['roamingStatus', u8(NAS_ROAMING_STATUS)], ['forbiddenValid', bool], ['forbidden', bool],
  ['lacValid', bool], ['lac', u16()], ['cidValid', bool], ['cid', u32()],
  ['registrationRejectInfoValid', bool], ['registrationRejectDomain', u8(NAS_SERVICE_DOMAIN)], ['registrationRejectCause', u8(NAS_REJECT_CAUSE)],
  ['networkIdValid', bool], ['mcc', plmnDigit3], ['mnc', plmnDigit3], ['tacValid', bool], ['tac', u16()],
);

export const nasGetSystemInfo = {
  service: QmiService.NAS, id: 0x004d, name: 'Get System Info', request: [],
  response: [
    { id: 0x14, name: 'lteServiceStatus', type: serviceStatus },
    { id: 0x19, name: 'lteSystemInfo', type: lteSystemInfo },
    { id: 0x4a, name: 'nr5gServiceStatus', type: serviceStatus },
    { id: 0x4b, name: 'nr5gSystemInfo', type: lteSystemInfo },
    { id: 0x4e, name: 'eutraWithNr5gAvailability', type: bool },
  ],
} as const satisfies MessageSchema;

/** LTE: RSSI gint8 dBm, RSRQ gint8 dB, RSRP gint16 dBm, SNR gint16 in 0.1 dB. 5G: RSRP gint16 dBm, SNR gint16
 *  0.1 dB; "Extended" is the 5G RSRQ, gint16 dB. -32768 means "not measured" (EN-DC without an NR leg). */
export const signalInfoTlvs = [
  { id: 0x14, name: 'lteSignalStrength', type: struct(['rssi', u8()], ['rsrq', u8()], ['rsrp', u16()], ['snr', u16()]) },
  { id: 0x17, name: 'nr5gSignalStrength', type: struct(['rsrp', u16()], ['snr', u16()]) },
  { id: 0x18, name: 'nr5gSignalStrengthExtended', type: u16() },
] as const;

export const nasGetSignalInfo = {
  service: QmiService.NAS, id: 0x004f, name: 'Get Signal Info', request: [], response: signalInfoTlvs,
} as const satisfies MessageSchema;

registerMessages([nasGetServingSystem, nasGetSystemInfo, nasGetSignalInfo]);
