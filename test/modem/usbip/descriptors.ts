/**
 * USB descriptors of the emulated Quectel EC25 (2c7c:0125): the QMI function is one interface of class
 * ff/ff/ff with three endpoints, beside the four serial functions of the real module (see serialFunctions). qmi_wwan 6.1 matches 2c7c:0125 with QMI_MATCH_FF_FF_FF (any interface
 * number of class ff/ff/ff, with the "set DTR" quirk) and refuses any ff/ff/ff interface with exactly two
 * endpoints (that is the diag port on Quectel's dynamic configurations), so three endpoints are required.
 * The real module puts QMI on interface 4 (0-3 are diag, NMEA, AT, modem); we keep the number 4 so code that
 * reads bInterfaceNumber from sysfs sees what it would see on hardware.
 */

export const EC25_VENDOR_ID = 0x2c7c;
export const EC25_PRODUCT_ID = 0x0125;
export const EC25_BCD_DEVICE = 0x0318;

export const ENDPOINT_INTERRUPT_IN = 0x81;
export const ENDPOINT_BULK_IN = 0x82;
export const ENDPOINT_BULK_OUT = 0x01;
/** High speed bulk max packet size: usbnet refuses an MTU whose MTU + header is a multiple of it (EDOM). */
export const BULK_MAX_PACKET = 512;

export interface DescriptorOptions {
  interfaceNumber: number;
  /** all five interfaces of a real EC25 (default) or only the QMI one */
  composite: boolean;
  manufacturer: string;
  product: string;
  serial: string;
}

export const defaultDescriptorOptions: DescriptorOptions = {
  interfaceNumber: 4,
  composite: true,
  manufacturer: 'Quectel',
  product: 'EC25-E',
  serial: '0123456789ABCDEF',
};

export function deviceDescriptor(): Uint8Array {
  return Uint8Array.from([
    18, 0x01, // bLength, DEVICE
    0x00, 0x02, // bcdUSB 2.00
    0x00, 0x00, 0x00, // class/subclass/protocol: per interface
    64, // bMaxPacketSize0
    EC25_VENDOR_ID & 0xff, EC25_VENDOR_ID >> 8,
    EC25_PRODUCT_ID & 0xff, EC25_PRODUCT_ID >> 8,
    EC25_BCD_DEVICE & 0xff, EC25_BCD_DEVICE >> 8,
    1, 2, 3, // iManufacturer, iProduct, iSerialNumber
    1, // bNumConfigurations
  ]);
}

/** One interface of the composite device besides QMI: the serial functions of a real EC25 (no driver in the lab). */
interface SerialFunction {
  number: number;
  protocol: number; // ff for diag, 00 for NMEA/AT/modem
  endpoints: number[][]; // endpoint descriptors' address/attributes/maxPacket/interval
}

/**
 * The rest of an EC25's configuration: interface 0 is DIAG (ff/ff/ff with TWO endpoints, which qmi_wwan's
 * match rule catches and its probe refuses), 1-3 are NMEA, AT and modem ports (ff/00/00, option driver). Their
 * endpoint numbers differ from the hardware's because the QMI function keeps 0x81/0x82/0x01 here.
 */
const serialFunctions: SerialFunction[] = [
  { number: 0, protocol: 0xff, endpoints: [[0x83, 0x02, 512, 0], [0x02, 0x02, 512, 0]] },
  { number: 1, protocol: 0x00, endpoints: [[0x84, 0x03, 10, 9], [0x85, 0x02, 512, 0], [0x03, 0x02, 512, 0]] },
  { number: 2, protocol: 0x00, endpoints: [[0x86, 0x03, 10, 9], [0x87, 0x02, 512, 0], [0x04, 0x02, 512, 0]] },
  { number: 3, protocol: 0x00, endpoints: [[0x88, 0x03, 10, 9], [0x89, 0x02, 512, 0], [0x06, 0x02, 512, 0]] },
];

function interfaceBytes(number: number, subclass: number, protocol: number, endpoints: number[][]): number[] {
  const out = [9, 0x04, number, 0, endpoints.length, 0xff, subclass, protocol, 0];
  for (const [address, attributes, maxPacket, interval] of endpoints) {
    out.push(7, 0x05, address!, attributes!, maxPacket! & 0xff, maxPacket! >> 8, interval!);
  }
  return out;
}

/** Class/subclass/protocol of every interface, in order, for OP_REP_DEVLIST. */
export function interfaceClasses(options: DescriptorOptions): Array<{ bInterfaceClass: number; bInterfaceSubClass: number; bInterfaceProtocol: number }> {
  const qmi = { bInterfaceClass: 0xff, bInterfaceSubClass: 0xff, bInterfaceProtocol: 0xff };
  if (!options.composite) return [qmi];
  return [
    ...serialFunctions.map((f) => ({ bInterfaceClass: 0xff, bInterfaceSubClass: f.protocol, bInterfaceProtocol: f.protocol })),
    qmi,
  ];
}

export function configurationDescriptor(options: DescriptorOptions): Uint8Array {
  const qmi = interfaceBytes(options.interfaceNumber, 0xff, 0xff, [
    // interrupt IN: QMI "response available" notifications (cdc-wdm), 8 bytes, bInterval 9 (2^8 microframes)
    [ENDPOINT_INTERRUPT_IN, 0x03, 8, 9],
    // bulk IN / bulk OUT: the data path (usbnet)
    [ENDPOINT_BULK_IN, 0x02, BULK_MAX_PACKET, 0],
    [ENDPOINT_BULK_OUT, 0x02, BULK_MAX_PACKET, 0],
  ]);
  const others = options.composite
    ? serialFunctions.filter((f) => f.number !== options.interfaceNumber).flatMap((f) => interfaceBytes(f.number, f.protocol, f.protocol, f.endpoints))
    : [];
  const body = [...others, ...qmi];
  const total = 9 + body.length;
  const interfaces = options.composite ? serialFunctions.length + 1 : 1;
  return Uint8Array.from([
    9, 0x02, total & 0xff, total >> 8,
    interfaces, // bNumInterfaces
    1, // bConfigurationValue
    0, // iConfiguration
    0xa0, // bus powered, remote wakeup
    250, // 500 mA
    ...body,
  ]);
}

export function stringDescriptor(index: number, options: DescriptorOptions): Uint8Array | undefined {
  if (index === 0) return Uint8Array.from([4, 0x03, 0x09, 0x04]); // LANGID en-US
  const text = [undefined, options.manufacturer, options.product, options.serial][index];
  if (text === undefined) return undefined;
  const out = new Uint8Array(2 + text.length * 2);
  out[0] = out.length;
  out[1] = 0x03;
  for (let i = 0; i < text.length; i++) {
    out[2 + i * 2] = text.charCodeAt(i) & 0xff;
    out[3 + i * 2] = text.charCodeAt(i) >> 8;
  }
  return out;
}
