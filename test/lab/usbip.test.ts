/**
 * The emulated modem's USB/IP transport without a kernel: wire format, the USB device's URB handling (QMI
 * notifications, bulk-IN -EOVERFLOW), the emulated network's echo replies, and the server over TCP.
 * Fast; runs everywhere (the kernel side is test/lab/lab.test.ts).
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { UsbQmiDevice } from '../modem/usbip/device.js';
import { echoReply, internetChecksum } from '../modem/usbip/ip.js';
import { EmulatedModem } from '../modem/modem.js';
import {
  Errno,
  OP_REQ_DEVLIST,
  OP_REQ_IMPORT,
  USBIP_CMD_SUBMIT,
  USBIP_CMD_UNLINK,
  USBIP_DIR_IN,
  USBIP_DIR_OUT,
  USBIP_RET_SUBMIT,
  USBIP_RET_UNLINK,
  USBIP_VERSION,
  UsbipStreamParser,
  type SubmitCommand,
} from '../modem/usbip/protocol.js';
import { startUsbipModem } from '../modem/usbip/index.js';
import { DataPlane, describeFormat, type DataPlaneFormat } from '../modem/usbip/data-plane.js';
import { deaggregateAll, encodeQmapPacket } from '../../src/qmap/index.js';

function submitBytes(seqnum: number, direction: number, endpoint: number, length: number, setup: number[], data: number[] = []): Buffer {
  const b = Buffer.alloc(48 + data.length);
  b.writeUInt32BE(USBIP_CMD_SUBMIT, 0);
  b.writeUInt32BE(seqnum, 4);
  b.writeUInt32BE(0x10002, 8);
  b.writeUInt32BE(direction, 12);
  b.writeUInt32BE(endpoint, 16);
  b.writeInt32BE(length, 24);
  Buffer.from(setup).copy(b, 40);
  Buffer.from(data).copy(b, 48);
  return b;
}

function submit(seqnum: number, direction: number, endpoint: number, length: number, setup: number[] = [0, 0, 0, 0, 0, 0, 0, 0], data: number[] = []): SubmitCommand {
  return { kind: 'submit', seqnum, devid: 0x10002, direction, endpoint, transferFlags: 0, bufferLength: length, setup: Uint8Array.from(setup), data: Uint8Array.from(data) };
}

interface Ret {
  command: number;
  seqnum: number;
  status: number;
  actualLength: number;
  data: Buffer;
}

/** `outSeqnums`: replies to OUT transfers, which carry a length but no data. */
function parseReplies(chunks: Buffer[], outSeqnums: number[] = []): Ret[] {
  const all = Buffer.concat(chunks);
  const out: Ret[] = [];
  let o = 0;
  while (o + 48 <= all.length) {
    const command = all.readUInt32BE(o);
    const actualLength = command === USBIP_RET_SUBMIT ? all.readInt32BE(o + 24) : 0;
    const status = all.readInt32BE(o + 20);
    const seqnum = all.readUInt32BE(o + 4);
    const dataLength = command === USBIP_RET_SUBMIT && status === 0 && !outSeqnums.includes(seqnum) ? actualLength : 0;
    out.push({ command, seqnum: all.readUInt32BE(o + 4), status, actualLength, data: all.subarray(o + 48, o + 48 + dataLength) });
    o += 48 + dataLength;
  }
  return out;
}

function newDevice() {
  const replies: Buffer[] = [];
  const requests: Uint8Array[] = [];
  const outs: Uint8Array[] = [];
  const device = new UsbQmiDevice({ onQmiRequest: (f) => requests.push(f), onBulkOut: (t) => outs.push(t) });
  device.connect((b) => replies.push(b));
  return { device, replies, requests, outs };
}

