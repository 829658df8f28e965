// What `rmnetctl info` asks a modem: identity (DMS) and the current data format (WDA), each with a client
// id released before returning. Plain values; the CLI renders them.
import { RmnetError } from '../errors.js';
import { withQmiDevice } from '../qmi/open.js';
import { QmiService } from '../qmi/enums.js';
import { dmsGetIds, dmsGetModel, dmsGetRevision } from '../dms/messages.js';
import { stringField } from '../qmi/fields.js';
import { getDataFormat, type DataFormat } from '../wda/data-format.js';
import { openOptions, type PortOptions } from './port.js';

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
