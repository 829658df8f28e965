// The DMS, NAS, UIM and WDS messages the emulated firmware answers for ModemManager's probing and enabling
// (issue #12), declared as data like src/qmi/messages.ts. TLV ids, layouts and enum values from libqmi 1.32's
// service definitions (data/qmi-service-{dms,nas,uim,wds}.json, qmi-enums-*.h); the host test
// test/host/qmi/libqmi-decode.test.ts puts every answer through libqmi's own decoder.
//
// Signed fields (gint8/gint16) travel as their two's complement in u8/u16 (see s8/s16). A fixed-size string
// inside a struct (NAS's MCC/MNC, "string fixed:3") is three u8 (see plmnDigits).
import { array, bytes, string, struct, u16, u32, u64, u8, type EnumTable, type FieldType, type FieldValue, type MessageSchema } from '../../../src/qmi/schema.js';
// The messages rmnetctl itself reads (radio and SIM context, packet statistics) are declared once, in src/.
import { DMS_OPERATING_MODE, dmsGetOperatingMode, dmsSetOperatingMode } from '../../../src/dms/messages.js';
import {
  NAS_ATTACH_STATE, NAS_DATA_CAPABILITY, NAS_NETWORK_TYPE, NAS_RADIO_INTERFACE, NAS_REGISTRATION_STATE, NAS_REJECT_CAUSE, NAS_ROAMING_INDICATOR,
  NAS_ROAMING_STATUS, NAS_SERVICE_DOMAIN, NAS_SERVICE_STATUS,
} from '../../../src/nas/enums.js';
import { currentPlmn, lteSystemInfo, nasGetServingSystem, nasGetSignalInfo, nasGetSystemInfo, plmnDigit3, serviceStatus, signalInfoTlvs } from '../../../src/nas/messages.js';
import {
  UIM_APPLICATION_STATE, UIM_APPLICATION_TYPE, UIM_CARD_ERROR, UIM_CARD_STATE, UIM_PERSONALIZATION_FEATURE, UIM_PERSONALIZATION_STATE, UIM_PIN_STATE,
} from '../../../src/uim/enums.js';
import { cardStatus, uimGetCardStatus } from '../../../src/uim/messages.js';
import { packetStatisticsMask, wdsGetPacketStatistics } from '../../../src/wds/messages.js';
import { PACKET_STATISTICS_FLAGS as WDS_PACKET_STATISTICS_MASK } from '../../../src/wds/enums.js';
import { profileAuthenticationMask, profileSettingsTlvs, WDS_PDP_TYPE, WDS_PROFILE_TYPE, wdsGetProfileList, wdsGetProfileSettings } from '../../../src/wds/profiles.js';

export {
  DMS_OPERATING_MODE, dmsGetOperatingMode, NAS_ATTACH_STATE, NAS_DATA_CAPABILITY, NAS_NETWORK_TYPE, NAS_RADIO_INTERFACE, NAS_REGISTRATION_STATE,
  NAS_REJECT_CAUSE, NAS_ROAMING_INDICATOR, NAS_ROAMING_STATUS, NAS_SERVICE_DOMAIN, NAS_SERVICE_STATUS, nasGetServingSystem, nasGetSignalInfo,
  nasGetSystemInfo, plmnDigit3, UIM_APPLICATION_STATE, UIM_APPLICATION_TYPE, UIM_CARD_ERROR, UIM_CARD_STATE, UIM_PERSONALIZATION_FEATURE,
  UIM_PERSONALIZATION_STATE, UIM_PIN_STATE, uimGetCardStatus, wdsGetPacketStatistics, WDS_PACKET_STATISTICS_MASK,
  WDS_PDP_TYPE, WDS_PROFILE_TYPE, wdsGetProfileList, wdsGetProfileSettings,
};

export const UIM_SERVICE = 0x0b;
const DMS = 0x02;
const NAS = 0x03;
const WDS = 0x01;

const string8: FieldType = { kind: 'string8' };
const bool = u8();

/** gint8 / gint16 on the wire. */
export const s8 = (n: number): number => n & 0xff;
export const s16 = (n: number): number => n & 0xffff;
/** A three-character fixed-size string (MCC "001", MNC "01" + 0xFF for two digits) as plmnDigit3's three u8. */
export function plmnDigits(text: string): FieldValue {
  const c = (i: number) => (i < text.length ? text.charCodeAt(i) : 0xff);
  return { d0: c(0), d1: c(1), d2: c(2) };
}

