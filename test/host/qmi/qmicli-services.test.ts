// qmicli reads the firmware services ModemManager uses (issue #12, test/modem/services/) from the emulated
// modem on a pty, and prints what the model means: identity, operating mode and its change, the SIM in its
// three states, registration, signal (LTE and 5G NR), WDS profiles; and a message the model does not have is
// refused as real firmware does.
import { afterEach, describe, expect, it } from 'vitest';
import { startPtyModem, type PtyModem } from '../../modem/pty.js';
import { qmicli } from './helpers.js';

let served: PtyModem | undefined;
afterEach(() => served?.close());

function start(options: Parameters<typeof startPtyModem>[0] = {}, configure?: (m: PtyModem) => void): PtyModem {
  served = startPtyModem(options);
  configure?.(served);
  return served;
}

describe('qmicli reads the services ModemManager probes', () => {
  it('identity, capabilities, operating mode and its change', async () => {
    const { path, modem } = start();
    const manufacturer = await qmicli(path, '--dms-get-manufacturer');
    expect(manufacturer.stdout).toContain("Manufacturer: 'Quectel'");
    const caps = await qmicli(path, '--dms-get-capabilities');
    expect(caps.code, caps.stderr).toBe(0);
    expect(caps.stdout).toMatch(/Networks: 'gsm, umts, lte'/);
    expect(caps.stdout).toMatch(/SIM: 'supported'/);
    expect((await qmicli(path, '--dms-get-msisdn')).stdout).toContain("MSISDN: '+15550100001'");
    expect((await qmicli(path, '--dms-get-operating-mode')).stdout).toMatch(/Mode: 'online'/);
    const low = await qmicli(path, '--dms-set-operating-mode=low-power');
    expect(low.code, low.stderr).toBe(0);
    expect((await qmicli(path, '--dms-get-operating-mode')).stdout).toMatch(/Mode: 'low-power'/);
    expect((await qmicli(path, '--nas-get-serving-system')).stdout).toMatch(/Registration state: 'not-registered'/);
    expect(modem.radio.state()).toMatchObject({ operatingMode: 'low-power', registered: false });
    await qmicli(path, '--dms-set-operating-mode=online');
    await new Promise((r) => setTimeout(r, 300));
    expect(modem.radio.state()).toMatchObject({ operatingMode: 'online', registered: true });
    const time = await qmicli(path, '--dms-get-time');
    expect(time.code, time.stderr).toBe(0);
    expect(time.stdout).toMatch(/Time source: 'device'/);
    expect(modem.clients()).toEqual([]);
  });

  it('the SIM: ready, needs a PIN, absent', async () => {
    let s = start();
    let card = await qmicli(s.path, '--uim-get-card-status');
    expect(card.code, card.stderr).toBe(0);
    expect(card.stdout).toMatch(/Card state: 'present'/);
    expect(card.stdout).toMatch(/Application type:\s+'usim/);
    expect(card.stdout).toMatch(/Application state:\s+'ready'/);
    const slots = await qmicli(s.path, '--uim-get-slot-status');
    expect(slots.code, slots.stderr).toBe(0);
    expect(slots.stdout).toMatch(/Card status: present/);
    s.close();
    s = start({}, (m) => { m.modem.radio.behaviour.sim = 'pin-required'; m.modem.radio.update(); });
    card = await qmicli(s.path, '--uim-get-card-status');
    expect(card.stdout).toMatch(/Application state:\s+'pin1-or-upin-pin-required'/);
    expect(card.stdout).toMatch(/PIN1 state: 'enabled-not-verified'/);
    expect((await qmicli(s.path, '--nas-get-serving-system')).stdout).toMatch(/Registration state: 'not-registered'/);
    s.close();
    s = start({}, (m) => { m.modem.radio.behaviour.sim = 'absent'; m.modem.radio.update(); });
    card = await qmicli(s.path, '--uim-get-card-status');
    expect(card.stdout).toMatch(/Card state: 'absent'/);
  });

  it('registration, system info and signal (LTE, then with 5G NR)', async () => {
    const { path, modem } = start();
    const serving = await qmicli(path, '--nas-get-serving-system');
    expect(serving.code, serving.stderr).toBe(0);
    expect(serving.stdout).toMatch(/Registration state: 'registered'/);
    expect(serving.stdout).toMatch(/Radio interfaces: '1'[\s\S]*\[0\]: 'lte'/);
    expect(serving.stdout).toMatch(/MCC: '1'[\s\S]*MNC: '1'/);
    const info = await qmicli(path, '--nas-get-system-info');
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/LTE service:[\s\S]*Status: 'available'/);
    expect(info.stdout).toMatch(/MCC: '001'/);
    const signal = await qmicli(path, '--nas-get-signal-info');
    expect(signal.code, signal.stderr).toBe(0);
    expect(signal.stdout).toMatch(/RSRP: '-95 dBm'/);
    expect(signal.stdout).not.toMatch(/5G/);
    modem.radio.behaviour.nr5g = true;
    const nr = await qmicli(path, '--nas-get-signal-info');
    expect(nr.stdout).toMatch(/5G:[\s\S]*RSRP: '-90 dBm'[\s\S]*SNR: '15.0 dB'/);
    const strength = await qmicli(path, '--nas-get-signal-strength');
    expect(strength.code, strength.stderr).toBe(0);
    expect(strength.stdout).toMatch(/Current:[\s\S]*Network 'lte': '-65 dBm'/);
  });

  it('WDS profiles and default settings', async () => {
    const { path } = start();
    const list = await qmicli(path, '--wds-get-profile-list=3gpp');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/\[1\] 3gpp - internet/);
    expect(list.stdout).toMatch(/APN: 'internet'/);
    const defaults = await qmicli(path, '--wds-get-default-settings=3gpp');
    expect(defaults.code, defaults.stderr).toBe(0);
    expect(defaults.stdout).toMatch(/APN: 'internet'/);
  });

  it('refuses what it does not model: InvalidQmiCommand', async () => {
    const { path } = start();
    const bands = await qmicli(path, '--dms-get-band-capabilities');
    expect(bands.code).not.toBe(0);
    expect(bands.stderr).toMatch(/InvalidQmiCommand/);
  });
});
