// Opening a QMI control port: the character device itself, or through qmi-proxy. Opening proves the port
// speaks QMI with CTL Get Version Info (not Sync: a Sync request makes the firmware drop every client id,
// including those of ModemManager or of a running session).
import { Category, RmnetError } from '../errors.js';
import { openCharDevice } from './chardev-transport.js';
import { QmiDevice, type DeviceOptions } from './device.js';
import { SERVICE_NAMES } from './enums.js';
import { ctlGetVersionInfo, ctlInternalProxyOpen } from './messages.js';
import { connectProxy } from './proxy-transport.js';
import type { Transport } from './transport.js';

export interface OpenOptions extends DeviceOptions {
  path: string;
  /** Go through libqmi's qmi-proxy (shares the port with ModemManager and qmicli -p). */
  proxy?: boolean;
  /** Abstract socket name of the proxy; tests only. */
  proxySocket?: string;
  /** Time the first CTL request may take before the port is declared not a QMI port. */
  probeTimeoutMs?: number;
}

export interface ServiceVersion {
  service: string | number;
  major: number;
  minor: number;
}

export interface OpenedDevice {
  device: QmiDevice;
  /** From CTL Get Version Info; empty when the modem refused it. */
  versions: ServiceVersion[];
}

export async function openQmiDevice(options: OpenOptions): Promise<OpenedDevice> {
  const { path } = options;
  if (!path) throw new RmnetError('BAD_ARGUMENT', 'no control port given (-d /dev/cdc-wdmN)', Category.usage);
  const probeTimeoutMs = options.probeTimeoutMs ?? options.timeoutMs ?? 3000;
  const transport: Transport = options.proxy ? await connectProxy(path, options.proxySocket) : openCharDevice(path);
  const device = new QmiDevice(transport, options);
  try {
    if (options.proxy) await proxyOpen(device, path, probeTimeoutMs);
    const versions = await probe(device, path, probeTimeoutMs, options.proxy === true);
    return { device, versions };
  } catch (error) {
    await device.close().catch(() => {});
    throw error;
  }
}

async function proxyOpen(device: QmiDevice, path: string, timeoutMs: number): Promise<void> {
  try {
    await device.ctl(ctlInternalProxyOpen, { devicePath: path }, { timeoutMs });
  } catch (error) {
    if (error instanceof RmnetError && error.code === 'DEVICE_GONE') {
      // qmi-proxy hangs up without a reply when it cannot open the device.
      throw new RmnetError(
        'DEVICE_NOT_FOUND',
        `${path}: qmi-proxy could not open it (no such device, or not a QMI port)`,
        Category.notFound,
        { path, via: 'qmi-proxy' },
        { cause: error },
      );
    }
    if (error instanceof RmnetError && error.code === 'QMI_TIMEOUT') {
      throw new RmnetError('NO_QMI_ANSWER', `${path}: qmi-proxy did not confirm opening it within ${timeoutMs} ms`, Category.timeout, { path, via: 'qmi-proxy' });
    }
    throw error;
  }
}

async function probe(device: QmiDevice, path: string, timeoutMs: number, viaProxy: boolean): Promise<ServiceVersion[]> {
  try {
    const response = await device.ctl(ctlGetVersionInfo, {}, { timeoutMs });
    const list = response.fields.services;
    if (!Array.isArray(list)) return [];
    return list.flatMap((entry) => {
      if (typeof entry !== 'object' || entry instanceof Uint8Array || Array.isArray(entry) || typeof entry === 'bigint') return [];
      const { service, major, minor } = entry;
      if (typeof major !== 'number' || typeof minor !== 'number') return [];
      const name = typeof service === 'number' ? (SERVICE_NAMES[service] ?? service) : typeof service === 'string' ? service : -1;
      return [{ service: name, major, minor }];
    });
  } catch (error) {
    if (error instanceof RmnetError && error.code === 'QMI_ERROR') return []; // it answered: it speaks QMI
    const garbage = device.undecodable;
    if (error instanceof RmnetError && error.code === 'QMI_TIMEOUT' && garbage.first) {
      throw new RmnetError(
        'QMI_MALFORMED',
        `${path}${viaProxy ? ' (through qmi-proxy)' : ''} answered, but not in QMI: ${garbage.frames} undecodable frame(s), the first ${garbage.first.error}: ${garbage.first.message}; is it a QMI control port?`,
        Category.protocol,
        { path, service: 'ctl', qmiMessage: 'Get Version Info', frameError: garbage.first.error },
      );
    }
    if (error instanceof RmnetError && error.code === 'QMI_TIMEOUT') {
      throw new RmnetError(
        'NO_QMI_ANSWER',
        `no QMI answer from ${path}${viaProxy ? ' (through qmi-proxy)' : ''} within ${timeoutMs} ms: is it a QMI control port?`,
        Category.timeout,
        { path, service: 'ctl', qmiMessage: 'Get Version Info' },
      );
    }
    throw error;
  }
}

/** Opens the port, runs `body`, then releases every client id it allocated and closes, whatever happens. */
export async function withQmiDevice<T>(options: OpenOptions, body: (opened: OpenedDevice) => Promise<T>): Promise<T> {
  const opened = await openQmiDevice(options);
  try {
    return await body(opened);
  } finally {
    await opened.device.close();
  }
}
