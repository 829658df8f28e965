// QMUX framing: the example frames of PROTOCOL.md, the stream decoder fed split everywhere, garbage, fuzz.
import { describe, expect, it } from 'vitest';
import { FrameDecoder, decodeFrame, encodeFrame, isFrameError, type FrameError, type QmuxFrame } from '../../../src/qmi/framing.js';
import { seededRandom } from '../../support/random.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/[\s|]/g, ''), 'hex'));

// From PROTOCOL.md (qmicli 1.32.2 on the wire).
const EXAMPLES = {
  allocateWds: hex('01 0f00 00 00 00 | 00 01 2200 0400 | 01 0100 01'),
  setDataFormat: hex('01 2f00 00 1a 01 | 00 0100 2000 2300 | 16 0400 00800000 | 15 0400 20000000 | 13 0400 05000000 | 12 0400 05000000 | 11 0400 02000000'),
  startNetwork: hex('01 1b00 00 01 01 | 00 0100 2000 0f00 | 19 0100 04 | 14 0800 696e7465726e6574'),
  bindMux: hex('01 2200 00 01 01 | 00 0100 a200 1600 | 13 0400 01000000 | 11 0100 01 | 10 0800 02000000 04000000'),
  proxyOpen: hex('01 1800 00 00 00 | 00 01 00ff 0d00 | 01 0a00 2f6465762f7074732f30'),
  proxyOpenResponse: hex('01 1200 80 00 00 | 01 01 00ff 0700 | 02 0400 0000 0000'),
};

function frames(items: Array<QmuxFrame | FrameError>): QmuxFrame[] {
  return items.filter((i): i is QmuxFrame => !isFrameError(i));
}

describe('QMUX frames', () => {
  it('decodes the example frames and re-encodes them byte for byte', () => {
    for (const [name, bytes] of Object.entries(EXAMPLES)) {
      const frame = decodeFrame(bytes);
      expect(isFrameError(frame), name).toBe(false);
      expect(Buffer.from(encodeFrame(frame as QmuxFrame)).toString('hex'), name).toBe(Buffer.from(bytes).toString('hex'));
    }
  });

  it('reads both SDU header forms', () => {
    const ctl = decodeFrame(EXAMPLES.allocateWds) as QmuxFrame;
    expect(ctl).toMatchObject({ service: 0, clientId: 0, kind: 'request', transactionId: 1, messageId: 0x22, fromModem: false });
    expect(ctl.tlvs).toEqual([{ type: 1, value: Uint8Array.of(1) }]);
    const wda = decodeFrame(EXAMPLES.setDataFormat) as QmuxFrame;
    expect(wda).toMatchObject({ service: 0x1a, clientId: 1, kind: 'request', transactionId: 1, messageId: 0x20 });
    expect(wda.tlvs.map((t) => t.type)).toEqual([0x16, 0x15, 0x13, 0x12, 0x11]);
    const response = decodeFrame(EXAMPLES.proxyOpenResponse) as QmuxFrame;
    expect(response).toMatchObject({ fromModem: true, kind: 'response', messageId: 0xff00, transactionId: 1 });
  });

  it('encodes a u16 transaction id little-endian and CTL ones as u8', () => {
    const bytes = encodeFrame({ fromModem: true, service: 1, clientId: 9, kind: 'indication', transactionId: 0x1234, messageId: 0x22, tlvs: [] });
    expect(Buffer.from(bytes).toString('hex')).toBe('010c00800109' + '04' + '3412' + '2200' + '0000');
    const ctl = encodeFrame({ fromModem: true, service: 0, clientId: 0, kind: 'indication', transactionId: 0x1ff, messageId: 0x27, tlvs: [] });
    expect(Buffer.from(ctl).toString('hex')).toBe('010b00800000' + '02' + 'ff' + '2700' + '0000');
  });

  it('returns typed errors for inconsistent frames, never throws', () => {
    const cut = EXAMPLES.startNetwork.slice(0, -1);
    expect((decodeFrame(cut) as FrameError).error).toBe('LENGTH_TOO_SMALL');
    const badTlvLength = Uint8Array.from(EXAMPLES.startNetwork);
    badTlvLength[11] = 0x10; // SDU TLV length 0x0f -> 0x10
    expect((decodeFrame(badTlvLength) as FrameError).error).toBe('TLV_LENGTH_MISMATCH');
    const overrun = Uint8Array.from(EXAMPLES.startNetwork);
    overrun[14] = 0x09; // TLV 0x19 length 1 -> 9
    const error = decodeFrame(overrun) as FrameError;
    expect(error.error).toBe('TLV_OVERRUN');
    expect(error.header).toMatchObject({ service: 1, clientId: 1, transactionId: 1, messageId: 0x20 });
    const badFlags = Uint8Array.from(EXAMPLES.allocateWds);
    badFlags[6] = 0x07;
    expect((decodeFrame(badFlags) as FrameError).error).toBe('BAD_SDU_FLAGS');
    expect((decodeFrame(new Uint8Array()) as FrameError).error).toBe('BAD_MARKER');
  });
});

