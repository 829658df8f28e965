// resetModem (the recovery ladder's rung 3): offline then reset; a refused reset leaves the modem online.
import { describe, expect, it } from 'vitest';
import { EmulatedModem, memoryTransport } from '../../modem/index.js';
import { QmiDevice } from '../../../src/qmi/device.js';
import { QmiService } from '../../../src/qmi/enums.js';
import { resetModem } from '../../../src/dms/reset.js';
import { RmnetError } from '../../../src/errors.js';

const modesSent = (modem: EmulatedModem) =>
  modem.received.filter((f) => f.service === QmiService.DMS && f.messageId === 0x002e).map((f) => f.tlvs.find((t) => t.type === 1)?.value[0]);

describe('resetModem', () => {
  it('goes offline, then asks for reset; the modem restarts and every client id is gone', async () => {
    const modem = new EmulatedModem();
    const device = new QmiDevice(memoryTransport(modem), { timeoutMs: 500 });
    const resets: string[] = [];
    device.onReset((e) => resets.push(e.code));
    await device.allocateClient(QmiService.WDS);
    await resetModem(device);
    await new Promise((r) => setTimeout(r, 10));
    expect(modesSent(modem)).toEqual([3, 4]);
    expect(modem.resets).toBe(1);
    expect(resets).toEqual(['MODEM_RESET']);
    expect(modem.clients()).toEqual([]);
    expect(modem.radio.state().operatingMode).toBe('online'); // out of reset
    await device.close();
  });

  it('puts a modem that refuses reset back online and throws the refusal', async () => {
    const modem = new EmulatedModem();
    const handle = modem.radio.handle.bind(modem.radio);
    modem.radio.handle = (client, schema, fields) =>
      schema.service === QmiService.DMS && schema.id === 0x002e && (fields.mode === 'reset' || fields.mode === 4) ? { result: { status: 1, error: 94 } } : handle(client, schema, fields);
    const device = new QmiDevice(memoryTransport(modem), { timeoutMs: 500 });
    const error = await resetModem(device).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RmnetError);
    expect((error as RmnetError).message).toContain('Set Operating Mode failed: QMI error NotSupported');
    expect(modesSent(modem)).toEqual([3, 4, 0]);
    expect(modem.radio.state().operatingMode).toBe('online');
    expect(modem.resets).toBe(0);
    expect(modem.clients()).toEqual([]); // the DMS client was released
    await device.close();
  });

  it('is refused by the emulated firmware from online (why the ladder goes offline first)', async () => {
    const modem = new EmulatedModem();
    const device = new QmiDevice(memoryTransport(modem), { timeoutMs: 500 });
    const { dmsSetOperatingMode } = await import('../../../src/dms/messages.js');
    const error = await device.withClient(QmiService.DMS, (dms) => dms.request(dmsSetOperatingMode, { mode: 'reset' })).catch((e: unknown) => e);
    expect((error as RmnetError).message).toMatch(/QMI error .*\(60\)/);
    expect(modem.resets).toBe(0);
    await device.close();
  });
});
