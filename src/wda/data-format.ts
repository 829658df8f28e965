// WDA Get/Set Data Format as domain values: what rmnetctl asks for and what the modem granted. The modem
// may clamp any size (an EC25 answered 10 datagrams / 4096 bytes to a request for 32 / 31744), so callers use
// the granted values, never the requested ones.
import { enumField, numberField } from '../qmi/fields.js';
import type { QmiClient } from '../qmi/device.js';
import type { EndpointType } from '../qmi/enums.js';
import type { LinkLayer } from './enums.js';
import type { Fields } from '../qmi/schema.js';
import { wdaGetDataFormat, wdaSetDataFormat } from './messages.js';

export interface Endpoint {
  type: EndpointType | number;
  /** USB bInterfaceNumber of the QMI interface (read it from sysfs; 4 on most Quectel modules). */
  interfaceNumber: number;
}

export interface DataFormatRequest {
  linkLayer: LinkLayer;
  /** 'disabled', 'qmap', 'qmapv5'... Uplink defaults to the downlink protocol. */
  downlinkAggregation?: string;
  uplinkAggregation?: string;
  downlinkMaxDatagrams?: number;
  downlinkMaxSize?: number;
  uplinkMaxDatagrams?: number;
  uplinkMaxSize?: number;
  endpoint?: Endpoint;
  qosFormat?: boolean;
}

export interface DataFormat {
  linkLayer: string | number | undefined;
  uplinkAggregation: string | number | undefined;
  downlinkAggregation: string | number | undefined;
  downlinkMaxDatagrams?: number;
  downlinkMaxSize?: number;
  uplinkMaxDatagrams?: number;
  uplinkMaxSize?: number;
  downlinkMinimumPadding?: number;
  qosFormat?: boolean;
  flowControl?: number;
}

export function dataFormatFromFields(fields: Fields): DataFormat {
  const format: DataFormat = {
    linkLayer: enumField(fields, 'linkLayer'),
    uplinkAggregation: enumField(fields, 'uplinkAggregation'),
    downlinkAggregation: enumField(fields, 'downlinkAggregation'),
  };
  const numbers = ['downlinkMaxDatagrams', 'downlinkMaxSize', 'uplinkMaxDatagrams', 'uplinkMaxSize', 'downlinkMinimumPadding', 'flowControl'] as const;
  for (const name of numbers) {
    const value = numberField(fields, name);
    if (value !== undefined) format[name] = value;
  }
  const qos = numberField(fields, 'qosFormat');
  if (qos !== undefined) format.qosFormat = qos !== 0;
  return format;
}

export function dataFormatRequestFields(request: DataFormatRequest): Fields {
  const fields: Fields = { linkLayer: request.linkLayer };
  if (request.qosFormat !== undefined) fields.qosFormat = request.qosFormat ? 1 : 0;
  const downlink = request.downlinkAggregation;
  const uplink = request.uplinkAggregation ?? downlink;
  if (downlink !== undefined) fields.downlinkAggregation = downlink;
  if (uplink !== undefined) fields.uplinkAggregation = uplink;
  if (request.downlinkMaxDatagrams !== undefined) fields.downlinkMaxDatagrams = request.downlinkMaxDatagrams;
  if (request.downlinkMaxSize !== undefined) fields.downlinkMaxSize = request.downlinkMaxSize;
  if (request.uplinkMaxDatagrams !== undefined) fields.uplinkMaxDatagrams = request.uplinkMaxDatagrams;
  if (request.uplinkMaxSize !== undefined) fields.uplinkMaxSize = request.uplinkMaxSize;
  if (request.endpoint) fields.endpoint = { type: request.endpoint.type, interfaceNumber: request.endpoint.interfaceNumber };
  return fields;
}

/** WDA Get Data Format; `client` must be a WDA client. */
export async function getDataFormat(client: QmiClient, endpoint?: Endpoint): Promise<DataFormat> {
  const input: Fields = endpoint ? { endpoint: { type: endpoint.type, interfaceNumber: endpoint.interfaceNumber } } : {};
  const response = await client.request(wdaGetDataFormat, input);
  return dataFormatFromFields(response.fields);
}

/** WDA Set Data Format: returns what the modem granted. */
export async function setDataFormat(client: QmiClient, request: DataFormatRequest): Promise<DataFormat> {
  const response = await client.request(wdaSetDataFormat, dataFormatRequestFields(request));
  return dataFormatFromFields(response.fields);
}

