// The schema codec: every declared message round-trips, addresses travel in their odd byte orders, and the
// decoder is total (unknown TLVs kept raw, malformed ones reported beside the good ones).
import { describe, expect, it } from 'vitest';
import { registeredMessages } from '../../../src/services.js';
import {
  decodeTlvs,
  decodeValue,
  encodeTlvs,
  type FieldType,
  type FieldValue,
} from '../../../src/qmi/schema.js';
import { wdsGetCurrentSettings, wdsGetPacketServiceStatus, wdsStartNetwork } from '../../../src/wds/messages.js';
import { wdaSetDataFormat } from '../../../src/wda/messages.js';
import { qmiErrorName } from '../../../src/qmi/enums.js';
import { seededRandom } from '../../support/random.js';
import { callEndReasonName, verboseCallEndReasonName } from '../../../src/wds/call-end.js';

/** A sample value for a field type, using enum names where there are any. */
function sample(type: FieldType, seed: number): FieldValue {
  switch (type.kind) {
    case 'u8':
    case 'u16':
    case 'u32': {
      const names = type.enum ? Object.values(type.enum) : [];
      if (names.length > 0) return names[seed % names.length]!;
      return (seed * 37) % (type.kind === 'u8' ? 256 : 65536);
    }
    case 'u64':
      return 0x1122334455667788n;
    case 'string':
    case 'string8':
      return `s${seed}`;
    case 'bytes':
      return Uint8Array.of(seed, 1, 2);
    case 'ipv4':
      return `10.${seed % 256}.1.2`;
    case 'ipv6':
      return `fd00:${seed.toString(16)}::2`;
    case 'struct':
      return Object.fromEntries(type.fields.map((f, i) => [f.name, sample(f.type, seed + i)]));
    case 'array':
      return [sample(type.element, seed), sample(type.element, seed + 1)];
  }
}

describe('schema codec', () => {
  it('round-trips every TLV of every declared message', () => {
    for (const message of registeredMessages()) {
      for (const tlvs of [message.request, message.response, message.indication ?? []]) {
        const fields = Object.fromEntries(tlvs.map((t, i) => [t.name, sample(t.type, t.id + i)]));
        const encoded = encodeTlvs(tlvs, fields, message.name);
        const decoded = decodeTlvs(tlvs, encoded);
        expect(decoded.errors, message.name).toEqual([]);
        expect(decoded.unknown).toEqual([]);
        expect(decoded.fields, message.name).toEqual(fields);
      }
    }
  });

  it('writes request TLVs in descending type order, as libqmi does', () => {
    const encoded = encodeTlvs(wdaSetDataFormat.request, { linkLayer: 'raw-ip', downlinkMaxSize: 32768, uplinkMaxSize: 0, endpoint: { type: 'hsusb', interfaceNumber: 4 } }, 'x');
    expect(encoded.map((t) => t.type)).toEqual([0x1c, 0x17, 0x16, 0x11]);
  });

  it('sends IPv4 as a little-endian u32 and IPv6 as big-endian u16 groups', () => {
    const [address] = encodeTlvs(wdsGetCurrentSettings.response, { ipv4Address: '10.11.12.13' }, 'x');
    expect(Buffer.from(address!.value).toString('hex')).toBe('0d0c0b0a');
    const [v6] = encodeTlvs(wdsGetCurrentSettings.response, { ipv6Address: { address: '2001:db8::1', prefixLength: 64 } }, 'x');
    expect(Buffer.from(v6!.value).toString('hex')).toBe('20010db8000000000000000000000001' + '40');
  });

  it('decodes enums to names and keeps unknown numbers', () => {
    const decoded = decodeTlvs(wdsStartNetwork.response, [
      { type: 0x10, value: Uint8Array.of(0xed, 0x03) }, // 1005
      { type: 0x11, value: Uint8Array.of(6, 0, 27, 0) },
    ]);
    expect(decoded.fields.callEndReason).toBe('gsm-wcdma-insufficient-resources');
    expect(decoded.fields.verboseCallEndReason).toEqual({ type: '3gpp', reason: 27 });
    const unknown = decodeTlvs(wdsGetPacketServiceStatus.response, [{ type: 0x01, value: Uint8Array.of(77) }]);
    expect(unknown.fields.connectionStatus).toBe(77);
  });

  it('keeps unknown TLVs raw and reports malformed ones beside the good fields', () => {
    const decoded = decodeTlvs(wdsGetCurrentSettings.response, [
      { type: 0x1e, value: Uint8Array.of(2, 0, 1, 10) },
      { type: 0x29, value: Uint8Array.of(0xdc, 0x05) }, // MTU u32 cut short
      { type: 0x77, value: Uint8Array.of(1, 2, 3) },
    ]);
    expect(decoded.fields).toEqual({ ipv4Address: '10.1.0.2' });
    expect(decoded.errors).toHaveLength(1);
    expect(decoded.errors[0]).toMatchObject({ type: 0x29, name: 'mtu' });
    expect(decoded.unknown).toEqual([{ type: 0x77, value: Uint8Array.of(1, 2, 3) }]);
  });

  it('never throws on random TLV values', () => {
    const next = seededRandom(7);
    const random = () => Math.floor(next() * 256);
    for (const message of registeredMessages()) {
      for (const tlv of [...message.request, ...message.response, ...(message.indication ?? [])]) {
        for (let round = 0; round < 40; round++) {
          const value = Uint8Array.from({ length: random() % 24 }, random);
          expect(() => decodeValue(tlv.type, value)).not.toThrow();
        }
      }
    }
  });

  it('refuses to encode values that do not fit', () => {
    expect(() => encodeTlvs(wdaSetDataFormat.request, { linkLayer: 'token-ring' }, 'x')).toThrow(/token-ring/);
    expect(() => encodeTlvs(wdaSetDataFormat.request, { qosFormat: 256 }, 'x')).toThrow(/u8/);
    expect(() => encodeTlvs(wdaSetDataFormat.request, { nonsense: 1 }, 'x')).toThrow(/nonsense/);
  });

  it('names QMI errors and call end reasons as libqmi does', () => {
    expect(qmiErrorName(14)).toBe('CallFailed');
    expect(qmiErrorName(71)).toBe('InvalidQmiCommand');
    expect(qmiErrorName(0x7777)).toBe('Error30583');
    expect(callEndReasonName(2)).toBe('generic-client-end');
    expect(verboseCallEndReasonName(6, 27)).toBe('3gpp: unknown-apn (27)');
    expect(verboseCallEndReasonName('cm', 33)).toBe('cm: 33');
  });
});
