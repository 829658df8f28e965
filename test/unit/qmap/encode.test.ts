import { describe, expect, it } from 'vitest';
import {
  encodeQmapCommand,
  encodeQmapPacket,
  QmapEncodeError,
  qmapFrameLength,
  qmapPadLength,
} from '../../../src/qmap/index.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('encodeQmapPacket', () => {
  it('writes a v1 header with the pad length in byte 0 and the padded length big-endian', () => {
    const target = new Uint8Array(16).fill(0xee);
    const written = encodeQmapPacket(target, 0, 0x81, Uint8Array.of(0x45, 1, 2, 3, 4));
    expect(written).toBe(12);
    // pad 3, mux 0x81, length 8 (5 + 3 pad), packet, 3 zero pad bytes; the rest untouched
    expect(hex(target)).toBe('03810008' + '4501020304' + '000000' + 'eeeeeeee');
  });

  it('adds no pad to a packet already a multiple of 4', () => {
    const target = new Uint8Array(8);
    expect(encodeQmapPacket(target, 0, 1, Uint8Array.of(0x60, 0, 0, 0))).toBe(8);
    expect(hex(target)).toBe('00010004' + '60000000');
  });

  it('writes the v5 next-header bit and a checksum-offload header (type 2, valid bit)', () => {
    const target = new Uint8Array(16);
    const written = encodeQmapPacket(target, 0, 2, Uint8Array.of(0x45, 9), { version: 5, checksumValid: true });
    expect(written).toBe(4 + 4 + 4);
    // 0x40 next header | pad 2; mux 2; length 4 (excludes the checksum header); 04 = type 2 << 1; 80 valid
    expect(hex(target.subarray(0, written))).toBe('42020004' + '04800000' + '4509' + '0000');
  });

  it('writes v5 without the valid bit when not asked', () => {
    const target = new Uint8Array(12);
    encodeQmapPacket(target, 0, 2, Uint8Array.of(0x45, 0, 0, 0), { version: 5 });
    expect(hex(target)).toBe('40020004' + '04000000' + '45000000');
  });

  it('writes a v4 trailer after the padded packet', () => {
    const target = new Uint8Array(20);
    const written = encodeQmapPacket(target, 0, 3, Uint8Array.of(0x45), { version: 4, checksumValid: true });
    expect(written).toBe(4 + 4 + 8);
    expect(hex(target.subarray(0, written))).toBe('03030004' + '45000000' + '0001000000000000');
  });

  it('writes at an offset and returns the frame length qmapFrameLength predicts', () => {
    for (const version of [1, 4, 5] as const) {
      for (let length = 1; length <= 9; length++) {
        const target = new Uint8Array(64);
        const written = encodeQmapPacket(target, 7, 1, new Uint8Array(length).fill(0x45), { version });
        expect(written).toBe(qmapFrameLength(length, version));
        expect(written % 4).toBe(0);
      }
    }
  });

  it('refuses mux ids outside 1..254 and non-integers', () => {
    const target = new Uint8Array(16);
    for (const muxId of [0, 255, 256, -1, 1.5, Number.NaN]) {
      expect(encodeQmapPacket(target, 0, muxId, Uint8Array.of(0x45))).toBe(QmapEncodeError.badMuxId);
    }
    expect(encodeQmapPacket(target, 0, 1, Uint8Array.of(0x45))).toBe(8);
    expect(encodeQmapPacket(target, 0, 254, Uint8Array.of(0x45))).toBe(8);
  });

  it('refuses a frame that does not fit, writing nothing', () => {
    const target = new Uint8Array(11).fill(0xee);
    expect(encodeQmapPacket(target, 0, 1, new Uint8Array(8))).toBe(QmapEncodeError.noRoom);
    expect(encodeQmapPacket(target, 4, 1, new Uint8Array(4))).toBe(QmapEncodeError.noRoom);
    expect(encodeQmapPacket(target, -1, 1, new Uint8Array(1))).toBe(QmapEncodeError.noRoom);
    expect(target.every((b) => b === 0xee)).toBe(true);
    expect(encodeQmapPacket(target, 3, 1, new Uint8Array(4))).toBe(8); // exactly fits
  });

  it('takes the largest packet the 16-bit length holds, and refuses one byte more', () => {
    const target = new Uint8Array(70000);
    expect(encodeQmapPacket(target, 0, 1, new Uint8Array(65532))).toBe(65536);
    expect(target[2]).toBe(0xff);
    expect(target[3]).toBe(0xfc);
    // 65533 bytes pad to 65536: no longer fits the length field
    expect(encodeQmapPacket(target, 0, 1, new Uint8Array(65533))).toBe(QmapEncodeError.tooLong);
  });
});

describe('encodeQmapCommand', () => {
  it('sets the command bit, pads, and never adds a v5 checksum header', () => {
    const target = new Uint8Array(16);
    const body = Uint8Array.of(1, 2, 3, 4, 5, 6);
    const written = encodeQmapCommand(target, 0, 0, body, { version: 5 });
    expect(written).toBe(qmapFrameLength(6, 5, true));
    expect(hex(target.subarray(0, written))).toBe('82000008' + '010203040506' + '0000');
  });

  it('accepts any mux id 0..255', () => {
    const target = new Uint8Array(8);
    expect(encodeQmapCommand(target, 0, 255, Uint8Array.of(1))).toBe(8);
    expect(encodeQmapCommand(target, 0, 256, Uint8Array.of(1))).toBe(QmapEncodeError.badMuxId);
  });
});

describe('qmapPadLength', () => {
  it('pads to a multiple of 4', () => {
    expect([0, 1, 2, 3, 4, 5, 1499, 1500].map(qmapPadLength)).toEqual([0, 3, 2, 1, 0, 3, 1, 0]);
  });
});
