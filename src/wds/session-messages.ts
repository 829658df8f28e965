// WDS steps of a PDN session as domain values: bind the client to a mux, choose its IP family, start and
// stop the call, read the settings, follow Packet Service Status. One WDS client per IP family; the session
// belongs to the client that started it (releasing the client ends it).
import { Category, RmnetError } from '../errors.js';
import { checkMuxId } from '../mux-id.js';
import type { QmiClient, QmiIndication } from '../qmi/device.js';
import type { EndpointType } from '../qmi/enums.js';
import { enumField, numberField, stringField, structField } from '../qmi/fields.js';
import type { Fields } from '../qmi/schema.js';
import { callEndReasons } from './call-end.js';
import {
  CurrentSettingsMask,
  wdsBindMuxDataPort,
  wdsGetCurrentSettings,
  wdsGetPacketServiceStatus,
  wdsSetIpFamily,
  wdsStartNetwork,
  wdsStopNetwork,
} from './messages.js';

export type IpVersion = 4 | 6;

export interface BindMuxOptions {
  muxId: number;
  endpoint: { type: EndpointType | number; interfaceNumber: number };
  /** Defaults to tethered (1), as qmicli sends it. */
  clientType?: number;
}

export async function bindMuxDataPort(client: QmiClient, options: BindMuxOptions): Promise<void> {
  checkMuxId(options.muxId, `${client.device.path}: WDS Bind Mux Data Port`, { path: client.device.path });
  await client.request(wdsBindMuxDataPort, {
    endpoint: { type: options.endpoint.type, interfaceNumber: options.endpoint.interfaceNumber },
    muxId: options.muxId,
    clientType: options.clientType ?? 1,
  });
}

export async function setIpFamily(client: QmiClient, family: IpVersion): Promise<void> {
  await client.request(wdsSetIpFamily, { preference: family });
}

export interface StartNetworkOptions {
  apn?: string;
  ipFamily?: IpVersion;
  authentication?: 'none' | 'pap' | 'chap' | 'both';
  username?: string;
  password?: string;
  profileIndex3gpp?: number;
  /** Start Network may take tens of seconds on a real network. */
  timeoutMs?: number;
}

