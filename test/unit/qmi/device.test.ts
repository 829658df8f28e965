// The QMI client against the emulated modem over an in-memory transport: transactions, timeouts, QMI errors,
// indications, resets, malformed answers, and no client id left behind.
import { describe, expect, it } from 'vitest';
import { QmiDevice } from '../../../src/qmi/device.js';
import { QmiService } from '../../../src/qmi/enums.js';
import { ctlGetVersionInfo } from '../../../src/qmi/messages.js';
import { dmsGetModel } from '../../../src/dms/messages.js';
import { decodeFrame, encodeFrame, type QmuxFrame } from '../../../src/qmi/framing.js';
import { RmnetError } from '../../../src/errors.js';
import { exitCodeOf } from '../../../src/cli/exit-codes.js';
import { EmulatedModem } from '../../modem/modem.js';
import { memoryTransport } from '../../modem/memory.js';
import { getDataFormat, setDataFormat } from '../../../src/wda/data-format.js';
import {
  bindMuxDataPort,
  getCurrentSettings,
  getPacketServiceStatus,
  onPacketServiceStatus,
  setIpFamily,
  startNetwork,
  stopNetwork,
  type PacketServiceStatusEvent,
} from '../../../src/wds/session-messages.js';
import { rejection } from '../../support/rejection.js';

const rejectionOf = (promise: Promise<unknown>) => rejection(promise, RmnetError);

function setup(behaviour: ConstructorParameters<typeof EmulatedModem>[0] = {}, timeoutMs = 200) {
  const modem = new EmulatedModem(behaviour);
  const transport = memoryTransport(modem);
  const device = new QmiDevice(transport, { timeoutMs });
  return { modem, transport, device };
}


const tick = () => new Promise((r) => setTimeout(r, 5));

