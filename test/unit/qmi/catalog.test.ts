import { describe, expect, it } from 'vitest';
import { findMessage, registeredMessages } from '../../../src/services.js';
import { errorDetailOf, registerErrorDetail, registerMessages } from '../../../src/qmi/catalog.js';
import { QmiService } from '../../../src/qmi/enums.js';
import { ctlSync } from '../../../src/qmi/messages.js';
import { wdaGetDataFormat } from '../../../src/wda/messages.js';
import { wdsStartNetwork } from '../../../src/wds/messages.js';
import { callEndErrorDetail } from '../../../src/wds/call-end.js';

describe('message catalog', () => {
  it('holds every service once src/services.ts is loaded, one schema per (service, message id)', () => {
    const messages = registeredMessages();
    expect(new Set(messages.map((m) => m.service))).toEqual(new Set([QmiService.CTL, QmiService.DMS, QmiService.WDA, QmiService.WDS, QmiService.NAS, QmiService.UIM]));
    expect(messages).toHaveLength(25); // + DMS Set Operating Mode (issue 14: the recovery ladder resets a modem)
    expect(new Set(messages.map((m) => `${m.service}:${m.id}`)).size).toBe(messages.length);
    expect(findMessage(QmiService.WDS, 0x0020)).toBe(wdsStartNetwork);
    expect(findMessage(QmiService.WDA, 0x0021)).toBe(wdaGetDataFormat);
    expect(findMessage(QmiService.WDS, 0x002b)?.name).toBe('Get Profile Settings');
    expect(findMessage(QmiService.WDS, 0x7777)).toBeUndefined();
  });

  it('accepts a schema registered again, refuses another schema under a taken id', () => {
    registerMessages([ctlSync]);
    expect(() => registerMessages([{ ...ctlSync, name: 'Not Sync' }])).toThrow(/registered twice/);
    expect(() => registerErrorDetail(QmiService.WDS, () => undefined)).toThrow(/registered twice/);
  });

  it("reads WDS call end reasons through the service's registered error detail", () => {
    const fields = { callEndReason: 'no-service', verboseCallEndReason: { type: 6, reason: 27 } };
    expect(errorDetailOf(QmiService.WDS, fields)).toEqual(callEndErrorDetail(fields));
    expect(errorDetailOf(QmiService.WDS, fields)).toEqual({
      details: { callEndReason: 'no-service', verboseCallEndReason: '3gpp: unknown-apn (27)' },
      text: ', call end reason no-service [3gpp: unknown-apn (27)]',
    });
    expect(errorDetailOf(QmiService.WDS, {})).toBeUndefined();
    expect(errorDetailOf(QmiService.DMS, fields)).toBeUndefined();
  });
});