describe('USB/IP wire format', () => {
  it('parses CMD_SUBMIT with OUT data and CMD_UNLINK split at every byte', () => {
    const unlink = Buffer.alloc(48);
    unlink.writeUInt32BE(USBIP_CMD_UNLINK, 0);
    unlink.writeUInt32BE(9, 4);
    unlink.writeUInt32BE(7, 20);
    const stream = Buffer.concat([submitBytes(7, USBIP_DIR_OUT, 1, 3, [0, 0, 0, 0, 0, 0, 0, 0], [1, 2, 3]), unlink]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const parser = new UsbipStreamParser();
      parser.enterUrbPhase();
      const messages = [...parser.push(stream.subarray(0, cut)), ...parser.push(stream.subarray(cut))];
      expect(messages.map((m) => m.kind)).toEqual(['submit', 'unlink']);
      const first = messages[0] as SubmitCommand;
      expect([...first.data]).toEqual([1, 2, 3]);
      expect(messages[1]).toMatchObject({ seqnum: 9, unlinkSeqnum: 7 });
    }
  });
});

describe('emulated EC25 URB handling', () => {
  it('answers the device and configuration descriptors: five interfaces, QMI on 4 with three endpoints', () => {
    const { device, replies } = newDevice();
    device.handleSubmit(submit(1, USBIP_DIR_IN, 0, 18, [0x80, 6, 0, 1, 0, 0, 18, 0]));
    device.handleSubmit(submit(2, USBIP_DIR_IN, 0, 255, [0x80, 6, 0, 2, 0, 0, 255, 0]));
    const [dev, config] = parseReplies(replies);
    expect(dev!.data.readUInt16LE(8).toString(16)).toBe('2c7c');
    expect(dev!.data.readUInt16LE(10).toString(16)).toBe('125');
    const interfaces: number[][] = [];
    for (let o = 0; o < config!.data.length; o += config!.data[o]!) {
      const d = config!.data.subarray(o, o + config!.data[o]!);
      if (d[1] === 4) interfaces.push([d[2]!, d[4]!, d[5]!, d[6]!, d[7]!]);
    }
    expect(config!.data[4]).toBe(5); // bNumInterfaces, like a real EC25
    expect(interfaces).toContainEqual([4, 3, 0xff, 0xff, 0xff]); // QMI: interface 4, three endpoints
    expect(interfaces).toContainEqual([0, 2, 0xff, 0xff, 0xff]); // DIAG: two endpoints, refused by qmi_wwan
  });

  it('signals RESPONSE_AVAILABLE for each QMI response and returns them in order', () => {
    const { device, replies, requests } = newDevice();
    device.handleSubmit(submit(1, USBIP_DIR_OUT, 0, 3, [0x21, 0, 0, 0, 4, 0, 3, 0], [1, 2, 3]));
    expect(requests.map((r) => [...r])).toEqual([[1, 2, 3]]);
    device.queueQmiResponse(Uint8Array.of(0xaa));
    device.queueQmiResponse(Uint8Array.of(0xbb));
    device.handleSubmit(submit(2, USBIP_DIR_IN, 1, 8)); // interrupt IN
    device.handleSubmit(submit(3, USBIP_DIR_IN, 0, 4096, [0xa1, 1, 0, 0, 4, 0, 0, 16]));
    device.handleSubmit(submit(4, USBIP_DIR_IN, 1, 8));
    device.handleSubmit(submit(5, USBIP_DIR_IN, 0, 4096, [0xa1, 1, 0, 0, 4, 0, 0, 16]));
    const r = parseReplies(replies, [1]);
    expect(r.map((x) => x.seqnum)).toEqual([1, 2, 3, 4, 5]);
    expect([...r[1]!.data]).toEqual([0xa1, 1, 0, 0, 4, 0, 0, 0]);
    expect([...r[2]!.data]).toEqual([0xaa]);
    expect([...r[4]!.data]).toEqual([0xbb]);
  });

  it('signals again for a response left behind when cdc-wdm closed the port (interrupt URB unlinked)', () => {
    const { device, replies } = newDevice();
    device.handleSubmit(submit(1, USBIP_DIR_IN, 1, 8));
    device.queueQmiResponse(Uint8Array.of(0x11)); // notification goes out on URB 1, never fetched
    device.handleSubmit(submit(2, USBIP_DIR_IN, 1, 8)); // resubmitted by the int callback
    device.handleUnlink({ kind: 'unlink', seqnum: 3, devid: 0, direction: 0, endpoint: 1, unlinkSeqnum: 2 }); // close
    device.handleSubmit(submit(4, USBIP_DIR_IN, 1, 8)); // next open
    const r = parseReplies(replies);
    expect(r.map((x) => [x.command, x.seqnum])).toEqual([
      [USBIP_RET_SUBMIT, 1],
      [USBIP_RET_UNLINK, 3],
      [USBIP_RET_SUBMIT, 4],
    ]);
    expect(r[1]!.status).toBe(-Errno.ECONNRESET);
  });

  it('signals again when vhci unlinks a notification URB whose completion was already on the wire', () => {
    const { device, replies } = newDevice();
    device.handleSubmit(submit(1, USBIP_DIR_IN, 1, 8));
    device.queueQmiResponse(Uint8Array.of(0x22)); // RET_SUBMIT for URB 1 sent...
    device.handleUnlink({ kind: 'unlink', seqnum: 2, devid: 0, direction: 0, endpoint: 0, unlinkSeqnum: 1 }); // ...but the port closed
    device.handleSubmit(submit(3, USBIP_DIR_IN, 1, 8)); // next open
    const r = parseReplies(replies);
    expect(r.map((x) => [x.command, x.seqnum, x.status])).toEqual([
      [USBIP_RET_SUBMIT, 1, 0],
      [USBIP_RET_UNLINK, 2, 0],
      [USBIP_RET_SUBMIT, 3, 0],
    ]);
  });

  it('answers a bulk-IN URB smaller than the transfer with -EOVERFLOW and no data, never a truncated copy', () => {
    const { device, replies } = newDevice();
    device.handleSubmit(submit(1, USBIP_DIR_IN, 2, 1500));
    device.handleSubmit(submit(2, USBIP_DIR_IN, 2, 1500));
    expect(device.sendBulkIn(new Uint8Array(1504))).toBe('overflow');
    expect(device.sendBulkIn(new Uint8Array(1500))).toBe('delivered');
    expect(device.sendBulkIn(new Uint8Array(10))).toBe('queued');
    const r = parseReplies(replies);
    expect(r[0]).toMatchObject({ seqnum: 1, status: -Errno.EOVERFLOW, actualLength: 0 });
    expect(r[1]).toMatchObject({ seqnum: 2, status: 0, actualLength: 1500 });
    expect(device.stats.inOverflows).toBe(1);
  });
});