/** WDS Start Network: the packet data handle. A refusal is a QMI_ERROR naming the call end reason. */
export async function startNetwork(client: QmiClient, options: StartNetworkOptions): Promise<{ packetDataHandle: number }> {
  const input: Fields = {};
  if (options.apn !== undefined) input.apn = options.apn;
  if (options.ipFamily !== undefined) input.ipFamily = options.ipFamily;
  if (options.authentication !== undefined) input.authentication = options.authentication;
  if (options.username !== undefined) input.username = options.username;
  if (options.password !== undefined) input.password = options.password;
  if (options.profileIndex3gpp !== undefined) input.profileIndex3gpp = options.profileIndex3gpp;
  const response = await client.request(wdsStartNetwork, input, options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
  const packetDataHandle = numberField(response.fields, 'packetDataHandle');
  if (packetDataHandle === undefined) {
    throw new RmnetError('QMI_MALFORMED', `${client.device.path}: WDS Start Network succeeded without a packet data handle`, Category.protocol, {
      path: client.device.path,
      service: 'wds',
      qmiMessage: 'Start Network',
    });
  }
  return { packetDataHandle };
}

export async function stopNetwork(client: QmiClient, packetDataHandle: number): Promise<void> {
  await client.request(wdsStopNetwork, { packetDataHandle });
}

export async function getPacketServiceStatus(client: QmiClient): Promise<string | number | undefined> {
  const response = await client.request(wdsGetPacketServiceStatus);
  return enumField(response.fields, 'connectionStatus');
}

export interface Ipv4Settings {
  address: string;
  prefixLength: number;
  gateway?: string;
  dns: string[];
}

export interface Ipv6Settings {
  address: string;
  prefixLength: number;
  gateway?: string;
  dns: string[];
}

export interface CurrentSettings {
  ipFamily?: string | number;
  apn?: string;
  mtu?: number;
  ipv4?: Ipv4Settings;
  ipv6?: Ipv6Settings;
}

/** The mask qmicli asks for: DNS, granted QoS, IP address, gateway, MTU, domain names, IP family. */
export const DEFAULT_SETTINGS_MASK =
  CurrentSettingsMask.dnsAddress |
  CurrentSettingsMask.grantedQos |
  CurrentSettingsMask.ipAddress |
  CurrentSettingsMask.gatewayInfo |
  CurrentSettingsMask.mtu |
  CurrentSettingsMask.domainNameList |
  CurrentSettingsMask.ipFamily;

export function prefixLengthOfMask(mask: string): number {
  return mask.split('.').reduce((bits, part) => bits + (Number(part) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

export function currentSettingsFromFields(fields: Fields): CurrentSettings {
  const settings: CurrentSettings = {};
  const ipFamily = enumField(fields, 'ipFamily');
  if (ipFamily !== undefined) settings.ipFamily = ipFamily;
  const apn = stringField(fields, 'apn');
  if (apn !== undefined) settings.apn = apn;
  const mtu = numberField(fields, 'mtu');
  if (mtu !== undefined) settings.mtu = mtu;
  const ipv4Address = stringField(fields, 'ipv4Address');
  if (ipv4Address !== undefined) {
    const mask = stringField(fields, 'ipv4SubnetMask');
    const gateway = stringField(fields, 'ipv4Gateway');
    settings.ipv4 = {
      address: ipv4Address,
      prefixLength: mask ? prefixLengthOfMask(mask) : 32,
      ...(gateway ? { gateway } : {}),
      dns: [stringField(fields, 'ipv4PrimaryDns'), stringField(fields, 'ipv4SecondaryDns')].filter((d): d is string => d !== undefined),
    };
  }
  const ipv6Address = structField(fields, 'ipv6Address');
  if (ipv6Address && typeof ipv6Address.address === 'string' && typeof ipv6Address.prefixLength === 'number') {
    const gateway = structField(fields, 'ipv6Gateway');
    settings.ipv6 = {
      address: ipv6Address.address,
      prefixLength: ipv6Address.prefixLength,
      ...(gateway && typeof gateway.address === 'string' ? { gateway: gateway.address } : {}),
      dns: [stringField(fields, 'ipv6PrimaryDns'), stringField(fields, 'ipv6SecondaryDns')].filter((d): d is string => d !== undefined),
    };
  }
  return settings;
}

export async function getCurrentSettings(client: QmiClient, mask = DEFAULT_SETTINGS_MASK): Promise<CurrentSettings> {
  const response = await client.request(wdsGetCurrentSettings, { requestedSettings: mask });
  return currentSettingsFromFields(response.fields);
}

export interface PacketServiceStatusEvent {
  status: string | number | undefined;
  reconfigurationRequired: boolean;
  callEndReason?: string;
  verboseCallEndReason?: string;
  ipFamily?: string | number;
}

export function packetServiceStatusFromIndication(indication: QmiIndication): PacketServiceStatusEvent | undefined {
  if (indication.messageId !== wdsGetPacketServiceStatus.id) return undefined;
  const connection = structField(indication.fields, 'connectionStatus');
  const status = connection?.status;
  const event: PacketServiceStatusEvent = {
    status: typeof status === 'string' || typeof status === 'number' ? status : undefined,
    reconfigurationRequired: connection?.reconfigurationRequired === 1,
  };
  Object.assign(event, callEndReasons(indication.fields));
  const ipFamily = enumField(indication.fields, 'ipFamily');
  if (ipFamily !== undefined) event.ipFamily = ipFamily;
  return event;
}

/** Follows Packet Service Status indications of one WDS client. Returns the unsubscribe. */
export function onPacketServiceStatus(client: QmiClient, handler: (event: PacketServiceStatusEvent) => void): () => void {
  return client.onIndication((indication) => {
    const event = packetServiceStatusFromIndication(indication);
    if (event) handler(event);
  });
}
