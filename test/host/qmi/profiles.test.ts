// `rmnetctl profiles` (issue 16): the modem's stored 3GPP profiles through main(), against the emulated
// modem on a pty; a profile whose settings the firmware will not read is listed with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../support/cli.js';
import { startPtyModem, type PtyModem } from '../../modem/pty.js';
import { EmulatedModem } from '../../modem/modem.js';

let served: PtyModem;
beforeAll(() => {
  const modem = new EmulatedModem({}, { profiles: [{ index: 1, name: 'internet', apn: 'internet', pdpType: 3 }, { index: 3, name: 'ims', apn: 'ims', pdpType: 2 }] });
  served = startPtyModem(modem);
});
afterAll(() => served.close());

describe('rmnetctl profiles', () => {
  it('lists index, name, APN and PDP type, and releases its client', async () => {
    const result = await cli('profiles', '-d', served.path);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^1\s+internet\s+internet\s+ipv4-or-ipv6\s+-\s+none$/m);
    expect(result.stdout).toMatch(/^3\s+ims\s+ims\s+ipv6\s/m);
    expect(served.modem.clients()).toEqual([]);
  });

  it('--json: one document, settings as { value } or null with the reason', async () => {
    served.modem.behaviour.refusedMessages = { 'wds:Get Profile Settings': 94 };
    const result = await cli('profiles', '-d', served.path, '--json');
    served.modem.behaviour.refusedMessages = {};
    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.profiles.map((p: { index: number; name: string }) => [p.index, p.name])).toEqual([[1, 'internet'], [3, 'ims']]);
    expect(document.profiles[0].settings).toEqual({ value: null, unavailable: expect.stringMatching(/WDS Get Profile Settings: QMI error NotSupported \(94\)/), qmiError: 'NotSupported' });
  });
});
