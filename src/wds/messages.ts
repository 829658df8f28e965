// WDS (Wireless Data Service) messages of a PDN session, declared as data. IPv4 addresses travel as
// little-endian u32, IPv6 addresses as 8 big-endian u16 (see schema.ts).
import { ENDPOINT_TYPE, QmiService } from '../qmi/enums.js';
import { AUTHENTICATION, IP_FAMILY, PACKET_SERVICE_STATUS, WDS_CLIENT_TYPE } from './enums.js';
import { ipv4, ipv6, string, struct, u16, u32, u64, u8, type FieldType, type MessageSchema } from '../qmi/schema.js';
import { registerErrorDetail, registerMessages } from '../qmi/catalog.js';
import { CALL_END_REASONS, VERBOSE_CALL_END_REASON_TYPE, callEndErrorDetail } from './call-end.js';

const callEndReason = u16(CALL_END_REASONS);
const verboseCallEndReason = struct(['type', u16(VERBOSE_CALL_END_REASON_TYPE)], ['reason', u16()]);
const ipv6WithPrefix = struct(['address', ipv6], ['prefixLength', u8()]);

export const wdsStartNetwork = {
  service: QmiService.WDS,
  id: 0x0020,
  name: 'Start Network',
  request: [
    { id: 0x14, name: 'apn', type: string },
    { id: 0x16, name: 'authentication', type: u8(AUTHENTICATION) },
    { id: 0x17, name: 'username', type: string },
    { id: 0x18, name: 'password', type: string },
    { id: 0x19, name: 'ipFamily', type: u8(IP_FAMILY) },
    { id: 0x31, name: 'profileIndex3gpp', type: u8() },
    { id: 0x33, name: 'autoconnect', type: u8() },
    { id: 0x35, name: 'callType', type: u8() },
  ],
  response: [
    { id: 0x01, name: 'packetDataHandle', type: u32() },
    { id: 0x10, name: 'callEndReason', type: callEndReason },
    { id: 0x11, name: 'verboseCallEndReason', type: verboseCallEndReason },
  ],
} as const satisfies MessageSchema;

/** Handle 0xFFFFFFFF with disableAutoconnect=1 stops an autoconnected call. */
export const wdsStopNetwork = {
  service: QmiService.WDS,
  id: 0x0021,
  name: 'Stop Network',
  request: [
    { id: 0x01, name: 'packetDataHandle', type: u32() },
    { id: 0x10, name: 'disableAutoconnect', type: u8() },
  ],
  response: [],
} as const satisfies MessageSchema;

export const wdsGetPacketServiceStatus = {
  service: QmiService.WDS,
  id: 0x0022,
  name: 'Get Packet Service Status',
  indicationName: 'Packet Service Status',
  request: [],
  response: [{ id: 0x01, name: 'connectionStatus', type: u8(PACKET_SERVICE_STATUS) }],
  indication: [
    { id: 0x01, name: 'connectionStatus', type: struct(['status', u8(PACKET_SERVICE_STATUS)], ['reconfigurationRequired', u8()]) },
    { id: 0x10, name: 'callEndReason', type: callEndReason },
    { id: 0x11, name: 'verboseCallEndReason', type: verboseCallEndReason },
    { id: 0x12, name: 'ipFamily', type: u8(IP_FAMILY) },
  ],
} as const satisfies MessageSchema;

/** Requested-settings mask bits (TLV 0x10). */
export const CurrentSettingsMask = {
  profileId: 1 << 0,
  profileName: 1 << 1,
  pdpType: 1 << 2,
  apnName: 1 << 3,
  dnsAddress: 1 << 4,
  grantedQos: 1 << 5,
  username: 1 << 6,
  authenticationProtocol: 1 << 7,
  ipAddress: 1 << 8,
  gatewayInfo: 1 << 9,
  pcscfAddress: 1 << 10,
  mtu: 1 << 13,
  domainNameList: 1 << 14,
  ipFamily: 1 << 15,
} as const;

export const wdsGetCurrentSettings = {
  service: QmiService.WDS,
  id: 0x002d,
  name: 'Get Current Settings',
  request: [{ id: 0x10, name: 'requestedSettings', type: u32() }],
  response: [
    { id: 0x14, name: 'apn', type: string },
    { id: 0x15, name: 'ipv4PrimaryDns', type: ipv4 },
    { id: 0x16, name: 'ipv4SecondaryDns', type: ipv4 },
    { id: 0x1e, name: 'ipv4Address', type: ipv4 },
    { id: 0x20, name: 'ipv4Gateway', type: ipv4 },
    { id: 0x21, name: 'ipv4SubnetMask', type: ipv4 },
    { id: 0x25, name: 'ipv6Address', type: ipv6WithPrefix },
    { id: 0x26, name: 'ipv6Gateway', type: ipv6WithPrefix },
    { id: 0x27, name: 'ipv6PrimaryDns', type: ipv6 },
    { id: 0x28, name: 'ipv6SecondaryDns', type: ipv6 },
    { id: 0x29, name: 'mtu', type: u32() },
    { id: 0x2b, name: 'ipFamily', type: u8(IP_FAMILY) },
  ],
} as const satisfies MessageSchema;

export const wdsSetIpFamily = {
  service: QmiService.WDS,
  id: 0x004d,
  name: 'Set IP Family',
  request: [{ id: 0x01, name: 'preference', type: u8(IP_FAMILY) }],
  response: [],
} as const satisfies MessageSchema;

export const wdsBindMuxDataPort = {
  service: QmiService.WDS,
  id: 0x00a2,
  name: 'Bind Mux Data Port',
  request: [
    { id: 0x10, name: 'endpoint', type: struct(['type', u32(ENDPOINT_TYPE)], ['interfaceNumber', u32()]) },
    { id: 0x11, name: 'muxId', type: u8() },
    { id: 0x13, name: 'clientType', type: u32(WDS_CLIENT_TYPE) },
  ],
  response: [],
} as const satisfies MessageSchema;

/** A mask of PacketStatisticsMask flags (its own object: the libqmi comparison prints it as flag names). */
export const packetStatisticsMask: FieldType = u32();

/** The counters of the call on this client (bytes u64, the rest u32); a client without a call gets OutOfCall. */
export const wdsGetPacketStatistics = {
  service: QmiService.WDS,
  id: 0x0024,
  name: 'Get Packet Statistics',
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
    { id: 0x1d, name: 'txPacketsDropped', type: u32() },
    { id: 0x1e, name: 'rxPacketsDropped', type: u32() },
  ],
} as const satisfies MessageSchema;

registerMessages([
  wdsStartNetwork, wdsStopNetwork, wdsGetPacketServiceStatus, wdsGetCurrentSettings, wdsSetIpFamily, wdsBindMuxDataPort, wdsGetPacketStatistics,
]);
// A refused Start Network names the call end reason in its QMI error (details.callEndReason, verboseCallEndReason).
registerErrorDetail(QmiService.WDS, callEndErrorDetail);