describe('emulated network', () => {
  it('answers ICMP echo with valid IPv4 and ICMPv6 checksums', () => {
    const v4 = new Uint8Array(84);
    v4.set([0x45, 0, 0, 84, 0, 1, 0, 0, 64, 1, 0, 0, 10, 1, 0, 2, 10, 1, 0, 1, 8, 0]);
    let c = internetChecksum(v4, 0, 20);
    v4.set([c >> 8, c & 0xff], 10);
    c = internetChecksum(v4, 20, 84);
    v4.set([c >> 8, c & 0xff], 22);
    const reply4 = echoReply(Buffer.from(v4))!; // a Buffer on purpose: its slice() is a view
    expect(internetChecksum(reply4, 0, 20)).toBe(0);
    expect(internetChecksum(reply4, 20, 84)).toBe(0);
    expect([...reply4.subarray(12, 20)]).toEqual([10, 1, 0, 1, 10, 1, 0, 2]);
    expect(reply4[20]).toBe(0);

    const v6 = new Uint8Array(48);
    v6.set([0x60, 0, 0, 0, 0, 8, 58, 64]);
    v6[23] = 2; // src ::2
    v6[39] = 1; // dst ::1
    v6[40] = 128;
    const reply6 = echoReply(v6)!;
    expect(reply6[40]).toBe(129);
    expect(reply6[23]).toBe(1);
    // verify: pseudo-header sum + message sums to 0xffff
    let sum = 0;
    for (let i = 8; i < 40; i += 2) sum += (reply6[i]! << 8) | reply6[i + 1]!;
    sum += 8 + 58;
    expect(internetChecksum(reply6, 40, 48, sum)).toBe(0);
  });
});

