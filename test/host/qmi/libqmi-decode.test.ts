// libqmi decodes what rmnetctl and the emulated modem put on the wire: every request rmnetctl builds and
// every response and indication the modem builds goes through qmi_message_new_from_raw() and
// qmi_message_get_printable_full() (scripts/qmi-decode.py), and is compared TLV by TLV with what was meant:
// same TLV ids and lengths, libqmi's TLV names, and libqmi's translated values equal to ours.
import { beforeAll, describe, expect, it } from 'vitest';
import { QmiDevice } from '../../../src/qmi/device.js';
import { QmiService, SERVICE_NAMES } from '../../../src/qmi/enums.js';
import { ctlGetVersionInfo, ctlInternalProxyOpen, ctlSync } from '../../../src/qmi/messages.js';
import { dmsGetIds, dmsGetModel, dmsGetRevision } from '../../../src/dms/messages.js';
import { resetModem } from '../../../src/dms/reset.js';
import { decodeFrame, isFrameError, type QmuxFrame } from '../../../src/qmi/framing.js';
import { findMessage } from '../../../src/services.js';
import { decodeResult, decodeValue, type FieldType, type FieldValue } from '../../../src/qmi/schema.js';
import { parseIpv4, parseIpv6 } from '../../../src/ip-address.js';
import { EmulatedModem } from '../../modem/modem.js';
import { memoryTransport } from '../../modem/memory.js';
import { getDataFormat, setDataFormat } from '../../../src/wda/data-format.js';
import {
  bindMuxDataPort,
  getCurrentSettings,
  getPacketServiceStatus,
  setIpFamily,
  startNetwork,
  stopNetwork,
} from '../../../src/wds/session-messages.js';
import { CurrentSettingsMask, wdsStopNetwork } from '../../../src/wds/messages.js';
import { libqmiDecode, type LibqmiDecode } from './helpers.js';

/** libqmi 1.32's TLV names (docs: /work/shared/docs/qmi-tlv-table.txt), by "service:message:direction". */
const LIBQMI_NAMES: Record<string, Record<number, string>> = {
  '0:33:rsp': { 1: 'Service list' },
  '0:34:req': { 1: 'Service' },
  '0:34:rsp': { 1: 'Allocation Info' },
  '0:35:req': { 1: 'Release Info' },
  '0:35:rsp': { 1: 'Release Info' },
  '0:65280:req': { 1: 'Device Path' },
  '2:34:rsp': { 1: 'Model' },
  '2:35:rsp': { 1: 'Revision' },
  '2:37:rsp': { 0x10: 'Esn', 0x11: 'Imei', 0x12: 'Meid', 0x13: 'Imei Software Version' },
  '2:46:req': { 1: 'Mode' },
  '26:32:req': {
    16: 'QoS Format', 17: 'Link Layer Protocol', 18: 'Uplink Data Aggregation Protocol', 19: 'Downlink Data Aggregation Protocol',
    20: 'NDP Signature', 21: 'Downlink Data Aggregation Max Datagrams', 22: 'Downlink Data Aggregation Max Size', 23: 'Endpoint Info',
    27: 'Uplink Data Aggregation Max Datagrams', 28: 'Uplink Data Aggregation Max Size',
  },
  '26:32:rsp': {
    16: 'QoS Format', 17: 'Link Layer Protocol', 18: 'Uplink Data Aggregation Protocol', 19: 'Downlink Data Aggregation Protocol',
    20: 'NDP Signature', 21: 'Downlink Data Aggregation Max Datagrams', 22: 'Downlink Data Aggregation Max Size',
    23: 'Uplink Data Aggregation Max Datagrams', 24: 'Uplink Data Aggregation Max Size', 26: 'Download Minimum Padding', 27: 'Flow Control',
  },
  '26:33:req': { 16: 'Endpoint Info' },
  '1:32:req': { 20: 'APN', 22: 'Authentication Preference', 23: 'Username', 24: 'Password', 25: 'IP Family Preference', 49: 'Profile Index 3GPP', 51: 'Enable Autoconnect', 53: 'Call Type' },
  '1:32:rsp': { 1: 'Packet Data Handle', 16: 'Call End Reason', 17: 'Verbose Call End Reason' },
  '1:33:req': { 1: 'Packet Data Handle', 16: 'Disable Autoconnect' },
  '1:34:rsp': { 1: 'Connection Status' },
  '1:34:ind': { 1: 'Connection Status', 16: 'Call End Reason', 17: 'Verbose Call End Reason', 18: 'IP Family' },
  '1:45:req': { 16: 'Requested Settings' },
  '1:45:rsp': {
    20: 'APN Name', 21: 'Primary IPv4 DNS Address', 22: 'Secondary IPv4 DNS Address', 30: 'IPv4 Address', 32: 'IPv4 Gateway Address',
    33: 'IPv4 Gateway Subnet Mask', 37: 'IPv6 Address', 38: 'IPv6 Gateway Address', 39: 'IPv6 Primary DNS Address',
    40: 'IPv6 Secondary DNS Address', 41: 'MTU', 43: 'IP Family',
  },
  '1:77:req': { 1: 'Preference' },
  '1:162:req': { 16: 'Endpoint Info', 17: 'Mux ID', 19: 'Client Type' },
};
const WDA_REQUEST_GET_RESPONSE = '26:33:rsp';
LIBQMI_NAMES[WDA_REQUEST_GET_RESPONSE] = LIBQMI_NAMES['26:32:rsp']!;

