/**
 * USB/IP wire format (Linux Documentation/usb/usbip_protocol.rst), the device (server) side.
 * Everything is big-endian. Two phases on one TCP connection:
 *   1. operations: OP_REQ_DEVLIST / OP_REQ_IMPORT, each an 8-byte header {version u16, code u16, status u32};
 *   2. after a successful import the connection carries URBs: 48-byte headers
 *      {command, seqnum, devid, direction, ep} + 28 command-specific bytes, OUT data after CMD_SUBMIT.
 * Pure: encoders return buffers, the StreamParser turns bytes into typed messages.
 */

export const USBIP_VERSION = 0x0111;
export const USBIP_PORT = 3240;

export const OP_REQ_DEVLIST = 0x8005;
export const OP_REP_DEVLIST = 0x0005;
export const OP_REQ_IMPORT = 0x8003;
export const OP_REP_IMPORT = 0x0003;

export const USBIP_CMD_SUBMIT = 0x1;
export const USBIP_CMD_UNLINK = 0x2;
export const USBIP_RET_SUBMIT = 0x3;
export const USBIP_RET_UNLINK = 0x4;

export const USBIP_DIR_OUT = 0;
export const USBIP_DIR_IN = 1;

export const URB_HEADER_LENGTH = 48;
const OP_HEADER_LENGTH = 8;
const BUSID_LENGTH = 32;
const PATH_LENGTH = 256;

/** Linux errno values as URB status (negative on the wire). */
export const Errno = {
  EPIPE: 32, // stall
  EOVERFLOW: 75, // babble: the device sent more than the URB buffer holds
  ECONNRESET: 104, // unlinked
  ENOENT: 2,
} as const;

/** usb_device_speed */
export const UsbSpeed = { full: 2, high: 3, super: 5 } as const;

export interface ExportedDevice {
  path: string; // sysfs-like path, informative only
  busId: string; // e.g. "1-1", what `usbip attach -b` names
  busNumber: number;
  deviceNumber: number;
  speed: number;
  idVendor: number;
  idProduct: number;
  bcdDevice: number;
  bDeviceClass: number;
  bDeviceSubClass: number;
  bDeviceProtocol: number;
  bConfigurationValue: number;
  bNumConfigurations: number;
  interfaces: Array<{ bInterfaceClass: number; bInterfaceSubClass: number; bInterfaceProtocol: number }>;
}

export interface SubmitCommand {
  kind: 'submit';
  seqnum: number;
  devid: number;
  direction: number;
  endpoint: number;
  transferFlags: number;
  bufferLength: number;
  setup: Uint8Array; // 8 bytes, meaningful on endpoint 0
  data: Uint8Array; // OUT data (bufferLength bytes), empty for IN
}

export interface UnlinkCommand {
  kind: 'unlink';
  seqnum: number;
  devid: number;
  direction: number;
  endpoint: number;
  unlinkSeqnum: number;
}

export interface DevlistRequest {
  kind: 'devlist';
}

export interface ImportRequest {
  kind: 'import';
  busId: string;
}

export interface ProtocolError {
  kind: 'error';
  message: string;
}

export type UsbipMessage = SubmitCommand | UnlinkCommand | DevlistRequest | ImportRequest | ProtocolError;

function writeFixedString(target: Buffer, offset: number, text: string, length: number): void {
  target.fill(0, offset, offset + length);
  target.write(text.slice(0, length - 1), offset, 'ascii');
}

function readFixedString(source: Buffer, offset: number, length: number): string {
  const raw = source.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('ascii');
}

/** The 312-byte usbip_usb_device block shared by OP_REP_DEVLIST and OP_REP_IMPORT. */
function encodeDeviceBlock(device: ExportedDevice): Buffer {
  const out = Buffer.alloc(PATH_LENGTH + BUSID_LENGTH + 24);
  writeFixedString(out, 0, device.path, PATH_LENGTH);
  writeFixedString(out, PATH_LENGTH, device.busId, BUSID_LENGTH);
  let o = PATH_LENGTH + BUSID_LENGTH;
  out.writeUInt32BE(device.busNumber, o);
  out.writeUInt32BE(device.deviceNumber, o + 4);
  out.writeUInt32BE(device.speed, o + 8);
  out.writeUInt16BE(device.idVendor, o + 12);
  out.writeUInt16BE(device.idProduct, o + 14);
  out.writeUInt16BE(device.bcdDevice, o + 16);
  o += 18;
  out[o++] = device.bDeviceClass;
  out[o++] = device.bDeviceSubClass;
  out[o++] = device.bDeviceProtocol;
  out[o++] = device.bConfigurationValue;
  out[o++] = device.bNumConfigurations;
  out[o++] = device.interfaces.length;
  return out;
}

function opHeader(code: number, status: number): Buffer {
  const out = Buffer.alloc(OP_HEADER_LENGTH);
  out.writeUInt16BE(USBIP_VERSION, 0);
  out.writeUInt16BE(code, 2);
  out.writeUInt32BE(status, 4);
  return out;
}

export function encodeDevlistReply(devices: readonly ExportedDevice[]): Buffer {
  const parts: Buffer[] = [opHeader(OP_REP_DEVLIST, 0)];
  const count = Buffer.alloc(4);
  count.writeUInt32BE(devices.length, 0);
  parts.push(count);
  for (const device of devices) {
    parts.push(encodeDeviceBlock(device));
    for (const intf of device.interfaces) {
      parts.push(Buffer.from([intf.bInterfaceClass, intf.bInterfaceSubClass, intf.bInterfaceProtocol, 0]));
    }
  }
  return Buffer.concat(parts);
}

