// Issue 10: firmware that refuses optional messages (the "refuses-optional" profile: no DMS Get Revision or
// Get IDs, no WDS Get Packet Service Status or Get Packet Statistics). `up` and `down` need none of them and
// work; `status` shows the record and kernel and marks the modem's session state unavailable with the
// modem's reason; a refusal of what `up` needs is still fatal, naming the message and the QMI error.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmulatedModem } from '../../modem/index.js';
import { QmiError } from '../../../src/qmi/enums.js';
import { up } from '../../../src/session/up.js';
import { down } from '../../../src/session/down.js';
import { status } from '../../../src/session/status.js';
import { renderStatus } from '../../../src/cli/commands/status.js';
import { ExitCode, exitCodeOf } from '../../../src/cli/exit-codes.js';
import type { PdnRequest } from '../../../src/session/request.js';
import { RmnetError } from '../../../src/errors.js';
import { rejection } from '../../support/rejection.js';
import { makeRig, type Rig } from './rig.js';

const request = (overrides: Partial<PdnRequest> = {}): PdnRequest => ({ muxId: 1, apn: 'internet', ipType: '4v6', auth: 'none', backend: 'auto', noIp: false, routeMetric: 100, ...overrides });
const options = { proxy: 'no' as const };
const REFUSED_STATE = 'WDS Get Packet Service Status: QMI error InvalidQmiCommand (71)';

let rig: Rig;
beforeEach(() => (rig = makeRig('rawip', EmulatedModem.withFirmware('refuses-optional'))));
afterEach(() => rig.cleanup());

describe('the refuses-optional firmware profile', () => {
  it('brings a dual-stack PDN up and down', async () => {
    const result = await up(rig.env, request(), options);
    expect(result.link).toBe('wwan0.1');
    expect(rig.modem.sessions().map((s) => s.ipFamily).sort()).toEqual([4, 6]);
    expect(rig.addresses().map((a) => a.address).sort()).toEqual(['10.1.0.2', 'fd00:1::2']); // the emulated network's plan
    expect(rig.env.store.read('cdc-wdm0')?.pdns[0]).toMatchObject({ state: 'up', clients: [expect.objectContaining({ family: 4 }), expect.objectContaining({ family: 6 })] });
    const downed = await down(rig.env, { muxId: 1, all: false, proxy: 'no' });
    expect(downed.removed).toHaveLength(1);
    expect(rig.modem.sessions()).toEqual([]);
    expect(rig.modem.clients()).toEqual([]);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
  });

  it('status: record and kernel as always, the refused session state null with its reason, no false disagreement', async () => {
    await up(rig.env, request(), options);
    const modems = await status(rig.env, { proxy: 'no' });
    const [mux] = modems[0]!.muxes;
    expect(mux).toMatchObject({ muxId: 1, link: 'wwan0.1', backend: 'rmnet', recorded: { apn: 'internet', ipType: '4v6', state: 'up' }, disagreements: [] });
    expect(mux!.kernel).toMatchObject({ present: true, up: true });
    expect(mux!.modem).toEqual([
      { family: 4, clientId: expect.any(Number), status: null, unavailable: { status: REFUSED_STATE } },
      { family: 6, clientId: expect.any(Number), status: null, unavailable: { status: REFUSED_STATE } },
    ]);
    // The JSON document keeps its shape: every key present, null where the modem did not answer.
    const json = JSON.parse(JSON.stringify({ modems }));
    expect(Object.keys(json.modems[0].muxes[0].modem[0])).toEqual(['family', 'clientId', 'status', 'unavailable']);
    expect(json.modems[0].muxes[0].modem[0].status).toBeNull();
    const text = renderStatus(modems);
    expect(text).toMatch(/^\s+1\s+wwan0\.1\s+rmnet\s+up\s+internet \(up\)\s+v4 unavailable, v6 unavailable\s/m);
    expect(text).toContain(`  - mux 1: IPv4 session state unavailable (${REFUSED_STATE})`);
    expect(text).toContain(`  - mux 1: IPv6 session state unavailable (${REFUSED_STATE})`);
    expect(text).not.toContain('!');
    // status borrowed the owning clients and left them (and the sessions) to the record.
    expect(rig.modem.sessions()).toHaveLength(2);
  });

  it('status: a modem that forgot the owning clients (reset) is still a disagreement', async () => {
    await up(rig.env, request({ ipType: '4' }), options);
    rig.modem.behaviour.refusedMessages = {};
    rig.modem.reset();
    const [modem] = await status(rig.env, { proxy: 'no' });
    const mux = modem!.muxes[0]!;
    expect(mux.modem[0]!.status).toBeNull();
    expect(mux.modem[0]!.unavailable.status).toBe('WDS Get Packet Service Status: QMI error InvalidClientId (7)');
    expect(mux.disagreements).toEqual([`the modem does not know client ${mux.modem[0]!.clientId} of the IPv4 session (recorded up; was it reset?)`]);
  });

  it('status: an unanswered question is not a refusal, and fails naming the message', async () => {
    await up(rig.env, request({ ipType: '4' }), options);
    rig.modem.behaviour.dropResponses = ['wds:Get Packet Service Status'];
    const error = await rejection(status(rig.env, { proxy: 'no' }), RmnetError);
    expect(error).toMatchObject({ code: 'QMI_TIMEOUT', details: expect.objectContaining({ service: 'wds', qmiMessage: 'Get Packet Service Status' }) });
    expect(exitCodeOf(error)).toBe(ExitCode.timeout);
  });

  it('up: a refusal of what it needs (WDS Start Network) is fatal, names message and QMI error, and is undone', async () => {
    rig.modem.behaviour.refusedMessages = { ...rig.modem.behaviour.refusedMessages, 'wds:Start Network': QmiError.NotSupported };
    const error = await rejection(up(rig.env, request({ ipType: '4' }), options), RmnetError);
    expect(error.code).toBe('QMI_ERROR');
    expect(error.message).toContain('WDS Start Network failed: QMI error NotSupported (94)');
    expect(exitCodeOf(error)).toBe(ExitCode.qmiError);
    expect(rig.modem.sessions()).toEqual([]);
    expect(rig.modem.clients()).toEqual([]);
    expect(rig.model.list().filter((l) => l.kind === 'rmnet')).toEqual([]);
    expect(rig.env.store.read('cdc-wdm0')).toBeUndefined();
  });

  it('up: firmware without WDA cannot set the data format, and says so', async () => {
    rig.modem.behaviour.services = rig.modem.behaviour.services.filter((s) => s !== 0x1a);
    const error = await rejection(up(rig.env, request({ ipType: '4' }), options), RmnetError);
    expect(error.code).toBe('QMI_ERROR');
    expect(error.message).toContain('CTL Allocate CID (WDA) failed: QMI error InvalidServiceType (31)');
    expect(rig.modem.clients()).toEqual([]);
  });
});
