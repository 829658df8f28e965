// The radio and SIM context against the emulated firmware (real QMI bytes in memory): each field read in base
// units, each refusal a null with the modem's reason, anything else fatal.
import { describe, expect, it } from 'vitest';
import { EmulatedModem, memoryTransport } from '../../modem/index.js';
import { NR5G_NSA_RADIO } from '../../modem/services/firmware.js';
import { QmiDevice } from '../../../src/qmi/device.js';
import { QmiService } from '../../../src/qmi/enums.js';
import { collectRadio } from '../../../src/modem/radio.js';
import { registrationOf, signalFromFields, systemInfoFromFields } from '../../../src/nas/radio.js';
import { simStatusFromFields } from '../../../src/uim/card.js';

async function radioOf(modem: EmulatedModem) {
  const device = new QmiDevice(memoryTransport(modem), { timeoutMs: 300 });
  try {
    return await collectRadio(device);
  } finally {
    await device.close();
  }
}

describe('radio context', () => {
  it('reads registration, signal in dBm and dB, SIM state and operating mode of an LTE modem', async () => {
    const modem = new EmulatedModem();
    const radio = await radioOf(modem);
    expect(radio.operatingMode).toEqual({ value: 'online' });
    expect(radio.registration).toEqual({ value: { state: 'registered', technology: 'lte', mcc: '001', mnc: '01', roaming: false } });
    expect(radio.signal).toEqual({ value: { lte: { rssiDbm: -65, rsrqDb: -9, rsrpDbm: -95, sinrDb: 13 }, nr5g: null } });
    expect(radio.sim).toEqual({ value: { state: 'ready', cardState: 'present', applicationState: 'ready' } });
    // Every client it allocated is released again.
    expect(modem.clients()).toEqual([]);
  });

  it('names EN-DC 5gnr-nsa and reads the NR leg (RSRP, RSRQ, SINR)', async () => {
    const radio = await radioOf(new EmulatedModem({}, NR5G_NSA_RADIO));
    expect(radio.registration.value?.technology).toBe('5gnr-nsa');
    expect(radio.signal.value).toEqual({
      lte: { rssiDbm: -61, rsrqDb: -10, rsrpDbm: -92, sinrDb: 11.5 },
      nr5g: { rsrpDbm: -84, rsrqDb: -12, sinrDb: 18.2 },
    });
  });

  it('reports a SIM waiting for its PIN, no registration, and the refused signal with its reason', async () => {
    const radio = await radioOf(new EmulatedModem({}, { sim: 'pin-required' }));
    expect(radio.sim.value?.state).toBe('pin-required');
    expect(radio.registration.value).toMatchObject({ state: 'not-registered', technology: null, mcc: null });
    expect(radio.signal.value).toBeNull();
    expect(radio.signal.unavailable).toMatch(/^NAS Get Signal Info: QMI error NoNetworkFound \(13\)$/);
  });

  it('keeps what it could read when the firmware has no NAS and no UIM service', async () => {
    const modem = new EmulatedModem({ services: [QmiService.WDS, QmiService.DMS, QmiService.WDA] });
    const radio = await radioOf(modem);
    expect(radio.operatingMode.value).toBe('online');
    expect(radio.registration).toEqual({ value: null, unavailable: expect.stringMatching(/^CTL Allocate CID \(NAS\): QMI error InvalidServiceType \(31\)$/) });
    expect(radio.signal.value).toBeNull();
    expect(radio.sim.unavailable).toMatch(/InvalidServiceType/);
  });

  it('takes the PLMN digits of the LTE anchor when the NR leg reports no network id (a 3-digit MNC stays 3 digits)', () => {
    const info = (mnc: number[]) => ({ networkIdValid: 1, mcc: { d0: 0x33, d1: 0x31, d2: 0x30 }, mnc: { d0: mnc[0]!, d1: mnc[1]!, d2: mnc[2]! }, roamingStatusValid: 0 });
    const system = systemInfoFromFields({
      lteServiceStatus: { serviceStatus: 'available' }, lteSystemInfo: info([0x30, 0x30, 0x34]),
      nr5gServiceStatus: { serviceStatus: 'available' }, nr5gSystemInfo: { networkIdValid: 0 },
    });
    const serving = { state: 'registered', radioInterfaces: ['lte'], mcc: 310, mnc: 4, roaming: false };
    expect(registrationOf(serving, system)).toEqual({ state: 'registered', technology: '5gnr-nsa', mcc: '310', mnc: '004', roaming: false });
    // Serving System alone cannot tell "004" from "04": two digits is the guess.
    expect(registrationOf(serving, null)).toMatchObject({ technology: 'lte', mcc: '310', mnc: '04' });
  });

  it('reads the registration from System Info alone when Serving System is refused', () => {
    const system = { lteServiceStatus: { serviceStatus: 'available' }, lteSystemInfo: { networkIdValid: 1, mcc: { d0: 0x32, d1: 0x36, d2: 0x32 }, mnc: { d0: 0x30, d1: 0x31, d2: 0xff }, roamingStatusValid: 1, roamingStatus: 'on' } };
    expect(registrationOf(null, systemInfoFromFields(system))).toEqual({ state: 'registered', technology: 'lte', mcc: '262', mnc: '01', roaming: true });
  });

  it('is fatal when the modem does not answer at all (not a refusal)', async () => {
    const modem = new EmulatedModem({ dropResponses: ['nas:Get Signal Info'] });
    await expect(radioOf(modem)).rejects.toMatchObject({ code: 'QMI_TIMEOUT' });
  });

  it('reads signed values and "not measured" from the raw TLV numbers', () => {
    expect(signalFromFields({ lteSignalStrength: { rssi: 0xbf, rsrq: 0xf7, rsrp: 0xffa1, snr: 0xff9c }, nr5gSignalStrength: { rsrp: 0x8000, snr: 0x8000 } })).toEqual({
      lte: { rssiDbm: -65, rsrqDb: -9, rsrpDbm: -95, sinrDb: -10 },
      nr5g: { rsrpDbm: null, rsrqDb: null, sinrDb: null },
    });
  });

  it('finds the primary GW application of the card status, or calls the card absent', () => {
    const app = (state: string) => ({ type: 'usim', state });
    const status = (index: number, cards: unknown[]) => ({ cardStatus: { indexGwPrimary: index, cards } }) as never;
    expect(simStatusFromFields(status(0x0001, [{ cardState: 'present', applications: [app('ready'), app('puk1-or-upin-puk-required')] }])).state).toBe('puk-required');
    expect(simStatusFromFields(status(0xffff, [{ cardState: 'absent', applications: [] }])).state).toBe('absent');
    expect(simStatusFromFields(status(0xffff, [])).state).toBe('absent');
    expect(simStatusFromFields(status(0x0000, [{ cardState: 'error', applications: [] }])).state).toBe('error');
    expect(simStatusFromFields(status(0x0000, [{ cardState: 'present', applications: [app('detected')] }])).state).toBe('not-ready');
  });
});
