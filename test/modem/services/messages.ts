// The DMS, NAS, UIM and WDS messages the emulated firmware answers for ModemManager's probing and enabling
// (issue #12), declared as data like src/qmi/messages.ts. TLV ids, layouts and enum values from libqmi 1.32's
// service definitions (data/qmi-service-{dms,nas,uim,wds}.json, qmi-enums-*.h); the host test
// test/host/qmi/libqmi-decode.test.ts puts every answer through libqmi's own decoder.
//
// Signed fields (gint8/gint16) travel as their two's complement in u8/u16 (see s8/s16). A fixed-size string
// inside a struct (NAS's MCC/MNC, "string fixed:3") is three u8 (see plmnDigits).
import { DMS_OPERATING_MODE, dmsSetOperatingMode } from '../../../src/dms/messages.js';
import { array, bytes, string, struct, u16, u32, u64, u8, type EnumTable, type FieldType, type FieldValue, type MessageSchema } from '../../../src/qmi/schema.js';

export const UIM_SERVICE = 0x0b;
const DMS = 0x02;
const NAS = 0x03;
const WDS = 0x01;

const string8: FieldType = { kind: 'string8' };
const bool = u8();

/** gint8 / gint16 on the wire. */
export const s8 = (n: number): number => n & 0xff;
export const s16 = (n: number): number => n & 0xffff;
/** A three-character fixed-size string (MCC "001", MNC "01" + 0xFF for two digits) as three u8 fields. */
export const plmnDigit3: FieldType = struct(['d0', u8()], ['d1', u8()], ['d2', u8()]);
export function plmnDigits(text: string): FieldValue {
  const c = (i: number) => (i < text.length ? text.charCodeAt(i) : 0xff);
  return { d0: c(0), d1: c(1), d2: c(2) };
}

