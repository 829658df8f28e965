// rmnetctl's QMI client reaches the emulated modem through libqmi's real qmi-proxy, sharing it with qmicli
// -p. qmi-proxy is one listener on the abstract socket @qmi-proxy: the tests of this file run one at a time;
// if another proxy already listens (a concurrent `qmicli -p` spawns one), the tests use that one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { openQmiDevice } from '../../../src/qmi/open.js';
import { QmiService } from '../../../src/qmi/enums.js';
import { dmsGetModel } from '../../../src/dms/messages.js';
import { getDataFormat } from '../../../src/wda/data-format.js';
import { RmnetError } from '../../../src/errors.js';
import { startPtyModem, type PtyModem } from '../../modem/pty.js';
import { EmulatedModem } from '../../modem/modem.js';
import { cli } from '../../support/cli.js';
import { run, startQmiProxy, stopQmiProxy } from './helpers.js';

let proxy: ChildProcess | undefined;
let served: PtyModem;

beforeAll(async () => {
  served = startPtyModem({ model: 'PROXIED-EMU' });
  proxy = await startQmiProxy();
});
afterAll(async () => {
  await stopQmiProxy(proxy);
  served.close();
});

describe.sequential('through qmi-proxy', () => {
  it('opens the device with Internal Proxy Open and talks plain QMUX afterwards', async () => {
    const { device, versions } = await openQmiDevice({ path: served.path, proxy: true, timeoutMs: 3000 });
    try {
      expect(versions.map((v) => v.service)).toContain('wds');
      const model = await device.withClient(QmiService.DMS, async (dms) => (await dms.request(dmsGetModel)).fields.model);
      expect(model).toBe('PROXIED-EMU');
      const format = await device.withClient(QmiService.WDA, (wda) => getDataFormat(wda));
      expect(format.linkLayer).toBe('802-3');
    } finally {
      await device.close();
    }
    expect(served.modem.clients()).toEqual([]);
  });

  it('shares the port with qmicli -p at the same time', async () => {
    const { device } = await openQmiDevice({ path: served.path, proxy: true });
    try {
      const dms = await device.allocateClient(QmiService.DMS);
      const other = await run('qmicli', ['-p', '-d', served.path, '--device-open-qmi', '--dms-get-model']);
      expect(other.stdout).toContain("Model: 'PROXIED-EMU'");
      expect((await dms.request(dmsGetModel)).fields.model).toBe('PROXIED-EMU');
    } finally {
      await device.close();
    }
    expect(served.modem.clients()).toEqual([]);
  });

  it('measures the request round trip through the proxy', async () => {
    const { device } = await openQmiDevice({ path: served.path, proxy: true });
    const times: number[] = [];
    try {
      await device.withClient(QmiService.DMS, async (dms) => {
        for (let i = 0; i < 100; i++) {
          const start = performance.now();
          await dms.request(dmsGetModel);
          times.push(performance.now() - start);
        }
      });
    } finally {
      await device.close();
    }
    times.sort((a, b) => a - b);
    process.stderr.write(`qmi-proxy round trip: median ${times[50]!.toFixed(3)} ms, p95 ${times[95]!.toFixed(3)} ms\n`);
    expect(times[50]).toBeLessThan(50);
  });

  it('says so when the proxy cannot open the path', async () => {
    let error: unknown;
    try {
      await openQmiDevice({ path: '/dev/cdc-wdm-nonexistent', proxy: true, probeTimeoutMs: 3000 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RmnetError);
    expect((error as RmnetError).code).toBe('DEVICE_NOT_FOUND');
    expect((error as RmnetError).message).toContain('/dev/cdc-wdm-nonexistent');
    expect((error as RmnetError).message).toContain('qmi-proxy');
  });

  // Issue 10: through the proxy as on the char device, refusals degrade the report instead of failing it.
  it('rmnetctl info --proxy on firmware that refuses optional messages: the partial report, exit 0', async () => {
    const refusing = startPtyModem(EmulatedModem.withFirmware('refuses-optional', { model: 'RO-PROXIED-EMU' }));
    try {
      const result = await cli('info', '-d', refusing.path, '--proxy', '--json');
      expect(result.code, result.stderr).toBe(0);
      const document = JSON.parse(result.stdout);
      expect(Object.keys(document)).toEqual(['path', 'via', 'model', 'revision', 'imei', 'services', 'dataFormat', 'unavailable']);
      expect(document).toMatchObject({ path: refusing.path, via: 'qmi-proxy', model: 'RO-PROXIED-EMU', revision: null, imei: null });
      expect(document.dataFormat).toMatchObject({ linkLayer: '802-3', downlinkAggregation: 'disabled' });
      expect(document.unavailable).toEqual({
        revision: 'DMS Get Revision: QMI error InvalidQmiCommand (71)',
        imei: 'DMS Get IDs: QMI error NotSupported (94)',
      });
      const text = await cli('info', '-d', refusing.path, '--proxy');
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/^path\s+\S+ \(through qmi-proxy\)$/m);
      expect(text.stdout).toMatch(/^model\s+RO-PROXIED-EMU$/m);
      expect(text.stdout).toMatch(/^revision\s+unavailable \(DMS Get Revision: QMI error InvalidQmiCommand \(71\)\)$/m);
      expect(text.stdout).toMatch(/^imei\s+unavailable \(DMS Get IDs: QMI error NotSupported \(94\)\)$/m);
      // A service the firmware lacks: qmi-proxy passes the refused Allocate CID on as it came.
      refusing.modem.behaviour.services = refusing.modem.behaviour.services.filter((s) => s !== 0x1a);
      const noWda = await cli('info', '-d', refusing.path, '--proxy', '--json');
      expect(noWda.code, noWda.stderr).toBe(0);
      const partial = JSON.parse(noWda.stdout);
      expect(partial).toMatchObject({ model: 'RO-PROXIED-EMU', dataFormat: null });
      expect(partial.unavailable.dataFormat).toBe('CTL Allocate CID (WDA): QMI error InvalidServiceType (31)');
      await new Promise((r) => setTimeout(r, 100)); // the proxy releases its side of the clients
      expect(refusing.modem.clients()).toEqual([]);
    } finally {
      refusing.close();
    }
  });

  it('keeps a session alive after the connection closes with keepClients (rmnetctl up through the proxy)', async () => {
    const { bindMuxDataPort, setIpFamily, startNetwork, stopNetwork } = await import('../../../src/wds/session-messages.js');
    const first = await openQmiDevice({ path: served.path, proxy: true, timeoutMs: 3000 });
    const wds = await first.device.allocateClient(QmiService.WDS);
    await bindMuxDataPort(wds, { muxId: 4, endpoint: { type: 'hsusb', interfaceNumber: 4 } });
    await setIpFamily(wds, 4);
    const { packetDataHandle } = await startNetwork(wds, { apn: 'internet', ipFamily: 4 });
    await first.device.close({ keepClients: true });
    await new Promise((r) => setTimeout(r, 200));
    // What the proxy does when its client goes away decides whether `up --proxy` can outlive its process.
    expect(served.modem.sessions().map((s) => [s.muxId, s.clientId])).toEqual([[4, wds.clientId]]);
    // A later process (down) adopts the client id through the proxy and ends the session.
    const second = await openQmiDevice({ path: served.path, proxy: true, timeoutMs: 3000 });
    const adopted = second.device.adoptClient(QmiService.WDS, wds.clientId);
    await stopNetwork(adopted, packetDataHandle);
    await adopted.release();
    await second.device.close();
    expect(served.modem.sessions()).toEqual([]);
    expect(served.modem.clients()).toEqual([]);
  });
});
