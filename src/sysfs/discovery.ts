// Modem discovery: every QMI control port (USB cdc-wdm under qmi_wwan, or a wwan-class QMI port of a
// PCIe/MHI modem) with its network interface, driver, ids, USB path, interface number and qmi_wwan mode.
import { posix } from 'node:path';
import { readQmiWwanMode } from './qmi-wwan.js';
import { linkName, listOptional, readOptional, resolve, type Sysfs } from './sysfs.js';

export type EndpointType = 'hsusb' | 'pcie';

export interface Modem {
  /** Control port name: cdc-wdm0, wwan0qmi0. Its device node is /dev/<controlPort>. */
  controlPort: string;
  /** The network interface (qmi_wwan's wwan0, mhi_net's mhi_hwip0), or null if none is bound. */
  netInterface: string | null;
  /** Every network interface of the control interface (normally one). */
  netInterfaces: string[];
  /** Driver of the network side: qmi_wwan, mhi_net... */
  driver: string | null;
  /** USB idVendor:idProduct or PCI vendor:device, 4 hex digits each. */
  vendorProduct: string | null;
  /** USB device path (1-1, 2-1.4) or PCI address. */
  busPath: string | null;
  /** bInterfaceNumber of the QMI interface (USB), the value WDA/WDS endpoint info wants. Null for PCIe. */
  interfaceNumber: number | null;
  endpointType: EndpointType;
  /** qmi_wwan mode; null when the driver is not qmi_wwan. */
  rawIp: boolean | null;
  passThrough: boolean | null;
  /** Canonical sysfs path of the control interface's device (for messages and later lookups). */
  devicePath: string;
}

function hex4(text: string | undefined): string | null {
  if (text === undefined) return null;
  const n = Number.parseInt(text.trim().replace(/^0x/i, ''), 16);
  return Number.isFinite(n) ? n.toString(16).padStart(4, '0') : null;
}

async function usbModem(sysfs: Sysfs, port: string): Promise<Modem | undefined> {
  const devicePath = await resolve(sysfs, `class/usbmisc/${port}/device`);
  if (devicePath === undefined) return undefined;
  // devicePath is the USB interface (…/1-1/1-1:1.4); its parent is the USB device (…/1-1).
  const usbDevice = posix.dirname(devicePath);
  const netInterfaces = await listOptional(sysfs, `${devicePath}/net`);
  const netInterface = netInterfaces[0] ?? null;
  const driver = (await linkName(sysfs, `${devicePath}/driver`)) ?? null;
  const ifnum = await readOptional(sysfs, `${devicePath}/bInterfaceNumber`);
  const vid = hex4(await readOptional(sysfs, `${usbDevice}/idVendor`));
  const pid = hex4(await readOptional(sysfs, `${usbDevice}/idProduct`));
  const mode = netInterface ? await readQmiWwanMode(sysfs, netInterface) : undefined;
  return {
    controlPort: port,
    netInterface,
    netInterfaces,
    driver,
    vendorProduct: vid && pid ? `${vid}:${pid}` : null,
    busPath: posix.basename(usbDevice),
    interfaceNumber: ifnum === undefined ? null : Number.parseInt(ifnum.trim(), 16),
    endpointType: 'hsusb',
    rawIp: mode ? mode.rawIp : null,
    passThrough: mode ? mode.passThrough : null,
    devicePath,
  };
}

/** The PCI function above an MHI controller path: the last component shaped like 0000:01:00.0. */
function pciFunction(path: string): string | undefined {
  const parts = path.split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    if (/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-9a-f]$/i.test(parts[i]!)) return parts.slice(0, i + 1).join('/');
  }
  return undefined;
}

