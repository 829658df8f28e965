// WDA (Wireless Data Administrative) messages, declared as data. Note the asymmetry libqmi documents: the
// UL aggregation limits are TLVs 0x1B/0x1C in the Set request but 0x17/0x18 in the responses, and the
// endpoint is TLV 0x17 in the Set request but 0x10 in the Get request.
import { ENDPOINT_TYPE, QmiService } from '../qmi/enums.js';
import { AGGREGATION_PROTOCOL, LINK_LAYER } from './enums.js';
import { struct, u32, u8, type MessageSchema, type TlvSchema } from '../qmi/schema.js';
import { registerMessages } from '../qmi/catalog.js';

export const endpointInfo = struct(['type', u32(ENDPOINT_TYPE)], ['interfaceNumber', u32()]);

const dataFormatResponse: readonly TlvSchema[] = [
  { id: 0x10, name: 'qosFormat', type: u8() },
  { id: 0x11, name: 'linkLayer', type: u32(LINK_LAYER) },
  { id: 0x12, name: 'uplinkAggregation', type: u32(AGGREGATION_PROTOCOL) },
  { id: 0x13, name: 'downlinkAggregation', type: u32(AGGREGATION_PROTOCOL) },
  { id: 0x14, name: 'ndpSignature', type: u32() },
  { id: 0x15, name: 'downlinkMaxDatagrams', type: u32() },
  { id: 0x16, name: 'downlinkMaxSize', type: u32() },
  { id: 0x17, name: 'uplinkMaxDatagrams', type: u32() },
  { id: 0x18, name: 'uplinkMaxSize', type: u32() },
  { id: 0x1a, name: 'downlinkMinimumPadding', type: u32() },
  { id: 0x1b, name: 'flowControl', type: u8() },
];

export const wdaSetDataFormat = {
  service: QmiService.WDA,
  id: 0x0020,
  name: 'Set Data Format',
  request: [
    { id: 0x10, name: 'qosFormat', type: u8() },
    { id: 0x11, name: 'linkLayer', type: u32(LINK_LAYER) },
    { id: 0x12, name: 'uplinkAggregation', type: u32(AGGREGATION_PROTOCOL) },
    { id: 0x13, name: 'downlinkAggregation', type: u32(AGGREGATION_PROTOCOL) },
    { id: 0x14, name: 'ndpSignature', type: u32() },
    { id: 0x15, name: 'downlinkMaxDatagrams', type: u32() },
    { id: 0x16, name: 'downlinkMaxSize', type: u32() },
    { id: 0x17, name: 'endpoint', type: endpointInfo },
    { id: 0x1b, name: 'uplinkMaxDatagrams', type: u32() },
    { id: 0x1c, name: 'uplinkMaxSize', type: u32() },
  ],
  response: dataFormatResponse,
} as const satisfies MessageSchema;

export const wdaGetDataFormat = {
  service: QmiService.WDA,
  id: 0x0021,
  name: 'Get Data Format',
  request: [{ id: 0x10, name: 'endpoint', type: endpointInfo }],
  response: dataFormatResponse,
} as const satisfies MessageSchema;

registerMessages([wdaSetDataFormat, wdaGetDataFormat]);