describe('FrameDecoder', () => {
  const stream = Buffer.concat(Object.values(EXAMPLES));
  const expected = Object.values(EXAMPLES).map((b) => decodeFrame(b));

  it('yields the same frames however the stream is cut in two or three', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j += 7) {
        const decoder = new FrameDecoder();
        const out = [...decoder.push(stream.subarray(0, i)), ...decoder.push(stream.subarray(i, j)), ...decoder.push(stream.subarray(j))];
        expect(out).toEqual(expected);
        expect(decoder.pending).toBe(0);
      }
    }
  });

  it('yields the same frames fed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const out: Array<QmuxFrame | FrameError> = [];
    for (const byte of stream) out.push(...decoder.push(Uint8Array.of(byte)));
    expect(out).toEqual(expected);
  });

  it('resynchronises after garbage, with one error per run of dropped bytes', () => {
    const decoder = new FrameDecoder();
    const garbage = hex('ff ee 00 7e');
    const out = decoder.push(Buffer.concat([garbage, EXAMPLES.allocateWds, garbage, EXAMPLES.bindMux]));
    expect(out.map((o) => (isFrameError(o) ? `${o.error}:${o.dropped}` : 'frame'))).toEqual(['BAD_MARKER:4', 'frame', 'BAD_MARKER:4', 'frame']);
  });

  it('drops a marker with an impossible length and finds the frame behind it', () => {
    const decoder = new FrameDecoder();
    const out = decoder.push(Buffer.concat([hex('01 0300'), EXAMPLES.allocateWds]));
    expect(out.filter(isFrameError).map((e) => e.error)).toContain('LENGTH_TOO_SMALL');
    expect(frames(out)).toEqual([decodeFrame(EXAMPLES.allocateWds)]);
    const big = new FrameDecoder(1024).push(Buffer.concat([hex('01 ffff'), EXAMPLES.allocateWds]));
    expect(big.filter(isFrameError).map((e) => e.error)).toContain('LENGTH_TOO_LARGE');
    expect(frames(big)).toHaveLength(1);
  });

  it('survives random bytes: never throws, accounts for every byte', () => {
    const next = seededRandom(12345);
    const random = () => Math.floor(next() * 256);
    for (let round = 0; round < 300; round++) {
      const decoder = new FrameDecoder();
      const length = 1 + (random() * 8);
      const chunks: Uint8Array[] = [];
      for (let c = 0; c < 6; c++) {
        const chunk = new Uint8Array(length);
        for (let k = 0; k < chunk.length; k++) chunk[k] = random() < 40 ? 0x01 : random();
        // Sometimes splice a real frame in.
        chunks.push(round % 3 === 0 && c === 2 ? Buffer.concat([chunk, EXAMPLES.bindMux]) : chunk);
      }
      let consumed = 0;
      let total = 0;
      for (const chunk of chunks) {
        total += chunk.length;
        for (const item of decoder.push(chunk)) {
          if (isFrameError(item)) consumed += item.dropped;
          else consumed += encodeFrame(item).length;
        }
      }
      expect(consumed + decoder.pending).toBe(total);
    }
  });
});