// ---- enums (libqmi names) ------------------------------------------------------------------------------
// rmnetctl's own (the supervisor resets a modem with it): one schema for both sides.
export { dmsSetOperatingMode };
export const DMS_RADIO_INTERFACE: EnumTable = { 1: 'cdma20001x', 2: 'evdo', 4: 'gsm', 5: 'umts', 8: 'lte', 9: 'tds', 10: '5gnr' };
export const DMS_UIM_PIN_STATUS: EnumTable = {
  0: 'not-initialized', 1: 'enabled-not-verified', 2: 'enabled-verified', 3: 'disabled', 4: 'blocked', 5: 'permanently-blocked', 6: 'unblocked', 7: 'changed',
};
export const DMS_DATA_SERVICE_CAPABILITY: EnumTable = { 0: 'none', 1: 'cs', 2: 'ps', 3: 'simultaneous-cs-ps', 4: 'non-simultaneous-cs-ps' };
export const DMS_SIM_CAPABILITY: EnumTable = { 1: 'not-supported', 2: 'supported' };
export const DMS_TIME_SOURCE: EnumTable = { 0: 'device', 1: 'cdma-network', 2: 'hdr-network' };
export const UIM_SESSION_TYPE: EnumTable = { 0: 'primary-gw-provisioning', 1: 'primary-1x-provisioning', 2: 'secondary-gw-provisioning', 3: 'secondary-1x-provisioning', 6: 'card-slot-1' };
/** QmiUimPhysicalCardState: 0 is unknown, absent is 1. */
export const UIM_PHYSICAL_CARD_STATE: EnumTable = { 0: 'unknown', 1: 'absent', 2: 'present' };
export const UIM_SLOT_STATE: EnumTable = { 0: 'inactive', 1: 'active' };
export const UIM_CARD_PROTOCOL: EnumTable = { 0: 'unknown', 1: 'icc', 2: 'uicc' };

/** Bit masks libqmi prints as flag names (lowest bit first); the decoder checks compare them by name. */
export const NAS_SIGNAL_STRENGTH_REQUEST: EnumTable = { 1: 'rssi', 2: 'ecio', 4: 'io', 8: 'sinr', 16: 'error-rate', 32: 'rsrq', 64: 'lte-snr', 128: 'lte-rsrp' };
export const WDS_AUTHENTICATION: EnumTable = { 1: 'pap', 2: 'chap' };
const signalStrengthMask = u16();
const authenticationMask = profileAuthenticationMask;
export const FLAG_TABLES = new Map<FieldType, EnumTable>([
  [signalStrengthMask, NAS_SIGNAL_STRENGTH_REQUEST],
  [packetStatisticsMask, WDS_PACKET_STATISTICS_MASK],
  [authenticationMask, WDS_AUTHENTICATION],
]);
/** The 6-byte Time Count of DMS Get Time as a u32 (low) and a u16 (high). */
export const timeCount48: FieldType = struct(['low', u32()], ['high', u16()]);

/** QmiUimEventRegistrationFlag; a single flag decodes to its name (libqmi prints a mask as names). */
export const UIM_EVENT_REGISTRATION: EnumTable = { 1: 'card-status', 2: 'sap-connection', 4: 'extended-card-status', 8: 'close-provisioning-sessions', 16: 'physical-slot-status' };

// ---- DMS -------------------------------------------------------------------------------------------------
export const dmsSetEventReport = {
  service: DMS, id: 0x0001, name: 'Set Event Report',
  request: [
    { id: 0x10, name: 'powerStateReporting', type: bool },
    { id: 0x12, name: 'pinStateReporting', type: bool },
    { id: 0x13, name: 'activationStateReporting', type: bool },
    { id: 0x14, name: 'operatingModeReporting', type: bool },
    { id: 0x15, name: 'uimStateReporting', type: bool },
    { id: 0x16, name: 'wirelessDisableStateReporting', type: bool },
    { id: 0x17, name: 'prlInitReporting', type: bool },
  ],
  response: [],
  indication: [{ id: 0x14, name: 'operatingMode', type: u8(DMS_OPERATING_MODE) }],
  indicationName: 'Event Report',
} as const satisfies MessageSchema;

export const dmsGetCapabilities = {
  service: DMS, id: 0x0020, name: 'Get Capabilities', request: [],
  response: [{
    id: 0x01, name: 'info',
    type: struct(['maxTxChannelRate', u32()], ['maxRxChannelRate', u32()], ['dataServiceCapability', u8(DMS_DATA_SERVICE_CAPABILITY)], ['simCapability', u8(DMS_SIM_CAPABILITY)],
      ['radioInterfaceList', array('u8', u8(DMS_RADIO_INTERFACE))]),
  }],
} as const satisfies MessageSchema;

export const dmsGetManufacturer = {
  service: DMS, id: 0x0021, name: 'Get Manufacturer', request: [], response: [{ id: 0x01, name: 'manufacturer', type: string }],
} as const satisfies MessageSchema;

