// libqmi decodes the DMS, UIM, NAS and WDS messages the emulated firmware answers for ModemManager (issue #12,
// test/modem/services/): each request a client like ModemManager sends and each response and indication the
// firmware builds goes through qmi_message_new_from_raw() + qmi_message_get_printable_full()
// (scripts/qmi-decode.py) and is compared TLV by TLV: same ids and lengths, a TLV libqmi knows by name (not
// "unknown"), and libqmi's translated values equal to ours - enum names as libqmi prints them, signed fields
// (gint8/gint16, carried as two's complement here) by value, fixed-size MCC/MNC strings as text.
import { beforeAll, describe, expect, it } from 'vitest';
import { QmiDevice, type QmiClient } from '../../../src/qmi/device.js';
import { decodeFrame, isFrameError, type QmuxFrame } from '../../../src/qmi/framing.js';
import { decodeResult, decodeValue, type FieldType, type FieldValue, type MessageSchema } from '../../../src/qmi/schema.js';
import { EmulatedModem, findMessage } from '../../modem/modem.js';
import { memoryTransport } from '../../modem/memory.js';
import * as m from '../../modem/services/messages.js';
import { libqmiDecode, type LibqmiDecode } from './helpers.js';
import { wdsBindMuxDataPort, wdsStartNetwork } from '../../../src/wds/messages.js';

/** Our decoded value flattened into the leaves libqmi prints. */
function leaves(type: FieldType, value: FieldValue): string[] {
  if (type === m.plmnDigit3) {
    const digits = value as { d0: number; d1: number; d2: number };
    return [[digits.d0, digits.d1, digits.d2].filter((c) => c !== 0xff).map((c) => String.fromCharCode(c)).join('')];
  }
  if (type === m.timeCount48) {
    const count = value as { low: number; high: number };
    return [String(count.high * 2 ** 32 + count.low)];
  }
  const flags = m.FLAG_TABLES.get(type);
  if (flags && typeof value === 'number') {
    const names = Object.entries(flags).filter(([bit]) => (value & Number(bit)) !== 0).map(([, name]) => name);
    return (names.length ? names.join(', ') : 'none').split(/\s+/);
  }
  switch (type.kind) {
    case 'struct':
      return type.fields.flatMap((f) => leaves(f.type, (value as Record<string, FieldValue>)[f.name]!));
    case 'array':
      return (value as FieldValue[]).flatMap((v) => leaves(type.element, v));
    default:
      return String(value).split(/\s+/).filter(Boolean);
  }
}