describe('data plane: QMAP v1 and v5', () => {
  /** An ICMP echo request 10.1.0.2 -> 10.1.0.1 with valid checksums. */
  function echoRequest(): Uint8Array {
    const v4 = new Uint8Array(84);
    v4.set([0x45, 0, 0, 84, 0, 1, 0, 0, 64, 1, 0, 0, 10, 1, 0, 2, 10, 1, 0, 1, 8, 0]);
    let c = internetChecksum(v4, 0, 20);
    v4.set([c >> 8, c & 0xff], 10);
    c = internetChecksum(v4, 20, 84);
    v4.set([c >> 8, c & 0xff], 22);
    return v4;
  }
  function plane(format: DataPlaneFormat) {
    const sent: Uint8Array[] = [];
    const dp = new DataPlane({ sendBulkIn: (t: Uint8Array) => (sent.push(new Uint8Array(t)), 'delivered' as const) }, () => format);
    return { dp, sent };
  }

  it('reads the QMAP version from the granted aggregation protocol', () => {
    expect(describeFormat({ downlinkAggregation: 'qmapv5', downlinkMaxSize: 32768, downlinkMaxDatagrams: 32 })).toEqual({ qmap: true, version: 5, dlMaxSize: 32768, dlMaxDatagrams: 32 });
    expect(describeFormat({ downlinkAggregation: 'qmap' }).version).toBe(1);
    expect(describeFormat({ dlAggregation: 9 }).version).toBe(5);
    expect(describeFormat({ dlAggregation: 8 }).version).toBe(4);
    expect(describeFormat({ downlinkAggregation: 'disabled' })).toMatchObject({ qmap: false });
  });

  it('QMAPv5: parses the UL checksum header as rmnet writes it and answers with a v5 header on the same mux id', () => {
    const { dp, sent } = plane({ qmap: true, version: 5, dlMaxSize: 32768, dlMaxDatagrams: 32 });
    const request = echoRequest();
    const ul = new Uint8Array(8 + request.length);
    // rmnet egress with EGRESS_MAP_CKSUMV5: next-header bit in the QMAP header, a type-2 header, no offload asked
    expect(encodeQmapPacket(ul, 0, 3, request, { version: 5 })).toBe(ul.length);
    expect(ul[0]! & 0x40).toBe(0x40);
    dp.handleUplink(ul);
    expect(dp.counter(3)).toMatchObject({ ulPackets: 1, echoRequests: 1, echoReplies: 1 });
    expect(dp.ulChecksum).toEqual({ offloadRequested: 0, notRequested: 1 });
    expect(sent).toHaveLength(1);
    const [reply] = deaggregateAll(sent[0]!, { version: 5 }).packets;
    expect(reply).toMatchObject({ muxId: 3, checksumValid: true, command: false });
    expect([...reply!.packet.subarray(12, 20)]).toEqual([10, 1, 0, 1, 10, 1, 0, 2]);
    expect(sent[0]![4]! >> 1).toBe(2); // the checksum-offload header type
    dp.dlChecksumValid = false;
    dp.handleUplink(ul);
    expect(deaggregateAll(sent[1]!, { version: 5 }).packets[0]!.checksumValid).toBe(false);
  });

  it('QMAPv5: a v1 frame (no checksum header) is not taken for an IP packet', () => {
    const { dp } = plane({ qmap: true, version: 5, dlMaxSize: 32768, dlMaxDatagrams: 32 });
    const request = echoRequest();
    const ul = new Uint8Array(4 + request.length);
    encodeQmapPacket(ul, 0, 1, request, { version: 1 });
    dp.handleUplink(ul);
    expect(dp.counter(1).echoRequests).toBe(0);
  });

  it('QMAPv5 DL aggregation: 8 datagrams in one transfer, 8 bytes of overhead each, within the granted size', () => {
    const { dp, sent } = plane({ qmap: true, version: 5, dlMaxSize: 16384, dlMaxDatagrams: 32 });
    const result = dp.pushDownlink({ muxId: 2, datagrams: 8 });
    expect(result).toMatchObject({ datagrams: 8, outcome: 'delivered' });
    expect(result.transferLength).toBeLessThanOrEqual(16384);
    expect(result.transferLength).toBe(8 * (result.packetSize + 8));
    const { packets } = deaggregateAll(sent[0]!, { version: 5 });
    expect(packets.map((p) => [p.muxId, p.packet.length, p.checksumValid])).toEqual(Array(8).fill([2, result.packetSize, true]));
  });

  it('a silent downlink takes UL and answers nothing while silent, then delivers again (the "RX stays 0" switch)', () => {
    const { dp, sent } = plane({ qmap: true, version: 5, dlMaxSize: 16384, dlMaxDatagrams: 32 });
    const request = echoRequest();
    const ul = new Uint8Array(8 + request.length);
    encodeQmapPacket(ul, 0, 1, request, { version: 5 });
    expect(dp.setDownlinkSilent(true)).toBe(false);
    expect(dp.isDownlinkSilent).toBe(true);
    dp.handleUplink(ul);
    dp.handleUplink(ul);
    const pushed = dp.pushDownlink({ muxId: 1, datagrams: 8 });
    expect(pushed).toMatchObject({ outcome: 'silenced', datagrams: 8, transferLength: 0 });
    expect(sent).toHaveLength(0);
    expect(dp.counter(1)).toMatchObject({ ulPackets: 2, echoRequests: 2, echoReplies: 0, dlPackets: 0, dlSilenced: 10 });
    expect(dp.silenced.packets).toBe(10);
    expect(dp.setDownlinkSilent(false)).toBe(true);
    dp.handleUplink(ul);
    expect(dp.pushDownlink({ muxId: 1, datagrams: 8 }).outcome).toBe('delivered');
    expect(sent).toHaveLength(2);
    expect(dp.counter(1)).toMatchObject({ echoReplies: 1, dlPackets: 9, dlSilenced: 10 });
  });

  it('QMAP v1 is unchanged: 4 bytes of overhead, no checksum header', () => {
    const { dp, sent } = plane({ qmap: true, version: 1, dlMaxSize: 16384, dlMaxDatagrams: 32 });
    const result = dp.pushDownlink({ muxId: 1, datagrams: 4 });
    expect(result.transferLength).toBe(4 * (result.packetSize + 4));
    expect(sent[0]![0]! & 0x40).toBe(0);
    const request = echoRequest();
    const ul = new Uint8Array(4 + request.length);
    encodeQmapPacket(ul, 0, 1, request);
    dp.handleUplink(ul);
    expect(dp.counter(1).echoReplies).toBe(1);
    expect(dp.ulChecksum).toEqual({ offloadRequested: 0, notRequested: 0 });
  });
});