export const dmsGetMsisdn = {
  service: DMS, id: 0x0024, name: 'Get MSISDN', request: [], response: [{ id: 0x01, name: 'msisdn', type: string }],
} as const satisfies MessageSchema;

const pinStatus = struct(['currentStatus', u8(DMS_UIM_PIN_STATUS)], ['verifyRetriesLeft', u8()], ['unblockRetriesLeft', u8()]);
export const dmsUimGetPinStatus = {
  service: DMS, id: 0x002b, name: 'UIM Get PIN Status', request: [],
  response: [{ id: 0x11, name: 'pin1Status', type: pinStatus }, { id: 0x12, name: 'pin2Status', type: pinStatus }],
} as const satisfies MessageSchema;

export const dmsGetHardwareRevision = {
  service: DMS, id: 0x002c, name: 'Get Hardware Revision', request: [], response: [{ id: 0x01, name: 'revision', type: string }],
} as const satisfies MessageSchema;


/** Time Count: a 6-byte count of 1.25 ms units since 1980-01-06 (timeCount48). */
export const dmsGetTime = {
  service: DMS, id: 0x002f, name: 'Get Time', request: [],
  response: [
    { id: 0x01, name: 'deviceTime', type: struct(['timeCount', timeCount48], ['timeSource', u16(DMS_TIME_SOURCE)]) },
    { id: 0x10, name: 'systemTime', type: u64 },
    { id: 0x11, name: 'userTime', type: u64 },
  ],
} as const satisfies MessageSchema;

// ---- UIM -------------------------------------------------------------------------------------------------
export const uimReadTransparent = {
  service: UIM_SERVICE, id: 0x0020, name: 'Read Transparent',
  request: [
    { id: 0x01, name: 'session', type: struct(['sessionType', u8(UIM_SESSION_TYPE)], ['applicationIdentifier', array('u8', u8())]) },
    { id: 0x02, name: 'file', type: struct(['fileId', u16()], ['filePath', array('u8', u8())]) },
    { id: 0x03, name: 'readInformation', type: struct(['offset', u16()], ['length', u16()]) },
    { id: 0x10, name: 'responseInIndicationToken', type: u32() },
    { id: 0x11, name: 'encryptData', type: bool },
  ],
  response: [
    { id: 0x10, name: 'cardResult', type: struct(['sw1', u8()], ['sw2', u8()]) },
    { id: 0x11, name: 'readResult', type: array('u16', u8()) },
  ],
} as const satisfies MessageSchema;

export const uimRegisterEvents = {
  service: UIM_SERVICE, id: 0x002e, name: 'Register Events',
  request: [{ id: 0x01, name: 'eventRegistrationMask', type: u32(UIM_EVENT_REGISTRATION) }],
  response: [{ id: 0x10, name: 'eventRegistrationMask', type: u32(UIM_EVENT_REGISTRATION) }],
} as const satisfies MessageSchema;


/** The Card Status indication (0x0032) has the Get Card Status layout. */
export const uimCardStatusIndication = {
  service: UIM_SERVICE, id: 0x0032, name: 'Card Status', request: [], response: [], indication: [{ id: 0x10, name: 'cardStatus', type: cardStatus }],
} as const satisfies MessageSchema;

export const uimGetSlotStatus = {
  service: UIM_SERVICE, id: 0x0047, name: 'Get Slot Status', request: [],
  response: [
    { id: 0x10, name: 'physicalSlotStatus', type: array('u8', struct(['physicalCardStatus', u32(UIM_PHYSICAL_CARD_STATE)], ['physicalSlotStatus', u32(UIM_SLOT_STATE)], ['logicalSlot', u8()], ['iccid', array('u8', u8())])) },
    { id: 0x11, name: 'physicalSlotInformation', type: array('u8', struct(['cardProtocol', u32(UIM_CARD_PROTOCOL)], ['validApplications', u8()], ['atrValue', array('u8', u8())], ['isEuicc', bool])) },
  ],
} as const satisfies MessageSchema;

// ---- NAS -------------------------------------------------------------------------------------------------
export const nasRegisterIndications = {
  service: NAS, id: 0x0003, name: 'Register Indications',
  request: [
    { id: 0x10, name: 'systemSelectionPreference', type: bool },
    { id: 0x12, name: 'ddtmEvents', type: bool },
    { id: 0x13, name: 'servingSystemEvents', type: bool },
    { id: 0x14, name: 'dualStandbyPreference', type: bool },
    { id: 0x15, name: 'subscriptionInfo', type: bool },
    { id: 0x17, name: 'networkTime', type: bool },
    { id: 0x18, name: 'systemInfo', type: bool },
    { id: 0x19, name: 'signalInfo', type: bool },
    { id: 0x1a, name: 'errorRate', type: bool },
    { id: 0x1b, name: 'hdrNewUatiAssigned', type: bool },
    { id: 0x1c, name: 'hdrSessionClosed', type: bool },
    { id: 0x1d, name: 'managedRoaming', type: bool },
    { id: 0x1e, name: 'currentPlmnName', type: bool },
    { id: 0x1f, name: 'embmsStatus', type: bool },
    { id: 0x20, name: 'rfBandInformation', type: bool },
    { id: 0x21, name: 'networkRejectInformation', type: struct(['enable', bool], ['supressSystemInfo', bool]) },
  ],
  response: [],
} as const satisfies MessageSchema;

