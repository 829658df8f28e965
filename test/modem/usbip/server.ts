/**
 * A USB/IP server exporting one emulated device, bus id "1-1", on 127.0.0.1:3240 by default.
 * `usbip list -r 127.0.0.1` sends OP_REQ_DEVLIST; `usbip attach -r 127.0.0.1 -b 1-1` sends OP_REQ_IMPORT and
 * then hands the connected socket to vhci-hcd, which speaks CMD_SUBMIT/CMD_UNLINK on it from then on.
 * One importer at a time: a second import while attached is refused (status 1), as usbipd does.
 */
import net from 'node:net';
import { EC25_BCD_DEVICE, EC25_PRODUCT_ID, EC25_VENDOR_ID, interfaceClasses } from './descriptors.js';
import type { UsbQmiDevice } from './device.js';
import {
  UsbSpeed,
  UsbipStreamParser,
  USBIP_PORT,
  encodeDevlistReply,
  encodeImportReply,
  type ExportedDevice,
} from './protocol.js';

export interface UsbipServerOptions {
  host?: string;
  port?: number;
  busId?: string;
  log?: (message: string) => void;
}

export class UsbipServer {
  private server: net.Server | undefined;
  private attached: net.Socket | undefined;
  readonly exported: ExportedDevice;
  /** protocol errors seen (a malformed stream closes the connection) */
  readonly errors: string[] = [];

  constructor(
    private readonly device: UsbQmiDevice,
    private readonly options: UsbipServerOptions = {},
  ) {
    const busId = options.busId ?? '1-1';
    this.exported = {
      path: `/sys/devices/platform/emulated/usb1/${busId}`,
      busId,
      busNumber: 1,
      deviceNumber: 2,
      speed: UsbSpeed.high,
      idVendor: EC25_VENDOR_ID,
      idProduct: EC25_PRODUCT_ID,
      bcdDevice: EC25_BCD_DEVICE,
      bDeviceClass: 0,
      bDeviceSubClass: 0,
      bDeviceProtocol: 0,
      bConfigurationValue: 1,
      bNumConfigurations: 1,
      interfaces: interfaceClasses(device.descriptorOptions),
    };
  }

  /** the TCP port actually bound (differs from the option when it was 0) */
  get port(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  get isAttached(): boolean {
    return this.attached !== undefined;
  }

  async listen(): Promise<{ host: string; port: number }> {
    const host = this.options.host ?? '127.0.0.1';
    const port = this.options.port ?? USBIP_PORT;
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    return { host, port: typeof address === 'object' && address ? address.port : port };
  }

  async close(): Promise<void> {
    this.attached?.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const parser = new UsbipStreamParser();
    let importedHere = false;
    const log = this.options.log;
    socket.on('data', (chunk: Buffer) => {
      for (const message of parser.push(chunk)) {
        switch (message.kind) {
          case 'devlist':
            socket.write(encodeDevlistReply([this.exported]));
            break;
          case 'import': {
            const ok = message.busId === this.exported.busId && !this.attached;
            socket.write(encodeImportReply(ok ? this.exported : undefined));
            if (ok) {
              importedHere = true;
              this.attached = socket;
              parser.enterUrbPhase();
              this.device.connect((bytes) => {
                if (!socket.destroyed) socket.write(bytes);
              });
              log?.(`imported ${message.busId}`);
              // Bytes after the import request in the same chunk are URBs: parse them now.
              for (const next of parser.push(Buffer.alloc(0))) this.dispatch(next, socket);
            } else {
              socket.end();
            }
            break;
          }
          default:
            this.dispatch(message, socket);
        }
      }
    });
    const finish = (): void => {
      if (importedHere && this.attached === socket) {
        this.attached = undefined;
        this.device.disconnect();
        log?.('detached');
      }
    };
    socket.on('close', finish);
    socket.on('error', (error) => {
      log?.(`socket error: ${error.message}`);
    });
  }

  private dispatch(message: ReturnType<UsbipStreamParser['push']>[number], socket: net.Socket): void {
    switch (message.kind) {
      case 'submit':
        this.device.handleSubmit(message);
        break;
      case 'unlink':
        this.device.handleUnlink(message);
        break;
      case 'error':
        this.errors.push(message.message);
        this.options.log?.(`protocol error: ${message.message}`);
        socket.destroy();
        break;
      default:
        this.errors.push(`unexpected ${message.kind} in URB phase`);
        socket.destroy();
    }
  }
}
