// The one rule for optional questions (src/modem/optional.ts) against the emulated modem's real answers:
// a refusal is null with the modem's reason, anything else still fails.
import { describe, expect, it } from 'vitest';
import { QmiDevice } from '../../../src/qmi/device.js';
import { QmiService } from '../../../src/qmi/enums.js';
import { dmsGetModel, dmsGetRevision } from '../../../src/dms/messages.js';
import { RmnetError } from '../../../src/errors.js';
import { describeUnavailable, isRefusal, optional, present, refusalReason, settle, type Unavailable } from '../../../src/modem/optional.js';
import { EmulatedModem } from '../../modem/modem.js';
import { memoryTransport } from '../../modem/memory.js';
import { rejection } from '../../support/rejection.js';

function setup(modem = EmulatedModem.withFirmware('refuses-optional')) {
  return { modem, device: new QmiDevice(memoryTransport(modem), { timeoutMs: 200 }) };
}

describe('optional()', () => {
  it('turns a refused message into null with the message and QMI error, without the port path', async () => {
    const { device } = setup();
    const answer = await device.withClient(QmiService.DMS, (dms) => optional(() => dms.request(dmsGetRevision)));
    expect(answer).toEqual({ value: null, unavailable: 'DMS Get Revision: QMI error InvalidQmiCommand (71)', qmiError: 'InvalidQmiCommand' });
    await device.close();
  });

  it('passes an answer through', async () => {
    const { device } = setup();
    const answer = await device.withClient(QmiService.DMS, (dms) => optional(async () => (await dms.request(dmsGetModel)).fields.model));
    expect(answer).toEqual({ value: 'EC25-EMU' });
    await device.close();
  });

  it('names the service whose client id was refused (the firmware lacks it)', async () => {
    const { modem, device } = setup();
    modem.behaviour.services = modem.behaviour.services.filter((s) => s !== QmiService.WDA);
    const answer = await optional(() => device.allocateClient(QmiService.WDA));
    expect(answer).toMatchObject({ value: null, unavailable: 'CTL Allocate CID (WDA): QMI error InvalidServiceType (31)', qmiError: 'InvalidServiceType' });
    // The error itself, for whoever needs the service, names it too.
    const error = await rejection(device.allocateClient(QmiService.WDA), RmnetError);
    expect(error.message).toMatch(/: CTL Allocate CID \(WDA\) failed: QMI error InvalidServiceType \(31\)$/);
    expect(error.details).toMatchObject({ service: 'ctl', qmiMessage: 'Allocate CID', forService: 'wda', qmiError: 'InvalidServiceType' });
    await device.close();
  });

  it('lets everything that is not a refusal through: a timeout, a programming error', async () => {
    const { modem, device } = setup();
    modem.behaviour.dropResponses = ['dms:Get Model'];
    const timeout = await device.withClient(QmiService.DMS, (dms) => rejection(optional(() => dms.request(dmsGetModel)), RmnetError));
    expect(timeout.code).toBe('QMI_TIMEOUT');
    expect(isRefusal(timeout)).toBe(false);
    await expect(optional(async () => { throw new TypeError('bug'); })).rejects.toThrow(TypeError);
    await device.close();
  });
});

describe('present(), settle(), refusalReason()', () => {
  it('makes an answer without the asked-for value unavailable with the given reason', () => {
    expect(present({ value: undefined }, 'DMS Get IDs: the answer has no IMEI')).toEqual({ value: null, unavailable: 'DMS Get IDs: the answer has no IMEI' });
    expect(present({ value: '1' }, 'never')).toEqual({ value: '1' });
    expect(present({ value: null, unavailable: 'refused', qmiError: 'NotSupported' }, 'never')).toEqual({ value: null, unavailable: 'refused', qmiError: 'NotSupported' });
  });

  it('collects the reasons of a report by field, and only of the fields that are null', () => {
    const unavailable: Unavailable<'a' | 'b'> = {};
    expect(settle(unavailable, 'a', { value: 0 })).toBe(0); // a falsy answer is still an answer
    expect(settle(unavailable, 'b', { value: null, unavailable: 'why' })).toBeNull();
    expect(unavailable).toEqual({ b: 'why' });
    expect(describeUnavailable('why')).toBe('unavailable (why)');
  });

  it('falls back to the message for a QMI error without its details', () => {
    expect(refusalReason(new RmnetError('QMI_ERROR', 'something said no'))).toBe('something said no');
  });
});
