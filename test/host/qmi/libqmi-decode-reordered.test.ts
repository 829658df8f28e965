// libqmi reads the reordered-tlvs firmware's answers (test/modem/services/firmware.ts) as rmnetctl does:
// TLVs in ascending order with the Result TLV last, vendor TLVs 0xE0.. amid them. Each response of a
// WDA + WDS session goes through qmi_message_new_from_raw() (scripts/qmi-decode.py): the frame parses with
// nothing left over, libqmi sees the TLVs in the order sent with their lengths, names every published TLV
// and none of the vendor ones, and its values for the settings rmnetctl uses are rmnetctl's.
import { beforeAll, describe, expect, it } from 'vitest';
import { QmiDevice } from '../../../src/qmi/device.js';
import { QmiService } from '../../../src/qmi/enums.js';
import { decodeFrame, isFrameError, type QmuxFrame } from '../../../src/qmi/framing.js';
import { getDataFormat, setDataFormat, type DataFormat } from '../../../src/wda/data-format.js';
import { bindMuxDataPort, getCurrentSettings, setIpFamily, startNetwork, type CurrentSettings } from '../../../src/wds/session-messages.js';
import { EmulatedModem, VENDOR_TLVS } from '../../modem/modem.js';
import { memoryTransport } from '../../modem/memory.js';
import { libqmiDecode, type LibqmiDecode } from './helpers.js';

const VENDOR = new Set(Object.values(VENDOR_TLVS).flatMap((tlvs) => tlvs.map((t) => t.type)));

let responses: Array<{ frame: QmuxFrame; libqmi: LibqmiDecode }> = [];
let granted: DataFormat;
let settings: CurrentSettings;
let handle: number;

beforeAll(async () => {
  const modem = EmulatedModem.withFirmware('reordered-tlvs');
  const transport = memoryTransport(modem);
  const device = new QmiDevice(transport, { timeoutMs: 500 });
  const endpoint = { type: 'hsusb', interfaceNumber: 4 } as const;
  await device.withClient(QmiService.WDA, async (wda) => {
    granted = await setDataFormat(wda, { linkLayer: 'raw-ip', downlinkAggregation: 'qmapv5', uplinkAggregation: 'qmapv5', downlinkMaxDatagrams: 32, downlinkMaxSize: 32768, endpoint });
    await getDataFormat(wda, endpoint);
  });
  const wds = await device.allocateClient(QmiService.WDS);
  await bindMuxDataPort(wds, { muxId: 1, endpoint });
  await setIpFamily(wds, 4);
  handle = (await startNetwork(wds, { apn: 'internet', ipFamily: 4 })).packetDataHandle;
  settings = await getCurrentSettings(wds);
  await device.close();
  const frames = transport.received.map((bytes) => ({ bytes, frame: decodeFrame(bytes) })).filter((f): f is { bytes: Uint8Array; frame: QmuxFrame } => !isFrameError(f.frame) && f.frame.kind === 'response');
  const decoded = await libqmiDecode(frames.map((f) => f.bytes));
  responses = frames.map((f, i) => ({ frame: f.frame, libqmi: decoded[i]! }));
}, 30_000);

describe('libqmi decodes the reordered-tlvs answers', () => {
  it('every response parses whole, with the TLVs in the order sent, the Result TLV last', () => {
    expect(responses.length).toBeGreaterThanOrEqual(8);
    for (const { frame, libqmi } of responses) {
      expect(libqmi.ok, libqmi.error).toBe(true);
      expect(libqmi.trailing).toBe(0);
      expect(libqmi.tlvs!.map((t) => [t.type, t.length])).toEqual(frame.tlvs.map((t) => [t.type, t.value.length]));
      expect(frame.tlvs.at(-1)!.type).toBe(0x02);
      expect(libqmi.tlvs!.at(-1)).toMatchObject({ name: 'Result', translated: 'SUCCESS' });
    }
  });

  it('names every published TLV and none of the vendor ones, which the WDA and WDS answers carry', () => {
    const vendorSeen = new Set<number>();
    for (const { libqmi } of responses) {
      for (const tlv of libqmi.tlvs!) {
        if (VENDOR.has(tlv.type)) {
          vendorSeen.add(tlv.type);
          expect(tlv.name, `TLV 0x${tlv.type.toString(16)}`).toBeFalsy();
        } else {
          expect(tlv.name, `TLV 0x${tlv.type.toString(16)}`).toBeTruthy();
        }
      }
    }
    expect([...vendorSeen].sort()).toEqual([...VENDOR].sort());
  });

  it("libqmi's values are the ones rmnetctl read", () => {
    const of = (service: number, messageId: number) => responses.find((r) => r.frame.service === service && r.frame.messageId === messageId)!.libqmi.tlvs!;
    const named = (tlvs: NonNullable<LibqmiDecode['tlvs']>, name: string) => tlvs.find((t) => t.name === name)?.translated;
    const set = of(0x1a, 0x20);
    expect(named(set, 'Downlink Data Aggregation Max Size')).toBe(String(granted.downlinkMaxSize));
    expect(named(set, 'Downlink Data Aggregation Max Datagrams')).toBe(String(granted.downlinkMaxDatagrams));
    expect(named(set, 'Downlink Data Aggregation Protocol')).toBe(String(granted.downlinkAggregation));
    expect(named(of(0x01, 0x20), 'Packet Data Handle')).toBe(String(handle));
    expect(named(of(0x01, 0x2d), 'MTU')).toBe(String(settings.mtu));
    expect(settings.ipv4?.address).toBe('10.1.0.2');
  });
});