describe('USB/IP server', () => {
  it('lists and imports bus id 1-1 over TCP, then carries URBs', async () => {
    const lab = await startUsbipModem({ modem: new EmulatedModem(), port: 0 });
    const port = lab.server.port!;
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    await new Promise((r) => socket.once('connect', r));
    const op = (code: number, extra: Buffer = Buffer.alloc(0)) => {
      const b = Buffer.alloc(8);
      b.writeUInt16BE(USBIP_VERSION, 0);
      b.writeUInt16BE(code, 2);
      return Buffer.concat([b, extra]);
    };
    const busId = Buffer.alloc(32);
    busId.write('1-1');
    socket.write(op(OP_REQ_IMPORT, busId));
    socket.write(submitBytes(1, USBIP_DIR_IN, 0, 18, [0x80, 6, 0, 1, 0, 0, 18, 0]));
    await new Promise((r) => setTimeout(r, 100));
    const all = Buffer.concat(received);
    expect(all.readUInt32BE(4)).toBe(0); // import status
    const afterImport = all.subarray(8 + 312);
    expect(afterImport.readUInt32BE(0)).toBe(USBIP_RET_SUBMIT);
    expect(afterImport.readInt32BE(24)).toBe(18);
    expect(lab.server.isAttached).toBe(true);
    socket.destroy();

    const list = net.connect(port, '127.0.0.1');
    const listed: Buffer[] = [];
    list.on('data', (d: Buffer) => listed.push(d));
    await new Promise((r) => list.once('connect', r));
    list.write(op(OP_REQ_DEVLIST));
    await new Promise((r) => setTimeout(r, 100));
    const reply = Buffer.concat(listed);
    expect(reply.readUInt32BE(8)).toBe(1);
    expect(reply.subarray(12 + 256, 12 + 256 + 3).toString()).toBe('1-1');
    list.destroy();
    await lab.close();
  });
});
