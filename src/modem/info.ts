// What `rmnetctl info` asks a modem: identity (DMS) and the current data format (WDA), each with a client
// id released before returning. Plain values; the CLI renders them. Every question is optional
// (./optional.ts): firmware that refuses one, or lacks the service, still gets a report of the rest.
import { withQmiDevice } from '../qmi/open.js';
import type { QmiDevice } from '../qmi/device.js';
import { QmiService } from '../qmi/enums.js';
import type { MessageSchema } from '../qmi/schema.js';
import { dmsGetIds, dmsGetModel, dmsGetRevision } from '../dms/messages.js';
import { stringField } from '../qmi/fields.js';
import { getDataFormat, type DataFormat } from '../wda/data-format.js';
import { optional, present, settle, type Answer, type Unavailable } from './optional.js';
import { openOptions, type PortOptions } from './port.js';

export type InfoField = 'model' | 'revision' | 'imei' | 'dataFormat';

/** The data format as `info` reports it: every key always there, null where the modem gave nothing. */
export type ReportedDataFormat = { [K in keyof Required<DataFormat>]: Exclude<DataFormat[K], undefined> | null };
const FORMAT_KEYS = ['linkLayer', 'uplinkAggregation', 'downlinkAggregation', 'downlinkMaxDatagrams', 'downlinkMaxSize', 'uplinkMaxDatagrams', 'uplinkMaxSize', 'downlinkMinimumPadding', 'qosFormat', 'flowControl'] as const satisfies ReadonlyArray<keyof DataFormat>;

/** A stable JSON shape: a key the modem left out is null, not missing (scripts index it either way). */
export function reportedFormat(format: DataFormat): ReportedDataFormat {
  return Object.fromEntries(FORMAT_KEYS.map((key) => [key, format[key] ?? null])) as ReportedDataFormat;
}

export interface InfoReport {
  path: string;
  via: 'char-device' | 'qmi-proxy';
  model: string | null;
  revision: string | null;
  imei: string | null;
  /** CTL Get Version Info; empty when the modem refused it. */
  services: Array<{ service: string | number; major: number; minor: number }>;
  dataFormat: ReportedDataFormat | null;
  /** Why each null field is null, e.g. `{ revision: 'DMS Get Revision: QMI error InvalidQmiCommand (71)' }`. */
  unavailable: Unavailable<InfoField>;
}

interface Identity {
  model: Answer<string>;
  revision: Answer<string>;
  imei: Answer<string>;
}

async function identity(device: QmiDevice): Promise<Identity> {
  const dms = await optional(() => device.allocateClient(QmiService.DMS));
  // No DMS client (the firmware lacks the service): every identity field carries that one reason.
  if (dms.value === null) return { model: dms, revision: dms, imei: dms };
  const client = dms.value;
  const ask = async (schema: MessageSchema, field: string, what: string) =>
    present(await optional(async () => stringField((await client.request(schema)).fields, field)), `DMS ${schema.name}: the answer has no ${what}`);
  try {
    return {
      model: await ask(dmsGetModel, 'model', 'model'),
      revision: await ask(dmsGetRevision, 'revision', 'revision'),
      // CDMA-only firmware answers Get IDs with an ESN or MEID and no IMEI.
      imei: await ask(dmsGetIds, 'imei', 'IMEI'),
    };
  } finally {
    await client.release().catch(() => {});
  }
}

export async function collectInfo(options: PortOptions): Promise<InfoReport> {
  return withQmiDevice(openOptions(options), async ({ device, versions }) => {
    const id = await identity(device);
    // Old firmware has no WDA service (Allocate CID fails): identity is still worth printing.
    const format = await optional(() => device.withClient(QmiService.WDA, (wda) => getDataFormat(wda)));
    const unavailable: Unavailable<InfoField> = {};
    return {
      path: options.device,
      via: options.proxy ? 'qmi-proxy' : 'char-device',
      model: settle(unavailable, 'model', id.model),
      revision: settle(unavailable, 'revision', id.revision),
      imei: settle(unavailable, 'imei', id.imei),
      services: versions,
      dataFormat: ((f) => (f === null ? null : reportedFormat(f)))(settle(unavailable, 'dataFormat', format)),
      unavailable,
    };
  });
}
