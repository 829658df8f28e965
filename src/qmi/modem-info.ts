// What `rmnetctl info` and `rmnetctl format` ask a modem: identity (DMS) and data format (WDA), each with a
// client id released before returning. Plain values; the CLI renders them.
import { RmnetError } from '../errors.js';
import { withQmiDevice, type OpenOptions } from './open.js';
import { QmiService } from './enums.js';
import { dmsGetIds, dmsGetModel, dmsGetRevision } from './messages.js';
import { stringField } from './fields.js';
import { getDataFormat, setDataFormat, type DataFormat, type DataFormatRequest, type Endpoint } from '../wda/data-format.js';

export interface InfoReport {
  path: string;
  via: 'char-device' | 'qmi-proxy';
  model?: string;
  revision?: string;
  imei?: string;
  services: Array<{ service: string | number; major: number; minor: number }>;
  /** null when the modem has no WDA service or refused Get Data Format (see dataFormatError). */
  dataFormat: DataFormat | null;
  dataFormatError?: string;
}

export interface PortOptions {
  device: string;
  proxy?: boolean;
  timeout?: number;
  /** Debug sink: one line per frame in and out. */
  log?: (line: string) => void;
}

function openOptions(options: PortOptions): OpenOptions {
  return {
    path: options.device,
    proxy: options.proxy === true,
    ...(options.timeout ? { timeoutMs: options.timeout } : {}),
    ...(options.log ? { log: options.log } : {}),
  };
}

export async function collectInfo(options: PortOptions): Promise<InfoReport> {
  return withQmiDevice(openOptions(options), async ({ device, versions }) => {
    const report = await device.withClient(QmiService.DMS, async (dms) => {
      const model = stringField((await dms.request(dmsGetModel)).fields, 'model');
      const revision = stringField((await dms.request(dmsGetRevision)).fields, 'revision');
      const imei = stringField((await dms.request(dmsGetIds)).fields, 'imei');
      return { model, revision, imei };
    });
    // Old firmware has no WDA service (Allocate CID fails): identity is still worth printing.
    let dataFormat: DataFormat | null = null;
    let dataFormatError: string | undefined;
    try {
      dataFormat = await device.withClient(QmiService.WDA, (wda) => getDataFormat(wda));
    } catch (error) {
      if (!(error instanceof RmnetError) || error.code !== 'QMI_ERROR') throw error;
      dataFormatError = error.message;
    }
    return {
      path: options.device,
      via: options.proxy ? 'qmi-proxy' : 'char-device',
      ...(report.model !== undefined ? { model: report.model } : {}),
      ...(report.revision !== undefined ? { revision: report.revision } : {}),
      ...(report.imei !== undefined ? { imei: report.imei } : {}),
      services: versions,
      dataFormat,
      ...(dataFormatError ? { dataFormatError } : {}),
    };
  });
}

export interface FormatReport {
  path: string;
  via: 'char-device' | 'qmi-proxy';
  requested?: DataFormatRequest;
  granted: DataFormat;
}

export async function getFormat(options: PortOptions & { endpoint?: Endpoint }): Promise<FormatReport> {
  return withQmiDevice(openOptions(options), async ({ device }) => ({
    path: options.device,
    via: options.proxy ? 'qmi-proxy' : 'char-device',
    granted: await device.withClient(QmiService.WDA, (wda) => getDataFormat(wda, options.endpoint)),
  }));
}

export async function setFormat(options: PortOptions, request: DataFormatRequest): Promise<FormatReport> {
  return withQmiDevice(openOptions(options), async ({ device }) => ({
    path: options.device,
    via: options.proxy ? 'qmi-proxy' : 'char-device',
    requested: request,
    granted: await device.withClient(QmiService.WDA, (wda) => setDataFormat(wda, request)),
  }));
}