/** status 0 with the device block, or status 1 (and no block) when the bus id is not exported. */
export function encodeImportReply(device: ExportedDevice | undefined): Buffer {
  if (!device) return opHeader(OP_REP_IMPORT, 1);
  return Buffer.concat([opHeader(OP_REP_IMPORT, 0), encodeDeviceBlock(device)]);
}

function urbHeader(command: number, seqnum: number): Buffer {
  const out = Buffer.alloc(URB_HEADER_LENGTH);
  out.writeUInt32BE(command, 0);
  out.writeUInt32BE(seqnum, 4);
  // devid, direction and ep are zero in replies (usbip_protocol.rst); vhci matches on seqnum only.
  return out;
}

/** RET_SUBMIT. status is 0 or a negative errno; data is sent only for IN transfers (actual_length bytes). */
export function encodeRetSubmit(seqnum: number, status: number, data: Uint8Array | undefined, actualLength: number): Buffer {
  const header = urbHeader(USBIP_RET_SUBMIT, seqnum);
  header.writeInt32BE(status, 20);
  header.writeInt32BE(actualLength, 24);
  header.writeInt32BE(0, 28); // start_frame
  header.writeInt32BE(0, 32); // number_of_packets: not ISO
  header.writeInt32BE(0, 36); // error_count
  if (!data || data.length === 0) return header;
  return Buffer.concat([header, data]);
}

/** RET_UNLINK: -ECONNRESET when the URB was still pending and is now cancelled, 0 when it already completed. */
export function encodeRetUnlink(seqnum: number, status: number): Buffer {
  const header = urbHeader(USBIP_RET_UNLINK, seqnum);
  header.writeInt32BE(status, 20);
  return header;
}

/**
 * Incremental parser for the bytes a client sends. Feed chunks with push(); messages come out in order.
 * Starts in the operation phase; call enterUrbPhase() after a successful import.
 */
export class UsbipStreamParser {
  private buffer: Buffer = Buffer.alloc(0);
  private urbPhase = false;

  enterUrbPhase(): void {
    this.urbPhase = true;
  }

  push(chunk: Buffer): UsbipMessage[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: UsbipMessage[] = [];
    for (;;) {
      const message = this.urbPhase ? this.nextUrb() : this.nextOperation();
      if (!message) break;
      out.push(message);
      if (message.kind === 'error') break;
      if (message.kind === 'import') break; // the caller decides whether the URB phase starts
    }
    return out;
  }

  private consume(length: number): Buffer {
    const head = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return head;
  }

  private nextOperation(): UsbipMessage | undefined {
    if (this.buffer.length < OP_HEADER_LENGTH) return undefined;
    const code = this.buffer.readUInt16BE(2);
    if (code === OP_REQ_DEVLIST) {
      this.consume(OP_HEADER_LENGTH);
      return { kind: 'devlist' };
    }
    if (code === OP_REQ_IMPORT) {
      if (this.buffer.length < OP_HEADER_LENGTH + BUSID_LENGTH) return undefined;
      const block = this.consume(OP_HEADER_LENGTH + BUSID_LENGTH);
      return { kind: 'import', busId: readFixedString(block, OP_HEADER_LENGTH, BUSID_LENGTH) };
    }
    return { kind: 'error', message: `unknown operation 0x${code.toString(16)}` };
  }

  private nextUrb(): UsbipMessage | undefined {
    if (this.buffer.length < URB_HEADER_LENGTH) return undefined;
    const command = this.buffer.readUInt32BE(0);
    const seqnum = this.buffer.readUInt32BE(4);
    const devid = this.buffer.readUInt32BE(8);
    const direction = this.buffer.readUInt32BE(12);
    const endpoint = this.buffer.readUInt32BE(16);
    if (command === USBIP_CMD_SUBMIT) {
      const bufferLength = this.buffer.readInt32BE(24);
      const numberOfPackets = this.buffer.readInt32BE(32);
      if (bufferLength < 0) return { kind: 'error', message: `negative transfer length ${bufferLength}` };
      if (numberOfPackets > 0) {
        // 0 or -1 (0xffffffff) for bulk, interrupt and control
        return { kind: 'error', message: 'isochronous transfers are not emulated' };
      }
      const dataLength = direction === USBIP_DIR_OUT ? bufferLength : 0;
      if (this.buffer.length < URB_HEADER_LENGTH + dataLength) return undefined;
      const block = this.consume(URB_HEADER_LENGTH + dataLength);
      return {
        kind: 'submit',
        seqnum,
        devid,
        direction,
        endpoint,
        transferFlags: block.readUInt32BE(20),
        bufferLength,
        setup: new Uint8Array(block.subarray(40, 48)), // copies: a Buffer's slice() would be a view
        data: new Uint8Array(block.subarray(URB_HEADER_LENGTH)),
      };
    }
    if (command === USBIP_CMD_UNLINK) {
      const block = this.consume(URB_HEADER_LENGTH);
      return { kind: 'unlink', seqnum, devid, direction, endpoint, unlinkSeqnum: block.readUInt32BE(20) };
    }
    return { kind: 'error', message: `unknown URB command 0x${command.toString(16)}` };
  }
}