const radioStrength = struct(['strength', u8()], ['radioInterface', u8(NAS_RADIO_INTERFACE)]);
export const nasGetSignalStrength = {
  service: NAS, id: 0x0020, name: 'Get Signal Strength',
  request: [{ id: 0x10, name: 'requestMask', type: signalStrengthMask }],
  response: [
    { id: 0x01, name: 'signalStrength', type: radioStrength },
    { id: 0x11, name: 'rssiList', type: array('u16', struct(['rssi', u8()], ['radioInterface', u8(NAS_RADIO_INTERFACE)])) },
    { id: 0x16, name: 'rsrq', type: struct(['rsrq', u8()], ['radioInterface', u8(NAS_RADIO_INTERFACE)]) },
    { id: 0x17, name: 'lteSnr', type: u16() },
    { id: 0x18, name: 'lteRsrp', type: u16() },
  ],
} as const satisfies MessageSchema;

export const nasGetHomeNetwork = {
  service: NAS, id: 0x0025, name: 'Get Home Network', request: [], response: [{ id: 0x01, name: 'homeNetwork', type: currentPlmn }],
} as const satisfies MessageSchema;

/** The indication numbers the NR5G TLVs differently from the response (0x4C/0x4D/0x50, libqmi 1.32). */
export const nasSystemInfoIndication = {
  service: NAS, id: 0x004e, name: 'System Info', request: [], response: [],
  indication: [
    { id: 0x14, name: 'lteServiceStatus', type: serviceStatus },
    { id: 0x19, name: 'lteSystemInfo', type: lteSystemInfo },
    { id: 0x4c, name: 'nr5gServiceStatus', type: serviceStatus },
    { id: 0x4d, name: 'nr5gSystemInfo', type: lteSystemInfo },
    { id: 0x50, name: 'eutraWithNr5gAvailability', type: bool },
  ],
} as const satisfies MessageSchema;

export const nasConfigSignalInfo = {
  service: NAS, id: 0x0050, name: 'Config Signal Info', request: [], response: [],
} as const satisfies MessageSchema;
export const nasSignalInfoIndication = {
  service: NAS, id: 0x0051, name: 'Signal Info', request: [], response: [], indication: signalInfoTlvs,
} as const satisfies MessageSchema;

// ---- WDS -------------------------------------------------------------------------------------------------
export const wdsSetEventReport = {
  service: WDS, id: 0x0001, name: 'Set Event Report', request: [], response: [],
} as const satisfies MessageSchema;

export const wdsIndicationRegister = {
  service: WDS, id: 0x0003, name: 'Indication Register', request: [{ id: 0x12, name: 'reportExtendedIpConfigurationChange', type: bool }], response: [],
} as const satisfies MessageSchema;


export const wdsGetDefaultSettings = {
  service: WDS, id: 0x002c, name: 'Get Default Settings',
  request: [{ id: 0x01, name: 'profileType', type: u8(WDS_PROFILE_TYPE) }],
  response: profileSettingsTlvs,
} as const satisfies MessageSchema;

/** Every message of this file, for the modem's catalog and the decoder checks. */
export const SERVICE_MESSAGES: readonly MessageSchema[] = [
  dmsSetEventReport, dmsGetCapabilities, dmsGetManufacturer, dmsGetMsisdn, dmsUimGetPinStatus, dmsGetHardwareRevision, dmsGetOperatingMode,
  dmsSetOperatingMode, dmsGetTime,
  uimReadTransparent, uimRegisterEvents, uimGetCardStatus, uimCardStatusIndication, uimGetSlotStatus,
  nasRegisterIndications, nasGetSignalStrength, nasGetServingSystem, nasGetHomeNetwork, nasGetSystemInfo, nasSystemInfoIndication,
  nasGetSignalInfo, nasConfigSignalInfo, nasSignalInfoIndication,
  wdsSetEventReport, wdsIndicationRegister, wdsGetPacketStatistics, wdsGetProfileList, wdsGetProfileSettings, wdsGetDefaultSettings,
];

export { bytes };
