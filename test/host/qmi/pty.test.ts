// rmnetctl's QMI client over a real pty (the char-device transport: non-blocking fd, uv_poll, one write per
// frame) to the emulated modem, and the modem's pty surviving host processes that come and go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQmiDevice } from '../../../src/qmi/open.js';
import { QmiService } from '../../../src/qmi/enums.js';
import { dmsGetModel } from '../../../src/dms/messages.js';
import { bindMuxDataPort, getCurrentSettings, onPacketServiceStatus, startNetwork, type PacketServiceStatusEvent } from '../../../src/wds/session-messages.js';
import { startPtyModem, type PtyModem } from '../../modem/pty.js';
import { qmicli } from './helpers.js';

let served: PtyModem;
beforeAll(() => {
  served = startPtyModem();
});
afterAll(() => served.close());

describe('QMI over a pty', () => {
  it('opens, probes with Get Version Info, and measures the request round trip', async () => {
    const { device, versions } = await openQmiDevice({ path: served.path });
    expect(versions).toContainEqual({ service: 'wda', major: 1, minor: 16 });
    const times: number[] = [];
    await device.withClient(QmiService.DMS, async (dms) => {
      for (let i = 0; i < 200; i++) {
        const start = performance.now();
        expect((await dms.request(dmsGetModel)).fields.model).toBe('EC25-EMU');
        times.push(performance.now() - start);
      }
    });
    await device.close();
    times.sort((a, b) => a - b);
    process.stderr.write(`pty round trip (modem in the same process): median ${times[100]!.toFixed(3)} ms, p95 ${times[190]!.toFixed(3)} ms\n`);
    expect(served.modem.clients()).toEqual([]);
  });

  it('keeps a session whose client outlives the process, and the next process can use it', async () => {
    const first = await openQmiDevice({ path: served.path });
    const wds = await first.device.allocateClient(QmiService.WDS);
    const events: PacketServiceStatusEvent[] = [];
    onPacketServiceStatus(wds, (e) => events.push(e));
    await bindMuxDataPort(wds, { muxId: 2, endpoint: { type: 'hsusb', interfaceNumber: 4 } });
    await startNetwork(wds, { apn: 'internet', ipFamily: 4 });
    const settings = await getCurrentSettings(wds);
    expect(settings.ipv4?.address).toBe('10.2.0.2');
    await new Promise((r) => setTimeout(r, 20));
    expect(events.map((e) => e.status)).toEqual(['connected']);
    await first.device.close({ keepClients: true });
    expect(served.modem.sessions()).toHaveLength(1);

    // qmicli, another process, reads the same session through the kept client id.
    const result = await qmicli(served.path, '--wds-get-current-settings', `--client-cid=${wds.clientId}`, '--client-no-release-cid');
    expect(result.stdout).toContain('IPv4 address: 10.2.0.2');

    // Releasing the client (qmicli without --client-no-release-cid) ends the session.
    await qmicli(served.path, '--wds-get-packet-service-status', `--client-cid=${wds.clientId}`);
    expect(served.modem.sessions()).toEqual([]);
    expect(served.modem.clients()).toEqual([]);
  });
});