function libqmiLeaves(translated: string): string[] {
  return translated
    .replace(/\[\d+\]\s*=/g, ' ')
    .replace(/[A-Za-z0-9_]+\s*=/g, ' ')
    .split(/[\s'{}[\]]+/)
    .filter((t) => t.length > 0)
    .map((t) => (t === 'no' ? '0' : t === 'yes' ? '1' : t));
}

/** Equal, or libqmi printed a signed number whose two's complement (8 or 16 bits) is ours. */
function sameLeaf(theirs: string, ours: string): boolean {
  if (theirs === ours) return true;
  if (theirs === '###') return true; // libqmi hides ICCIDs and file contents
  const t = Number(theirs);
  const o = Number(ours);
  if (!Number.isInteger(t) || !Number.isInteger(o) || t >= 0) return theirs.replace(/\uFFFD/g, '') === ours;
  return (t & 0xff) === o || (t & 0xffff) === o || (t >>> 0) === o;
}

interface Checked {
  label: string;
  tlvs: number;
}

/** Value disagreements, collected so that one run names all of them. */
const mismatches: string[] = [];

function compare(bytes: Uint8Array, decoded: LibqmiDecode): Checked {
  const frame = decodeFrame(bytes) as QmuxFrame;
  expect(isFrameError(frame)).toBe(false);
  const schema = findMessage(frame.service, frame.messageId)!;
  const label = `${frame.service === 0x0b ? 'uim' : frame.service}:${schema.name} ${frame.kind}`;
  expect(decoded.ok, `${label}: ${decoded.error}`).toBe(true);
  expect(decoded.trailing, label).toBe(0);
  const name = frame.kind === 'indication' ? (schema.indicationName ?? schema.name) : schema.name;
  expect(decoded.header?.message, label).toContain(`"${name}"`);
  const theirs = decoded.tlvs!;
  expect(theirs.map((t) => t.type), label).toEqual(frame.tlvs.map((t) => t.type));
  const tlvSchemas = frame.kind === 'request' ? schema.request : frame.kind === 'response' ? schema.response : (schema.indication ?? []);
  for (const [index, tlv] of frame.tlvs.entries()) {
    const their = theirs[index]!;
    const where = `${label} TLV 0x${tlv.type.toString(16)}`;
    expect(their.length, where).toBe(tlv.value.length);
    if (tlv.type === 0x02 && frame.kind === 'response') {
      const result = decodeResult(frame.tlvs)!;
      expect(their.name).toBe('Result');
      expect(their.translated).toMatch(result.status === 0 ? /^SUCCESS$/ : /^FAILURE: \w+$/);
      continue;
    }
    const entry = tlvSchemas.find((t) => t.id === tlv.type);
    expect(entry, `${where} is ours`).toBeDefined();
    if (!entry) continue;
    expect(their.name, `${where} (${entry.name}): libqmi knows this TLV`).toBeTruthy();
    expect(their.name, where).not.toMatch(/unknown/i);
    const ours = decodeValue(entry.type, tlv.value);
    expect('value' in ours, `${where} ${entry.name}`).toBe(true);
    if (!('value' in ours)) continue;
    const translated = their.translated ?? '';
    const theirLeaves = libqmiLeaves(translated);
    const ourLeaves = leaves(entry.type, ours.value).flatMap((l) => libqmiLeaves(l));
    const same = theirLeaves.length === ourLeaves.length && theirLeaves.every((t, i) => sameLeaf(t, ourLeaves[i]!));
    if (!same) mismatches.push(`${where} ${entry.name}: libqmi says ${translated} | ours ${ourLeaves.join(' ')}`);
  }
  return { label, tlvs: frame.tlvs.length };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
let frames: Uint8Array[] = [];
let pinFrames: Uint8Array[] = [];
let absentFrames: Uint8Array[] = [];

/** Everything ModemManager's probing and enabling asks of these services, as a client would ask it. */
async function askEverything(modem: EmulatedModem): Promise<Uint8Array[]> {
  const transport = memoryTransport(modem);
  const device = new QmiDevice(transport, { timeoutMs: 500 });
  const tolerate = (p: Promise<unknown>) => p.catch(() => undefined);
  const dms = await device.allocateClient(0x02);
  const nas = await device.allocateClient(0x03);
  const uim = await device.allocateClient(m.UIM_SERVICE);
  const wds = await device.allocateClient(0x01);
  const ask = (client: QmiClient, schema: MessageSchema, fields = {}) => tolerate(client.request(schema, fields));
  await ask(dms, m.dmsGetCapabilities);
  await ask(dms, m.dmsGetManufacturer);
  await ask(dms, m.dmsGetMsisdn);
  await ask(dms, m.dmsUimGetPinStatus);
  await ask(dms, m.dmsGetHardwareRevision);
  await ask(dms, m.dmsGetOperatingMode);
  await ask(dms, m.dmsGetTime);
  await ask(dms, m.dmsSetEventReport, { operatingModeReporting: 1, pinStateReporting: 0 });
  await ask(uim, m.uimRegisterEvents, { eventRegistrationMask: 1 });
  await ask(uim, m.uimGetCardStatus);
  await ask(uim, m.uimGetSlotStatus);
  for (const [fileId, path] of [[0x2fe2, [0x00, 0x3f]], [0x6f07, [0x00, 0x3f, 0xff, 0x7f]], [0x6fad, [0x00, 0x3f, 0xff, 0x7f]], [0x6f46, [0x00, 0x3f, 0xff, 0x7f]], [0x6f3e, [0x00, 0x3f, 0xff, 0x7f]]] as const) {
    await ask(uim, m.uimReadTransparent, { session: { sessionType: 0, applicationIdentifier: [] }, file: { fileId, filePath: [...path] }, readInformation: { offset: 0, length: 0 } });
  }
  await ask(nas, m.nasRegisterIndications, { servingSystemEvents: 1, systemInfo: 1, signalInfo: 0, networkTime: 0 });
  await ask(nas, m.nasGetServingSystem);
  await ask(nas, m.nasGetSystemInfo);
  await ask(nas, m.nasGetHomeNetwork);
  await ask(nas, m.nasGetSignalStrength, { requestMask: 0x2f });
  await ask(nas, m.nasGetSignalInfo);
  await ask(wds, m.wdsGetProfileList, { profileType: '3gpp' });
  await ask(wds, m.wdsGetProfileSettings, { profileId: { profileType: '3gpp', profileIndex: 1 } });
  await ask(wds, m.wdsGetProfileSettings, { profileId: { profileType: '3gpp', profileIndex: 9 } });
  await ask(wds, m.wdsGetDefaultSettings, { profileType: '3gpp' });
  await ask(wds, m.wdsIndicationRegister, { reportExtendedIpConfigurationChange: 1 });
  // Packet statistics are the call's: asked on a client with a session, twice (the counters grow).
  await ask(wds, wdsBindMuxDataPort, { endpoint: { type: 'hsusb', interfaceNumber: 4 }, muxId: 1, clientType: 1 });
  await ask(wds, wdsStartNetwork, { apn: 'internet', ipFamily: 4 });
  await ask(wds, m.wdsGetPacketStatistics, { mask: 0x3ff });
  await ask(wds, m.wdsGetPacketStatistics, { mask: 0x3ff });
  // Low power deregisters (indications), online registers again after the attach delay.
  await ask(dms, m.dmsSetOperatingMode, { mode: 'low-power' });
  await wait(20);
  await ask(nas, m.nasGetServingSystem);
  await ask(nas, m.nasGetSignalInfo);
  await ask(dms, m.dmsSetOperatingMode, { mode: 'online' });
  await wait(400);
  modem.radio.indicateCardStatus();
  await wait(10);
  await device.close();
  // CTL (client ids) is test/host/qmi/libqmi-decode.test.ts's part.
  return [...transport.sent, ...transport.received].filter((b) => (decodeFrame(b) as QmuxFrame).service !== 0);
}

beforeAll(async () => {
  frames = await askEverything(new EmulatedModem({}, { nr5g: true }));
  pinFrames = await askEverything(new EmulatedModem({}, { sim: 'pin-required' }));
  absentFrames = await askEverything(new EmulatedModem({}, { sim: 'absent' }));
});

describe('libqmi decodes the firmware services ModemManager uses', () => {
  it('accepts each request, response and indication with the same TLVs and values (SIM ready, LTE + 5G NR)', async () => {
    const decoded = await libqmiDecode(frames);
    const checked = frames.map((bytes, i) => compare(bytes, decoded[i]!));
    expect(mismatches).toEqual([]);
    const labels = new Set(checked.map((c) => c.label));
    for (const expected of [
      '2:Get Capabilities response', '2:Get Manufacturer response', '2:Get MSISDN response', '2:UIM Get PIN Status response',
      '2:Get Hardware Revision response', '2:Get Operating Mode response', '2:Get Time response', '2:Set Event Report request',
      '2:Set Operating Mode request', '2:Set Operating Mode response', '2:Set Event Report indication',
      'uim:Register Events request', 'uim:Register Events response', 'uim:Get Card Status response', 'uim:Get Slot Status response',
      'uim:Read Transparent request', 'uim:Read Transparent response', 'uim:Card Status indication',
      '3:Register Indications request', '3:Get Serving System response', '3:Get Serving System indication', '3:Get System Info response',
      '3:System Info indication', '3:Get Home Network response', '3:Get Signal Strength request', '3:Get Signal Strength response',
      '3:Get Signal Info response',
      '1:Get Profile List request', '1:Get Profile List response', '1:Get Profile Settings request', '1:Get Profile Settings response',
      '1:Get Default Settings request', '1:Get Default Settings response', '1:Indication Register request', '1:Get Packet Statistics response',
    ]) {
      expect(labels, expected).toContain(expected);
    }
    expect(checked.reduce((n, c) => n + c.tlvs, 0)).toBeGreaterThan(120);
  });

  it('reads the SIM-needs-PIN and SIM-absent answers the same way', async () => {
    for (const set of [pinFrames, absentFrames]) {
      const decoded = await libqmiDecode(set);
      set.forEach((bytes, i) => compare(bytes, decoded[i]!));
    }
    expect(mismatches).toEqual([]);
  });

  it('says what libqmi prints for the SIM states, registration and 5G NR signal', async () => {
    const find = async (set: Uint8Array[], service: number, id: number, kind: string, tlv: number) => {
      const index = set.findIndex((b) => { const f = decodeFrame(b) as QmuxFrame; return f.service === service && f.messageId === id && f.kind === kind; });
      const [d] = await libqmiDecode([set[index]!]);
      return d!.tlvs!.find((t) => t.type === tlv)?.translated ?? '';
    };
    expect(await find(frames, m.UIM_SERVICE, 0x2f, 'response', 0x10)).toMatch(/present.*usim.*ready/s);
    expect(await find(pinFrames, m.UIM_SERVICE, 0x2f, 'response', 0x10)).toMatch(/pin1-or-upin-pin-required.*enabled-not-verified/s);
    expect(await find(absentFrames, m.UIM_SERVICE, 0x2f, 'response', 0x10)).toMatch(/absent/);
    expect(await find(frames, 0x03, 0x24, 'response', 0x01)).toMatch(/registered.*attached.*3gpp.*lte/s);
    expect(await find(pinFrames, 0x03, 0x24, 'response', 0x01)).toMatch(/not-registered/);
    expect(await find(frames, 0x03, 0x4f, 'response', 0x17)).toMatch(/-90.*150/s);
    expect(await find(frames, 0x03, 0x4f, 'response', 0x18)).toBe('-11'); // the 5G RSRQ, dB
    expect(await find(frames, 0x03, 0x4d, 'response', 0x19)).toMatch(/001.*01/s);
    // The first statistics answer of a mux-1 session: 110 packets and 140800 bytes down, one interval.
    expect(await find(frames, 0x01, 0x24, 'response', 0x11)).toBe('110');
    expect(await find(frames, 0x01, 0x24, 'response', 0x1a)).toBe('140800');
    expect(await find(frames, 0x01, 0x24, 'response', 0x1e)).toBe('0'); // rx dropped: one per four queries
  });
});
