// The data format `up` runs with: the one already in force when other PDNs of this modem are up (the
// modem has one format for all its muxes), else a fresh walk of the ladder (wda/negotiation.ts). A change
// on the modem registers its way back on the caller's undo stack before it is made.
import { Category, RmnetError } from '../errors.js';
import { QmiService } from '../qmi/enums.js';
import type { QmiDevice } from '../qmi/device.js';
import type { Modem } from '../sysfs/discovery.js';
import { setDataFormat, type DataFormat } from '../wda/data-format.js';
import type { Rung } from '../wda/ladder.js';
import { endpointOf, negotiateDataFormat, type ReceiveCeiling } from '../wda/negotiation.js';
import type { UndoStack } from '../undo.js';
import type { SessionEnv } from './env.js';
import type { PdnRequest } from './request.js';
import { recordedFormat, recordedRung, type ModemRecord, type RecordedFormat } from './state.js';

export interface SettledFormat {
  rung: Rung;
  format: DataFormat;
  decision: string;
  recorded: RecordedFormat;
}

export interface FormatContext {
  env: SessionEnv;
  device: QmiDevice;
  modem: Modem;
  /** Updated with the new format when one is negotiated. */
  record: ModemRecord;
  backend: PdnRequest['backend'];
  via: RecordedFormat['via'];
  /** Where the modem's restore step goes (the steps every PDN shares). */
  undo: UndoStack;
  /** Ask no more DL bytes per transfer than this kernel receives (up-links.ts finds it). */
  receiveCeiling?: ReceiveCeiling | undefined;
}

export async function settleDataFormat({ env, device, modem, record, backend, via, undo, receiveCeiling }: FormatContext): Promise<SettledFormat> {
  const liveFormat = record.pdns.length > 0 ? record.dataFormat : undefined;
  const live = recordedRung(liveFormat);
  const constraints = {
    backend,
    rmnetAvailable: live?.backend === 'rmnet' || (backend !== 'qmimux' && (await env.rmnetAvailable())),
    qmiWwan: modem.driver === 'qmi_wwan',
    live: live ? { backend: live.backend, aggregation: live.aggregation } : undefined,
    muxRequested: true,
  };
  const wda = await device.allocateClient(QmiService.WDA).catch((error: unknown) => {
    throw withoutWda(error, modem.netInterface ?? 'its network interface');
  });
  try {
    const negotiated = await negotiateDataFormat(wda, {
      path: device.path,
      endpoint: endpointOf(modem),
      constraints,
      live,
      receiveCeiling,
      beforeChange: (restore) =>
        undo.defer('restore the modem data format', async () => {
          await device.withClient(QmiService.WDA, (client) => setDataFormat(client, restore));
        }),
    });
    if (live && liveFormat) return { ...negotiated, recorded: liveFormat };
    env.log(negotiated.decision);
    record.dataFormat = recordedFormat(negotiated.rung, negotiated.format, via);
    return { ...negotiated, recorded: record.dataFormat };
  } finally {
    await wda.release().catch((error: unknown) => {
      // A release that got no answer, twice, or a port lost: the modem may still hold the client.
      const reason = (error as Error).message;
      env.log(`warning: ${reason}; recorded for "rmnetctl down"`);
      (record.strayClients ??= []).push({ service: 'wda', clientId: wda.clientId, reason });
    });
  }
}

/**
 * Firmware older than WDA refuses the WDA client: it cannot set a multiplexed data format or bind a mux,
 * so the one thing it carries is a single PDN on the parent itself, which `up` (a PDN per mux) does not
 * set up. Says so beside the refused Allocate CID; other errors pass unchanged.
 */
function withoutWda(error: unknown, parent: string): unknown {
  if (!(error instanceof RmnetError) || error.code !== 'QMI_ERROR' || error.details.qmiError !== 'InvalidServiceType') return error;
  const message = `${error.message}: the modem has no WDA service, so it cannot multiplex PDNs on mux links; such firmware carries one PDN in raw-ip on ${parent} itself, which "rmnetctl up" does not set up (docs/firmware-profiles.md)`;
  return new RmnetError(error.code, message, Category.qmiError, { ...error.details, noWda: true }, { cause: error });
}
