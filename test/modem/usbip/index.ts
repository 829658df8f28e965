/**
 * The emulated modem on USB/IP: QMI model + USB device + data plane + server, wired together.
 *
 *   const lab = await startUsbipModem();          // listens on 127.0.0.1:3240, exports bus id 1-1
 *   // usbip attach -r 127.0.0.1 -b 1-1  ->  wwan0 + /dev/cdc-wdm0 (qmi_wwan, cdc-wdm)
 *   lab.dataPlane.pushDownlink({ muxId: 1, datagrams: 8 });
 *   await lab.close();
 *
 * The QMI firmware is test/modem's EmulatedModem (the same model the pty tests and qmicli checks use).
 */
import { DataPlane, describeFormat, type PdnRoute } from './data-plane.js';
import { UsbQmiDevice } from './device.js';
import { EmulatedModem } from '../modem.js';
import { UsbipServer } from './server.js';

export { DataPlane, describeFormat, UsbQmiDevice, UsbipServer };
export type { DownlinkRequest, DownlinkResult, PdnRoute } from './data-plane.js';

/** The part of the modem model this transport uses (test/modem's EmulatedModem has it). */
export interface QmiModemModel {
  attach(send: (frame: Uint8Array) => void): { receive(frame: Uint8Array): void; detach(): void };
  dataFormat(): unknown;
  sessions(): unknown[];
  clients(): Array<{ service: number; clientId: number }>;
}

export interface UsbipModemOptions {
  modem?: QmiModemModel;
  /** A firmware profile (test/modem/services/firmware.ts) for the emulated modem, when `modem` is not given. */
  firmware?: string;
  port?: number;
  interfaceNumber?: number;
  /** export only the QMI interface instead of the five of a real EC25 */
  qmiOnly?: boolean;
  log?: (message: string) => void;
}

export interface UsbipModem {
  modem: QmiModemModel;
  device: UsbQmiDevice;
  server: UsbipServer;
  dataPlane: DataPlane;
  close(): Promise<void>;
}

/** What DMS Get Model answers in the lab, whichever firmware runs. */
export const LAB_MODEL = 'EC25';

function routesOf(modem: QmiModemModel): PdnRoute[] {
  const routes: PdnRoute[] = [];
  for (const raw of modem.sessions()) {
    const s = raw as { muxId?: number; ipv4?: { address?: string }; ipv6?: { address?: string } };
    if (typeof s.muxId !== 'number') continue;
    routes.push({ muxId: s.muxId, ipv4: s.ipv4?.address, ipv6: s.ipv6?.address });
  }
  return routes;
}

export async function startUsbipModem(options: UsbipModemOptions = {}): Promise<UsbipModem> {
  const modem = options.modem ?? (options.firmware ? EmulatedModem.withFirmware(options.firmware) : new EmulatedModem({ model: LAB_MODEL }));
  let dataPlane: DataPlane | undefined;
  let qmi: { receive(frame: Uint8Array): void; detach(): void } | undefined;
  const device = new UsbQmiDevice({
    descriptors: { interfaceNumber: options.interfaceNumber ?? 4, composite: !options.qmiOnly },
    onQmiRequest: (frame) => qmi?.receive(frame),
    onBulkOut: (transfer) => dataPlane?.handleUplink(transfer),
    log: options.log,
  });
  qmi = modem.attach((frame) => device.queueQmiResponse(frame));
  dataPlane = new DataPlane(device, () => describeFormat(modem.dataFormat()), () => routesOf(modem));
  const server = new UsbipServer(device, { port: options.port, log: options.log });
  await server.listen();
  return {
    modem,
    device,
    server,
    dataPlane,
    async close() {
      qmi?.detach();
      await server.close();
    },
  };
}