// ---- enums (libqmi names) ------------------------------------------------------------------------------
// rmnetctl's own (the supervisor resets a modem with it): one schema for both sides.
export { DMS_OPERATING_MODE, dmsSetOperatingMode };
export const DMS_RADIO_INTERFACE: EnumTable = { 1: 'cdma20001x', 2: 'evdo', 4: 'gsm', 5: 'umts', 8: 'lte', 9: 'tds', 10: '5gnr' };
export const DMS_UIM_PIN_STATUS: EnumTable = {
  0: 'not-initialized', 1: 'enabled-not-verified', 2: 'enabled-verified', 3: 'disabled', 4: 'blocked', 5: 'permanently-blocked', 6: 'unblocked', 7: 'changed',
};
export const UIM_CARD_STATE: EnumTable = { 0: 'absent', 1: 'present', 2: 'error' };
export const UIM_PIN_STATE: EnumTable = { 0: 'not-initialized', 1: 'enabled-not-verified', 2: 'enabled-verified', 3: 'disabled', 4: 'blocked', 5: 'permanently-blocked' };
export const UIM_APPLICATION_TYPE: EnumTable = { 0: 'unknown', 1: 'sim', 2: 'usim', 3: 'ruim', 4: 'csim', 5: 'isim' };
export const UIM_APPLICATION_STATE: EnumTable = {
  0: 'unknown', 1: 'detected', 2: 'pin1-or-upin-pin-required', 3: 'puk1-or-upin-puk-required', 4: 'check-personalization-state', 5: 'pin1-blocked', 6: 'illegal', 7: 'ready',
};
export const NAS_RADIO_INTERFACE: EnumTable = { 0: 'none', 1: 'cdma-1x', 2: 'cdma-1xevdo', 3: 'amps', 4: 'gsm', 5: 'umts', 8: 'lte', 9: 'td-scdma', 0x0c: '5gnr' };
export const NAS_REGISTRATION_STATE: EnumTable = { 0: 'not-registered', 1: 'registered', 2: 'not-registered-searching', 3: 'registration-denied', 4: 'unknown' };
export const NAS_ATTACH_STATE: EnumTable = { 0: 'unknown', 1: 'attached', 2: 'detached' };
export const NAS_NETWORK_TYPE: EnumTable = { 0: 'unknown', 1: '3gpp2', 2: '3gpp' };
export const NAS_SERVICE_STATUS: EnumTable = { 0: 'none', 1: 'limited', 2: 'available', 3: 'limited-regional', 4: 'power-save' };
export const NAS_SERVICE_DOMAIN: EnumTable = { 0: 'none', 1: 'cs', 2: 'ps', 3: 'cs-ps', 4: 'unknown' };
export const DMS_DATA_SERVICE_CAPABILITY: EnumTable = { 0: 'none', 1: 'cs', 2: 'ps', 3: 'simultaneous-cs-ps', 4: 'non-simultaneous-cs-ps' };
export const DMS_SIM_CAPABILITY: EnumTable = { 1: 'not-supported', 2: 'supported' };
export const DMS_TIME_SOURCE: EnumTable = { 0: 'device', 1: 'cdma-network', 2: 'hdr-network' };
export const UIM_SESSION_TYPE: EnumTable = { 0: 'primary-gw-provisioning', 1: 'primary-1x-provisioning', 2: 'secondary-gw-provisioning', 3: 'secondary-1x-provisioning', 6: 'card-slot-1' };
export const UIM_CARD_ERROR: EnumTable = { 0: 'unknown', 1: 'power-down', 2: 'poll', 3: 'no-atr-received', 4: 'voltage-mismatch', 5: 'parity', 6: 'possibly-removed', 7: 'technical' };
export const UIM_PERSONALIZATION_STATE: EnumTable = { 0: 'unknown', 1: 'in-progress', 2: 'ready', 3: 'code-required', 4: 'puk-code-required', 5: 'permanently-blocked' };
export const UIM_PERSONALIZATION_FEATURE: EnumTable = { 0: 'gw-network', 1: 'gw-network-subset', 2: 'gw-service-provider', 3: 'gw-corporate', 4: 'gw-uim', 11: 'unknown' };
/** QmiUimPhysicalCardState: 0 is unknown, absent is 1. */
export const UIM_PHYSICAL_CARD_STATE: EnumTable = { 0: 'unknown', 1: 'absent', 2: 'present' };
export const UIM_SLOT_STATE: EnumTable = { 0: 'inactive', 1: 'active' };
export const UIM_CARD_PROTOCOL: EnumTable = { 0: 'unknown', 1: 'icc', 2: 'uicc' };
export const NAS_ROAMING_INDICATOR: EnumTable = { 0: 'on', 1: 'off' };
export const NAS_ROAMING_STATUS: EnumTable = { 0: 'off', 1: 'on' };
/** QmiNasRejectCause (the values the model sends). */
export const NAS_REJECT_CAUSE: EnumTable = { 0: 'none', 2: 'imsi-unknown-in-hlr', 3: 'illegal-ms', 6: 'illegal-me', 7: 'gprs-services-not-allowed', 11: 'plmn-not-allowed' };
export const NAS_DATA_CAPABILITY: EnumTable = { 0: 'none', 1: 'gprs', 2: 'edge', 3: 'hsdpa', 4: 'hsupa', 5: 'wcdma', 6: 'cdma', 7: 'evdo-rev-0', 8: 'evdo-rev-a', 9: 'gsm', 10: 'evdo-rev-b', 11: 'lte', 12: 'hsdpa-plus', 13: 'dc-hsdpa-plus' };

/** Bit masks libqmi prints as flag names (lowest bit first); the decoder checks compare them by name. */
export const NAS_SIGNAL_STRENGTH_REQUEST: EnumTable = { 1: 'rssi', 2: 'ecio', 4: 'io', 8: 'sinr', 16: 'error-rate', 32: 'rsrq', 64: 'lte-snr', 128: 'lte-rsrp' };
export const WDS_PACKET_STATISTICS_MASK: EnumTable = {
  1: 'tx-packets-ok', 2: 'rx-packets-ok', 4: 'tx-packets-error', 8: 'rx-packets-error', 16: 'tx-overflows', 32: 'rx-overflows',
  64: 'tx-bytes-ok', 128: 'rx-bytes-ok', 256: 'tx-packets-dropped', 512: 'rx-packets-dropped',
};
export const WDS_AUTHENTICATION: EnumTable = { 1: 'pap', 2: 'chap' };
const signalStrengthMask = u16();
const packetStatisticsMask = u32();
const authenticationMask = u8();
export const FLAG_TABLES = new Map<FieldType, EnumTable>([
  [signalStrengthMask, NAS_SIGNAL_STRENGTH_REQUEST],
  [packetStatisticsMask, WDS_PACKET_STATISTICS_MASK],
  [authenticationMask, WDS_AUTHENTICATION],
]);
/** The 6-byte Time Count of DMS Get Time as a u32 (low) and a u16 (high). */
export const timeCount48: FieldType = struct(['low', u32()], ['high', u16()]);