describe('QmiDevice', () => {
  it('allocates, uses and releases client ids', async () => {
    const { modem, device } = setup();
    const dms = await device.allocateClient(QmiService.DMS);
    expect(modem.clients()).toEqual([{ service: QmiService.DMS, clientId: dms.clientId }]);
    const response = await dms.request(dmsGetModel);
    expect(response.fields.model).toBe('EC25-EMU');
    await dms.release();
    expect(modem.clients()).toEqual([]);
    await device.close();
  });

  it('counts CTL transactions per device (u8) and service ones per client (u16), skipping 0', async () => {
    const { transport, device } = setup();
    for (let i = 0; i < 260; i++) await device.ctl(ctlGetVersionInfo);
    const wda = await device.allocateClient(QmiService.WDA);
    const dms = await device.allocateClient(QmiService.DMS);
    await getDataFormat(wda);
    await getDataFormat(wda);
    await dms.request(dmsGetModel);
    const sent = transport.sent.map((b) => decodeFrame(b) as QmuxFrame);
    const ctl = sent.filter((f) => f.service === 0).map((f) => f.transactionId);
    expect(ctl.slice(0, 3)).toEqual([1, 2, 3]);
    expect(ctl.slice(253, 258)).toEqual([254, 255, 1, 2, 3]);
    expect(ctl).not.toContain(0);
    expect(sent.filter((f) => f.service === QmiService.WDA).map((f) => f.transactionId)).toEqual([1, 2]);
    expect(sent.filter((f) => f.service === QmiService.DMS).map((f) => f.transactionId)).toEqual([1]);
    await device.close();
  });

  it('times out naming the port, service and message, and the request leaves no client id behind', async () => {
    const { modem, device } = setup({ dropResponses: ['dms:Get Model'] });
    const error = await rejectionOf(device.withClient(QmiService.DMS, (dms) => dms.request(dmsGetModel, {}, { timeoutMs: 50 })));
    expect(error.code).toBe('QMI_TIMEOUT');
    expect(error.message).toContain('/dev/emulated-qmi0');
    expect(error.message).toContain('DMS Get Model');
    expect(error.details).toMatchObject({ path: '/dev/emulated-qmi0', service: 'dms', qmiMessage: 'Get Model' });
    await tick();
    expect(modem.clients()).toEqual([]);
    await device.close();
  });

  it('releases a client id whose allocation answered after the timeout', async () => {
    const { modem, device } = setup({ messageDelaysMs: { 'ctl:Allocate CID': 80 } });
    const error = await rejectionOf(device.allocateClient(QmiService.WDS, { timeoutMs: 20 }));
    expect(error.code).toBe('QMI_TIMEOUT');
    await new Promise((r) => setTimeout(r, 150));
    expect(modem.clients()).toEqual([]);
    await device.close();
  });

  it('close() waits a bounded grace for an Allocate CID answer still owed, and releases it (info --timeout)', async () => {
    const { modem, device } = setup({ messageDelaysMs: { 'ctl:Allocate CID': 120 } });
    await rejectionOf(device.allocateClient(QmiService.WDS, { timeoutMs: 20 }));
    const started = Date.now();
    await device.close(); // at once, as a command that gave up does
    expect(Date.now() - started).toBeGreaterThanOrEqual(80);
    expect(modem.clients()).toEqual([]);
  });

  it('close() gives up on an Allocate CID answer that never comes after the grace', async () => {
    const { device } = setup({ dropResponses: ['ctl:Allocate CID'] });
    await rejectionOf(device.allocateClient(QmiService.WDS, { timeoutMs: 20 }));
    const started = Date.now();
    await device.close();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1400);
    expect(waited).toBeLessThan(2500);
  });

  it('sends a Release CID that got no answer once more, and says so when the second gets none either', async () => {
    const { modem, device } = setup();
    const wds = await device.allocateClient(QmiService.WDS);
    modem.behaviour.dropResponses = ['ctl:Release CID'];
    const error = await rejectionOf(wds.release({ timeoutMs: 30 }));
    expect(error.code).toBe('RELEASE_UNANSWERED');
    expect(error.message).toContain(`client ${wds.clientId}`);
    expect(modem.received.filter((f) => f.service === 0 && f.messageId === 0x23)).toHaveLength(2);
    await device.close();
  });

  it('turns a QMI failure into QMI_ERROR with the error and call end reason names', async () => {
    const { modem, device } = setup({ startNetworkFailure: { callEndReason: 1013, verbose: { type: 6, reason: 27 } } });
    const wds = await device.allocateClient(QmiService.WDS);
    const error = await rejectionOf(startNetwork(wds, { apn: 'nope', ipFamily: 4 }));
    expect(error.code).toBe('QMI_ERROR');
    expect(exitCodeOf(error)).toBe(8);
    expect(error.details).toMatchObject({
      path: '/dev/emulated-qmi0',
      service: 'wds',
      qmiMessage: 'Start Network',
      qmiError: 'CallFailed',
      callEndReason: 'gsm-wcdma-unknown-apn',
      verboseCallEndReason: '3gpp: unknown-apn (27)',
    });
    expect(error.message).toMatch(/WDS Start Network failed: QMI error CallFailed \(14\), call end reason gsm-wcdma-unknown-apn/);
    await device.close();
    expect(modem.clients()).toEqual([]);
  });

  it('runs a PDN session: bind, family, start, settings, indications, stop', async () => {
    const { modem, device } = setup();
    const wda = await device.allocateClient(QmiService.WDA);
    const granted = await setDataFormat(wda, {
      linkLayer: 'raw-ip',
      downlinkAggregation: 'qmap',
      downlinkMaxDatagrams: 64,
      downlinkMaxSize: 65536,
      endpoint: { type: 'hsusb', interfaceNumber: 4 },
    });
    expect(granted).toMatchObject({ linkLayer: 'raw-ip', uplinkAggregation: 'qmap', downlinkAggregation: 'qmap', downlinkMaxDatagrams: 32, downlinkMaxSize: 32768 });
    expect(modem.dataFormat()).toMatchObject({ linkLayer: 'raw-ip', downlinkMaxDatagrams: 32, endpoint: { type: 'hsusb', interfaceNumber: 4 } });

    const v4 = await device.allocateClient(QmiService.WDS);
    const v6 = await device.allocateClient(QmiService.WDS);
    const events: PacketServiceStatusEvent[] = [];
    const v6events: PacketServiceStatusEvent[] = [];
    onPacketServiceStatus(v4, (e) => events.push(e));
    onPacketServiceStatus(v6, (e) => v6events.push(e));
    for (const [client, family] of [[v4, 4], [v6, 6]] as const) {
      await bindMuxDataPort(client, { muxId: 3, endpoint: { type: 'hsusb', interfaceNumber: 4 } });
      await setIpFamily(client, family);
    }
    const { packetDataHandle } = await startNetwork(v4, { apn: 'internet', ipFamily: 4 });
    await startNetwork(v6, { apn: 'internet' });
    await tick();
    expect(events.map((e) => e.status)).toEqual(['connected']);
    expect(v6events.map((e) => e.status)).toEqual(['connected']);
    expect(await getPacketServiceStatus(v4)).toBe('connected');
    expect(await getCurrentSettings(v4)).toEqual({
      ipFamily: 'ipv4',
      mtu: 1500,
      ipv4: { address: '10.3.0.2', prefixLength: 30, gateway: '10.3.0.1', dns: ['10.0.0.53', '10.0.0.54'] },
    });
    expect((await getCurrentSettings(v6)).ipv6).toEqual({ address: 'fd00:3::2', prefixLength: 64, gateway: 'fd00:3::1', dns: ['fd00::53', 'fd00::54'] });
    expect(modem.sessions().map((s) => [s.muxId, s.ipFamily, s.clientId])).toEqual([
      [3, 4, v4.clientId],
      [3, 6, v6.clientId],
    ]);

    await stopNetwork(v4, packetDataHandle);
    await tick();
    expect(events.map((e) => e.status)).toEqual(['connected', 'disconnected']);
    expect(events[1]!.callEndReason).toBe('generic-client-end');
    // Releasing the IPv6 client ends its session.
    await v6.release();
    expect(modem.sessions()).toEqual([]);
    await device.close();
    expect(modem.clients()).toEqual([]);
  });

  it('tells the owning client when the network drops its session', async () => {
    const { modem, device } = setup();
    const wds = await device.allocateClient(QmiService.WDS);
    const other = await device.allocateClient(QmiService.WDS);
    const events: PacketServiceStatusEvent[] = [];
    const otherEvents: PacketServiceStatusEvent[] = [];
    onPacketServiceStatus(wds, (e) => events.push(e));
    onPacketServiceStatus(other, (e) => otherEvents.push(e));
    await bindMuxDataPort(wds, { muxId: 1, endpoint: { type: 'hsusb', interfaceNumber: 4 } });
    await startNetwork(wds, { apn: 'internet', ipFamily: 4 });
    modem.dropSession(1, 1005);
    await tick();
    expect(events.map((e) => e.status)).toEqual(['connected', 'disconnected']);
    expect(events[1]!.callEndReason).toBe('gsm-wcdma-insufficient-resources');
    expect(otherEvents).toEqual([]);
    await device.close();
  });

  it('fails pending requests and forgets every client id when the modem resets', async () => {
    const { modem, device } = setup({ messageDelaysMs: { 'dms:Get Model': 100 } }, 1000);
    const dms = await device.allocateClient(QmiService.DMS);
    const resets: string[] = [];
    const gone: string[] = [];
    device.onReset((e) => resets.push(e.code));
    dms.onGone((e) => gone.push(e.code));
    const pending = dms.request(dmsGetModel);
    modem.reset();
    const error = await rejectionOf(pending);
    expect(error.code).toBe('MODEM_RESET');
    expect(resets).toEqual(['MODEM_RESET']);
    expect(gone).toEqual(['CLIENT_GONE']);
    expect(dms.isAllocated).toBe(false);
    expect(device.allocatedClients).toEqual([]);
    expect((await rejectionOf(dms.request(dmsGetModel))).code).toBe('CLIENT_GONE');
    expect(modem.clients()).toEqual([]);
    await device.close();
  });

  it('fails a request whose answer is malformed, naming the message', async () => {
    const { transport, device } = setup({ dropResponses: ['dms:Get Model'] }, 500);
    const dms = await device.allocateClient(QmiService.DMS);
    const pending = dms.request(dmsGetModel);
    await tick();
    // The answer's TLV claims 9 bytes where there are 2.
    const good = encodeFrame({ fromModem: true, service: 2, clientId: dms.clientId, kind: 'response', transactionId: 1, messageId: 0x22, tlvs: [{ type: 2, value: new Uint8Array(4) }, { type: 1, value: Uint8Array.of(0x41, 0x42) }] });
    good[good.length - 3] = 9;
    transport.inject(good);
    const error = await rejectionOf(pending);
    expect(error.code).toBe('QMI_MALFORMED');
    expect(exitCodeOf(error)).toBe(7);
    expect(error.message).toContain('DMS Get Model');
    await device.close();
  });

  it('fails a response without a Result TLV and ignores garbage between frames', async () => {
    const { transport, device } = setup({ dropResponses: ['dms:Get Model'] }, 500);
    const dms = await device.allocateClient(QmiService.DMS);
    const pending = dms.request(dmsGetModel);
    await tick();
    transport.inject(Uint8Array.of(0xde, 0xad));
    transport.inject(encodeFrame({ fromModem: true, service: 2, clientId: dms.clientId, kind: 'response', transactionId: 1, messageId: 0x22, tlvs: [{ type: 1, value: Uint8Array.of(0x41) }] }));
    expect((await rejectionOf(pending)).message).toMatch(/no valid Result TLV/);
    await device.close();
  });

  it('fails everything with DEVICE_GONE when the port goes away', async () => {
    const { transport, device } = setup({ dropResponses: ['dms:Get Model'] }, 1000);
    const dms = await device.allocateClient(QmiService.DMS);
    const pending = dms.request(dmsGetModel);
    transport.hangUp();
    expect((await rejectionOf(pending)).code).toBe('DEVICE_GONE');
    expect((await rejectionOf(device.ctl(ctlGetVersionInfo))).code).toBe('DEVICE_GONE');
  });

  it('refuses a second call on the same mux and family, as the network does', async () => {
    const { device } = setup();
    const a = await device.allocateClient(QmiService.WDS);
    const b = await device.allocateClient(QmiService.WDS);
    for (const c of [a, b]) await bindMuxDataPort(c, { muxId: 2, endpoint: { type: 'hsusb', interfaceNumber: 4 } });
    await startNetwork(a, { apn: 'internet', ipFamily: 4 });
    const error = await rejectionOf(startNetwork(b, { apn: 'internet', ipFamily: 4 }));
    expect(error.details.verboseCallEndReason).toBe('3gpp: multiple-connection-to-same-pdn-not-allowed (55)');
    expect((await rejectionOf(startNetwork(a, { apn: 'internet', ipFamily: 4 }))).details.qmiError).toBe('NoEffect');
    await device.close();
  });

  it('adopts a client id another process kept, and learns when the modem no longer knows it', async () => {
    const { modem, device } = setup();
    const wds = await device.allocateClient(QmiService.WDS);
    await bindMuxDataPort(wds, { muxId: 5, endpoint: { type: 'hsusb', interfaceNumber: 4 } });
    await startNetwork(wds, { apn: 'internet', ipFamily: 4 });
    await device.close({ keepClients: true });
    expect(modem.sessions()).toHaveLength(1);

    const later = new QmiDevice(memoryTransport(modem), { timeoutMs: 200 });
    const adopted = later.adoptClient(QmiService.WDS, wds.clientId);
    expect((await getCurrentSettings(adopted)).ipv4?.address).toBe('10.5.0.2');
    await later.close(); // releases the adopted client: the session ends with it
    expect(modem.sessions()).toEqual([]);
    expect(modem.clients()).toEqual([]);

    const third = new QmiDevice(memoryTransport(modem), { timeoutMs: 200 });
    const stale = third.adoptClient(QmiService.WDS, wds.clientId);
    expect((await rejectionOf(getPacketServiceStatus(stale))).details.qmiError).toBe('InvalidClientId');
    stale.abandon();
    await third.close();
  });

  it('runs out of client ids like firmware does', async () => {
    const { device } = setup({ maxClientsPerService: 2 });
    await device.allocateClient(QmiService.WDS);
    await device.allocateClient(QmiService.WDS);
    expect((await rejectionOf(device.allocateClient(QmiService.WDS))).details.qmiError).toBe('ClientIdsExhausted');
    await device.close();
  });
});

