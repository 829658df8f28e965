// Every message rmnetctl knows, for look-up by (service, message id): the emulated modem, logs, decoders.
import type { MessageSchema } from './schema.js';
import * as qmi from './messages.js';
import * as wda from '../wda/messages.js';
import * as wds from '../wds/messages.js';

export const MESSAGES: readonly MessageSchema[] = [
  qmi.ctlGetVersionInfo,
  qmi.ctlAllocateCid,
  qmi.ctlReleaseCid,
  qmi.ctlSync,
  qmi.ctlInternalProxyOpen,
  qmi.dmsGetModel,
  qmi.dmsGetRevision,
  qmi.dmsGetIds,
  wda.wdaSetDataFormat,
  wda.wdaGetDataFormat,
  wds.wdsStartNetwork,
  wds.wdsStopNetwork,
  wds.wdsGetPacketServiceStatus,
  wds.wdsGetCurrentSettings,
  wds.wdsSetIpFamily,
  wds.wdsBindMuxDataPort,
];

export function findMessage(service: number, id: number): MessageSchema | undefined {
  return MESSAGES.find((m) => m.service === service && m.id === id);
}

export function messageLabel(service: number, id: number): string {
  const schema = findMessage(service, id);
  return schema ? schema.name : `message 0x${id.toString(16).padStart(4, '0')}`;
}