/** QmiUimEventRegistrationFlag; a single flag decodes to its name (libqmi prints a mask as names). */
export const UIM_EVENT_REGISTRATION: EnumTable = { 1: 'card-status', 2: 'sap-connection', 4: 'extended-card-status', 8: 'close-provisioning-sessions', 16: 'physical-slot-status' };
export const WDS_PROFILE_TYPE: EnumTable = { 0: '3gpp', 1: '3gpp2', 2: 'all' };
export const WDS_PDP_TYPE: EnumTable = { 0: 'ipv4', 1: 'ppp', 2: 'ipv6', 3: 'ipv4-or-ipv6' };

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

export const dmsGetOperatingMode = {
  service: DMS, id: 0x002d, name: 'Get Operating Mode', request: [],
  response: [{ id: 0x01, name: 'mode', type: u8(DMS_OPERATING_MODE) }, { id: 0x11, name: 'hardwareRestrictedMode', type: bool }],
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
const cardApplication = struct(
  ['type', u8(UIM_APPLICATION_TYPE)], ['state', u8(UIM_APPLICATION_STATE)], ['personalizationState', u8(UIM_PERSONALIZATION_STATE)],
  ['personalizationFeature', u8(UIM_PERSONALIZATION_FEATURE)],
  ['personalizationRetries', u8()], ['personalizationUnblockRetries', u8()], ['applicationIdentifier', array('u8', u8())],
  ['upinReplacesPin1', bool], ['pin1State', u8(UIM_PIN_STATE)], ['pin1Retries', u8()], ['puk1Retries', u8()],
  ['pin2State', u8(UIM_PIN_STATE)], ['pin2Retries', u8()], ['puk2Retries', u8()],
);
const card = struct(
  ['cardState', u8(UIM_CARD_STATE)], ['upinState', u8(UIM_PIN_STATE)], ['upinRetries', u8()], ['upukRetries', u8()], ['errorCode', u8(UIM_CARD_ERROR)],
  ['applications', array('u8', cardApplication)],
);
const cardStatus = struct(['indexGwPrimary', u16()], ['index1xPrimary', u16()], ['indexGwSecondary', u16()], ['index1xSecondary', u16()], ['cards', array('u8', card)]);

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

export const uimGetCardStatus = {
  service: UIM_SERVICE, id: 0x002f, name: 'Get Card Status', request: [], response: [{ id: 0x10, name: 'cardStatus', type: cardStatus }],
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

const servingSystem = struct(
  ['registrationState', u8(NAS_REGISTRATION_STATE)], ['csAttachState', u8(NAS_ATTACH_STATE)], ['psAttachState', u8(NAS_ATTACH_STATE)],
  ['selectedNetwork', u8(NAS_NETWORK_TYPE)], ['radioInterfaces', array('u8', u8(NAS_RADIO_INTERFACE))],
);
const currentPlmn = struct(['mcc', u16()], ['mnc', u16()], ['description', string8]);
/** Get Serving System response; the indication (same id) numbers its later TLVs differently (see below). */
export const nasGetServingSystem = {
  service: NAS, id: 0x0024, name: 'Get Serving System', request: [],
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

export const nasGetHomeNetwork = {
  service: NAS, id: 0x0025, name: 'Get Home Network', request: [], response: [{ id: 0x01, name: 'homeNetwork', type: currentPlmn }],
} as const satisfies MessageSchema;

const serviceStatus = struct(['serviceStatus', u8(NAS_SERVICE_STATUS)], ['trueServiceStatus', u8(NAS_SERVICE_STATUS)], ['preferredDataPath', bool]);
const lteSystemInfo = struct(
  ['domainValid', bool], ['domain', u8(NAS_SERVICE_DOMAIN)], ['serviceCapabilityValid', bool], ['serviceCapability', u8(NAS_SERVICE_DOMAIN)],
  ['roamingStatusValid', bool], ['roamingStatus', u8(NAS_ROAMING_STATUS)], ['forbiddenValid', bool], ['forbidden', bool],
  ['lacValid', bool], ['lac', u16()], ['cidValid', bool], ['cid', u32()],
  ['registrationRejectInfoValid', bool], ['registrationRejectDomain', u8(NAS_SERVICE_DOMAIN)], ['registrationRejectCause', u8(NAS_REJECT_CAUSE)],
  ['networkIdValid', bool], ['mcc', plmnDigit3], ['mnc', plmnDigit3], ['tacValid', bool], ['tac', u16()],
);
const systemInfoTlvs = [
  { id: 0x14, name: 'lteServiceStatus', type: serviceStatus },
  { id: 0x19, name: 'lteSystemInfo', type: lteSystemInfo },
  { id: 0x4a, name: 'nr5gServiceStatus', type: serviceStatus },
  { id: 0x4b, name: 'nr5gSystemInfo', type: lteSystemInfo },
  { id: 0x4e, name: 'eutraWithNr5gAvailability', type: bool },
] as const;
export const nasGetSystemInfo = {
  service: NAS, id: 0x004d, name: 'Get System Info', request: [], response: systemInfoTlvs,
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

const signalInfoTlvs = [
  { id: 0x14, name: 'lteSignalStrength', type: struct(['rssi', u8()], ['rsrq', u8()], ['rsrp', u16()], ['snr', u16()]) },
  { id: 0x17, name: 'nr5gSignalStrength', type: struct(['rsrp', u16()], ['snr', u16()]) },
  { id: 0x18, name: 'nr5gSignalStrengthExtended', type: u16() },
] as const;
export const nasGetSignalInfo = {
  service: NAS, id: 0x004f, name: 'Get Signal Info', request: [], response: signalInfoTlvs,
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

export const wdsGetPacketStatistics = {
  service: WDS, id: 0x0024, name: 'Get Packet Statistics',
  request: [{ id: 0x01, name: 'mask', type: packetStatisticsMask }],
  response: [
    { id: 0x10, name: 'txPacketsOk', type: u32() },
    { id: 0x11, name: 'rxPacketsOk', type: u32() },
    { id: 0x12, name: 'txPacketsError', type: u32() },
    { id: 0x13, name: 'rxPacketsError', type: u32() },
    { id: 0x14, name: 'txOverflows', type: u32() },
    { id: 0x15, name: 'rxOverflows', type: u32() },
    { id: 0x19, name: 'txBytesOk', type: u64 },
    { id: 0x1a, name: 'rxBytesOk', type: u64 },
  ],
} as const satisfies MessageSchema;

export const wdsGetProfileList = {
  service: WDS, id: 0x002a, name: 'Get Profile List',
  request: [{ id: 0x10, name: 'profileType', type: u8(WDS_PROFILE_TYPE) }],
  response: [{ id: 0x01, name: 'profileList', type: array('u8', struct(['profileType', u8(WDS_PROFILE_TYPE)], ['profileIndex', u8()], ['profileName', string8])) }],
} as const satisfies MessageSchema;

const profileSettingsTlvs = [
  { id: 0x10, name: 'profileName', type: string },
  { id: 0x11, name: 'pdpType', type: u8(WDS_PDP_TYPE) },
  { id: 0x14, name: 'apnName', type: string },
  { id: 0x1b, name: 'username', type: string },
  { id: 0x1d, name: 'authentication', type: authenticationMask },
  { id: 0x25, name: 'pdpContextNumber', type: u8() },
] as const;
export const wdsGetProfileSettings = {
  service: WDS, id: 0x002b, name: 'Get Profile Settings',
  request: [{ id: 0x01, name: 'profileId', type: struct(['profileType', u8(WDS_PROFILE_TYPE)], ['profileIndex', u8()]) }],
  response: profileSettingsTlvs,
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
