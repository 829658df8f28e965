// What `rmnetctl format get|set` asks a modem: the WDA data format, requested vs granted, with a client id
// released before returning. Plain values; the CLI renders them.
import { withQmiDevice } from '../qmi/open.js';
import { QmiService } from '../qmi/enums.js';
import { getDataFormat, setDataFormat, type DataFormat, type DataFormatRequest, type Endpoint } from '../wda/data-format.js';
import { openOptions, type PortOptions } from './port.js';

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
