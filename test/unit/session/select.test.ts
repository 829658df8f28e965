// The one modem selector (src/session/select.ts) behind every -d.
import { afterEach, describe, expect, it } from 'vitest';
import { selectModem, selectPort } from '../../../src/session/select.js';
import { makeRig, type Rig } from './rig.js';

let rig: Rig | undefined;
afterEach(() => rig?.cleanup());

describe('modem selector', () => {
  it('finds the modem by control port, interface, USB path and IMEI', async () => {
    rig = makeRig();
    const only = await selectModem(rig.env, undefined);
    for (const selector of [`/dev/${only.controlPort}`, only.controlPort, only.netInterface!, only.busPath!, rig.modem.behaviour.imei]) {
      expect((await selectModem(rig.env, selector)).controlPort).toBe(only.controlPort);
    }
  });

  it('names what it knows when nothing matches, an IMEI included', async () => {
    rig = makeRig();
    await expect(selectModem(rig.env, '867698040000009')).rejects.toMatchObject({ code: 'UNKNOWN_MODEM', category: 'notFound', message: expect.stringMatching(/no modem matches "867698040000009" \(known: \/dev\/cdc-wdm\d/) });
    await expect(selectModem(rig.env, 'wwan9')).rejects.toMatchObject({ code: 'UNKNOWN_MODEM' });
  });

  it('takes a path that names no known modem as a port for info/format, and matches modems the same way', async () => {
    rig = makeRig();
    const only = await selectModem(rig.env, undefined);
    expect(await selectPort(rig.env, '/dev/pts/7')).toEqual({ path: '/dev/pts/7', modem: undefined });
    expect((await selectPort(rig.env, only.netInterface!)).path).toBe(`/dev/${only.controlPort}`);
    expect((await selectPort(rig.env, rig.modem.behaviour.imei)).path).toBe(`/dev/${only.controlPort}`);
    await expect(selectPort(rig.env, 'wwan9')).rejects.toMatchObject({ code: 'UNKNOWN_MODEM' });
  });
});