describe('QmiDevice indications', () => {
  it('delivers broadcast indications to every client of the service, and only of that service', async () => {
    const { transport, device } = setup();
    const a = await device.allocateClient(QmiService.WDS);
    const b = await device.allocateClient(QmiService.WDS);
    const dms = await device.allocateClient(QmiService.DMS);
    const heard: string[] = [];
    a.onIndication(() => heard.push('a'));
    b.onIndication(() => heard.push('b'));
    dms.onIndication(() => heard.push('dms'));
    const status = (clientId: number) =>
      encodeFrame({ fromModem: true, service: QmiService.WDS, clientId, kind: 'indication', transactionId: 0, messageId: 0x22, tlvs: [{ type: 1, value: Uint8Array.of(1, 0) }] });
    transport.inject(status(0xff));
    transport.inject(status(b.clientId));
    await tick();
    expect(heard).toEqual(['a', 'b', 'b']);
    await device.close();
  });

  it('stops delivering after unsubscribe and survives a throwing handler', async () => {
    const { modem, device } = setup();
    const wds = await device.allocateClient(QmiService.WDS);
    const seen: PacketServiceStatusEvent[] = [];
    wds.onIndication(() => {
      throw new Error('handler bug');
    });
    const stop = onPacketServiceStatus(wds, (e) => seen.push(e));
    await bindMuxDataPort(wds, { muxId: 4, endpoint: { type: 'hsusb', interfaceNumber: 4 } });
    await startNetwork(wds, { apn: 'internet', ipFamily: 6 });
    await tick();
    stop();
    modem.dropSession(4);
    await tick();
    expect(seen.map((e) => [e.status, e.ipFamily])).toEqual([['connected', 'ipv6']]);
    await device.close();
  });
});