async function mhiModem(sysfs: Sysfs, port: string): Promise<Modem | undefined> {
  const portPath = await resolve(sysfs, `class/wwan/${port}`);
  if (portPath === undefined) return undefined;
  // …/<pci>/mhi0/wwan/wwan0/wwan0qmi0: the MHI controller is the ancestor named mhiN.
  const parts = portPath.split('/');
  const controllerIndex = parts.findIndex((p) => /^mhi\d+$/.test(p));
  const netInterfaces: string[] = [];
  let driver: string | null = null;
  if (controllerIndex >= 0) {
    const controller = parts.slice(0, controllerIndex + 1).join('/');
    const controllerName = parts[controllerIndex]!;
    // mhi_net binds the IP_HW0 (hardware-accelerated) or IP_SW0 channel; its netdev sits under it.
    for (const child of await listOptional(sysfs, controller)) {
      if (!child.startsWith(`${controllerName}_IP_`)) continue;
      const nets = await listOptional(sysfs, `${controller}/${child}/net`);
      if (nets.length > 0 && driver === null) driver = (await linkName(sysfs, `${controller}/${child}/driver`)) ?? null;
      netInterfaces.push(...nets);
    }
  }
  const pci = pciFunction(portPath);
  const vendor = pci ? hex4(await readOptional(sysfs, `${pci}/vendor`)) : null;
  const device = pci ? hex4(await readOptional(sysfs, `${pci}/device`)) : null;
  return {
    controlPort: port,
    netInterface: netInterfaces[0] ?? null,
    netInterfaces,
    driver,
    vendorProduct: vendor && device ? `${vendor}:${device}` : null,
    busPath: pci ? posix.basename(pci) : null,
    interfaceNumber: null,
    endpointType: 'pcie',
    rawIp: null,
    passThrough: null,
    devicePath: portPath,
  };
}

/** Every QMI modem the kernel shows, USB first, each list sorted by control port (natural order). */
export async function discoverModems(sysfs: Sysfs): Promise<Modem[]> {
  const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  const modems: Modem[] = [];
  for (const port of (await listOptional(sysfs, 'class/usbmisc')).filter((p) => p.startsWith('cdc-wdm')).sort(natural)) {
    const modem = await usbModem(sysfs, port);
    if (modem) modems.push(modem);
  }
  for (const port of (await listOptional(sysfs, 'class/wwan')).filter((p) => /qmi\d*$/.test(p)).sort(natural)) {
    const modem = await mhiModem(sysfs, port);
    if (modem) modems.push(modem);
  }
  return modems;
}

/** The bulk IN max packet size of a USB modem's QMI interface: from ep_XX/wMaxPacketSize, else from speed. */
export async function bulkInMaxPacketSize(sysfs: Sysfs, netInterface: string): Promise<{ size: number; source: 'endpoint' | 'speed' | 'default' }> {
  const interfacePath = await resolve(sysfs, `class/net/${netInterface}/device`);
  if (interfacePath !== undefined) {
    for (const entry of await listOptional(sysfs, interfacePath)) {
      if (!/^ep_[0-9a-f]{2}$/i.test(entry)) continue;
      const address = Number.parseInt(entry.slice(3), 16);
      if ((address & 0x80) === 0) continue; // OUT endpoint
      const type = await readOptional(sysfs, `${interfacePath}/${entry}/type`);
      if (type !== undefined && type.trim() !== 'Bulk') continue;
      const size = await readOptional(sysfs, `${interfacePath}/${entry}/wMaxPacketSize`);
      const n = size === undefined ? NaN : Number.parseInt(size.trim(), 16);
      if (Number.isFinite(n) && n > 0) return { size: n & 0x7ff, source: 'endpoint' };
    }
    const speed = await readOptional(sysfs, `${posix.dirname(interfacePath)}/speed`);
    if (speed !== undefined) {
      const mbps = Number(speed.trim());
      if (mbps >= 5000) return { size: 1024, source: 'speed' };
      if (mbps >= 480) return { size: 512, source: 'speed' };
      if (mbps > 0) return { size: 64, source: 'speed' };
    }
  }
  // Unknown: 512. Avoiding multiples of 512 also avoids multiples of 1024 (SuperSpeed).
  return { size: 512, source: 'default' };
}