/** Our decoded value flattened into the leaves libqmi prints, in order. */
function leaves(type: FieldType, value: FieldValue): string[] {
  switch (type.kind) {
    case 'ipv4': {
      const parts = parseIpv4(value as string)!;
      // The wire carries a.b.c.d as a little-endian u32 whose value is (a << 24) | (b << 16) | (c << 8) | d.
      return [String(((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!)];
    }
    case 'ipv6': {
      const bytes = parseIpv6(value as string)!;
      return Array.from({ length: 8 }, (_, i) => String((bytes[2 * i]! << 8) | bytes[2 * i + 1]!));
    }
    case 'struct':
      return type.fields.flatMap((f) => leaves(f.type, (value as Record<string, FieldValue>)[f.name]!));
    case 'array':
      return (value as FieldValue[]).flatMap((v) => leaves(type.element, v));
    default:
      // src/qmi names the services rmnetctl allocates; the emulated firmware also lists UIM (ModemManager's).
      if (type.kind === 'u8' && type.enum === SERVICE_NAMES && value === 0x0b) return ['uim'];
      return [String(value)];
  }
}

/** libqmi's translated text reduced to its leaves: drop "[n] =", "key =", brackets and quotes. */
function libqmiLeaves(translated: string): string[] {
  return translated
    .replace(/\[\d+\]\s*=/g, ' ')
    .replace(/[A-Za-z_]+\s*=/g, ' ')
    .split(/[\s'{}[\]]+/)
    .filter((t) => t.length > 0)
    .map((t) => (t === 'no' ? '0' : t === 'yes' ? '1' : t)); // libqmi prints gboolean fields as no/yes
}

interface Checked {
  label: string;
  tlvs: number;
}

/** Compares one frame with libqmi's reading of it; returns what was checked. */
function compare(bytes: Uint8Array, decoded: LibqmiDecode): Checked {
  const frame = decodeFrame(bytes) as QmuxFrame;
  expect(isFrameError(frame)).toBe(false);
  const schema = findMessage(frame.service, frame.messageId)!;
  const direction = frame.kind === 'request' ? 'req' : frame.kind === 'response' ? 'rsp' : 'ind';
  const key = `${frame.service}:${frame.messageId}:${direction}`;
  const label = `${schema.name} ${frame.kind}`;
  expect(decoded.ok, `${label}: ${decoded.error}`).toBe(true);
  expect(decoded.trailing, label).toBe(0);
  const name = frame.kind === 'indication' ? (schema.indicationName ?? schema.name) : schema.name;
  expect(decoded.header?.message, label).toContain(`"${name}"`);
  const theirs = decoded.tlvs!;
  expect(theirs.map((t) => t.type), label).toEqual(frame.tlvs.map((t) => t.type));
  const tlvSchemas = frame.kind === 'request' ? schema.request : frame.kind === 'response' ? schema.response : (schema.indication ?? []);
  for (const [index, tlv] of frame.tlvs.entries()) {
    const their = theirs[index]!;
    expect(their.length, `${label} TLV 0x${tlv.type.toString(16)}`).toBe(tlv.value.length);
    if (tlv.type === 0x02 && frame.kind === 'response') {
      const result = decodeResult(frame.tlvs)!;
      expect(their.name).toBe('Result');
      expect(their.translated).toMatch(result.status === 0 ? /^SUCCESS$/ : /^FAILURE: \w+$/);
      continue;
    }
    const entry = tlvSchemas.find((t) => t.id === tlv.type)!;
    expect(entry, `${label} TLV 0x${tlv.type.toString(16)} is ours`).toBeDefined();
    expect(their.name, `${label} ${entry.name}`).toBe(LIBQMI_NAMES[key]?.[tlv.type]);
    const ours = decodeValue(entry.type, tlv.value);
    expect('value' in ours, `${label} ${entry.name}`).toBe(true);
    if (!('value' in ours)) continue;
    const translated = their.translated ?? '';
    if (translated === "'###'") continue; // libqmi hides IMEI, MEID, username, password
    if (key === '1:45:req' && tlv.type === 0x10) {
      // The requested-settings mask, printed as flag names.
      const mask = ours.value as number;
      const names = Object.entries(CurrentSettingsMask)
        .filter(([, bit]) => (mask & bit) !== 0)
        .map(([name]) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
      expect(translated.split(', ').sort(), label).toEqual(names.sort());
      continue;
    }
    expect(libqmiLeaves(translated), `${label} ${entry.name}: libqmi says ${translated}`).toEqual(leaves(entry.type, ours.value).flatMap((l) => libqmiLeaves(l)));
  }
  return { label, tlvs: frame.tlvs.length };
}

let frames: Uint8Array[] = [];

beforeAll(async () => {
  // One run of everything rmnetctl can ask, plus the modem's failures and indications.
  const modem = new EmulatedModem();
  const transport = memoryTransport(modem);
  const device = new QmiDevice(transport, { timeoutMs: 500 });
  await device.ctl(ctlGetVersionInfo);
  await device.ctl(ctlInternalProxyOpen, { devicePath: '/dev/cdc-wdm0' }).catch(() => {});
  await device.withClient(QmiService.DMS, async (dms) => {
    await dms.request(dmsGetModel);
    await dms.request(dmsGetRevision);
    await dms.request(dmsGetIds);
  });
  await device.withClient(QmiService.WDA, async (wda) => {
    await getDataFormat(wda);
    await getDataFormat(wda, { type: 'hsusb', interfaceNumber: 4 });
    await setDataFormat(wda, {
      linkLayer: 'raw-ip',
      downlinkAggregation: 'qmapv5',
      uplinkAggregation: 'qmap',
      downlinkMaxDatagrams: 32,
      downlinkMaxSize: 31744,
      uplinkMaxDatagrams: 8,
      uplinkMaxSize: 8192,
      endpoint: { type: 'hsusb', interfaceNumber: 4 },
      qosFormat: false,
    });
  });
  const v4 = await device.allocateClient(QmiService.WDS);
  const v6 = await device.allocateClient(QmiService.WDS);
  for (const [client, family] of [[v4, 4], [v6, 6]] as const) {
    await bindMuxDataPort(client, { muxId: 1, endpoint: { type: 'hsusb', interfaceNumber: 4 } });
    await setIpFamily(client, family);
  }
  const { packetDataHandle } = await startNetwork(v4, { apn: 'internet', ipFamily: 4, authentication: 'chap', username: 'user', password: 'pass', profileIndex3gpp: 1 });
  await startNetwork(v6, { apn: 'internet', ipFamily: 6 });
  await getCurrentSettings(v4);
  await getCurrentSettings(v6);
  await getPacketServiceStatus(v4);
  await stopNetwork(v4, packetDataHandle);
  await v4.request(wdsStopNetwork, { packetDataHandle: 0xffffffff, disableAutoconnect: 1 }).catch(() => {});
  modem.behaviour.startNetworkFailure = { callEndReason: 1013, verbose: { type: 6, reason: 27 } };
  await startNetwork(v4, { apn: 'nowhere', ipFamily: 4 }).catch(() => {});
  modem.dropSession(1, 1005);
  await new Promise((r) => setTimeout(r, 10));
  modem.reset();
  await new Promise((r) => setTimeout(r, 10));
  // The recovery ladder's rung 3 (issue 14): offline, then reset; the modem restarts (another CTL Sync).
  await resetModem(device);
  await new Promise((r) => setTimeout(r, 10));
  expect(modem.resets).toBe(1);
  await device.close();
  frames = [...transport.sent, ...transport.received];
});

describe('libqmi decodes every frame rmnetctl and the emulated modem build', () => {
  it('accepts each request, response and indication with the same TLVs and values', async () => {
    const decoded = await libqmiDecode(frames);
    const checked = frames.map((bytes, i) => compare(bytes, decoded[i]!));
    const labels = new Set(checked.map((c) => c.label));
    // The run covered every message of the catalog except the CTL Sync request (a real firmware drops every
    // client id on it, rmnetctl never sends it) in each direction it has.
    for (const expected of [
      'Get Version Info request', 'Get Version Info response', 'Internal Proxy Open request', 'Allocate CID request', 'Allocate CID response',
      'Release CID request', 'Release CID response', 'Get Model response', 'Get Revision response', 'Get IDs response',
      'Get Data Format request', 'Get Data Format response', 'Set Data Format request', 'Set Data Format response',
      'Bind Mux Data Port request', 'Bind Mux Data Port response', 'Set IP Family request', 'Set IP Family response',
      'Start Network request', 'Start Network response', 'Get Current Settings request', 'Get Current Settings response',
      'Get Packet Service Status request', 'Get Packet Service Status response', 'Get Packet Service Status indication',
      'Stop Network request', 'Stop Network response', 'Set Operating Mode request', 'Set Operating Mode response',
    ]) {
      expect(labels, expected).toContain(expected);
    }
    expect(checked.reduce((n, c) => n + c.tlvs, 0)).toBeGreaterThan(100);
  });

  it('reads the modem-reset indication as a CTL Sync indication', async () => {
    const sync = frames.find((f) => { const d = decodeFrame(f) as QmuxFrame; return d.kind === 'indication' && d.service === 0; })!;
    const [decoded] = await libqmiDecode([sync]);
    expect(decoded!.ok).toBe(true);
    expect(decoded!.header?.message).toContain('"Sync"');
    expect(decoded!.header?.flags).toContain('indication');
    expect((decodeFrame(sync) as QmuxFrame).messageId).toBe(ctlSync.id);
  });

  it('agrees with rmnetctl on a frame libqmi finds malformed', async () => {
    const frame = Uint8Array.from(frames[0]!);
    frame[1] = (frame[1] ?? 0) + 1; // QMUX length one too long
    const [decoded] = await libqmiDecode([frame]);
    expect(decoded!.ok).toBe(false);
    expect(isFrameError(decodeFrame(frame))).toBe(true);
  });
});
