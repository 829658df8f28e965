// libqmi's qmicli drives the emulated modem on a pty: if qmicli accepts it, the framing, TLVs and CTL
// behaviour of the model are what libqmi expects of real firmware.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPtyModem, type PtyModem } from '../../modem/pty.js';
import { qmicli } from './helpers.js';

let served: PtyModem;

beforeAll(() => {
  served = startPtyModem({ model: 'EM7455-EMU', downlinkMaxDatagrams: 10, downlinkMaxSize: 4096 });
});
afterAll(() => served.close());

describe('qmicli against the emulated modem', () => {
  // rmnetctl frees a client id whose Allocate CID answer was lost with CTL Sync (session/lost-allocations.ts):
  // libqmi's own Sync request must have that effect on the model, as its docs say it has on firmware.
  it("drops every client id on libqmi's CTL Sync (qmicli --device-open-sync)", async () => {
    const kept = await qmicli(served.path, '--wds-noop', '--client-no-release-cid');
    expect(kept.code, kept.stderr).toBe(0);
    expect(served.modem.clients().length).toBeGreaterThan(0);
    const sync = await qmicli(served.path, '--device-open-sync', '--dms-get-model');
    expect(sync.code, sync.stderr).toBe(0);
    expect(served.modem.clients()).toEqual([]); // the kept WDS client went with the Sync; qmicli released its DMS one
  });

  it('reads the model', async () => {
    const result = await qmicli(served.path, '--dms-get-model');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Model: 'EM7455-EMU'");
    expect(served.modem.clients()).toEqual([]); // qmicli released its DMS client
  });

  it('sets the data format and prints the clamped sizes the modem granted', async () => {
    const before = await qmicli(served.path, '--wda-get-data-format');
    expect(before.stdout).toMatch(/Link layer protocol: '802-3'/);
    const result = await qmicli(
      served.path,
      '--wda-set-data-format=link-layer-protocol=raw-ip,ul-protocol=qmap,dl-protocol=qmap,dl-max-datagrams=32,dl-datagram-max-size=32768,ep-type=hsusb,ep-iface-number=4',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Link layer protocol: 'raw-ip'/);
    expect(result.stdout).toMatch(/Downlink data aggregation protocol: 'qmap'/);
    expect(result.stdout).toMatch(/Downlink data aggregation max datagrams: '10'/);
    expect(result.stdout).toMatch(/Downlink data aggregation max size: '4096'/);
    expect(served.modem.dataFormat()).toMatchObject({ linkLayer: 'raw-ip', downlinkMaxDatagrams: 10, endpoint: { type: 'hsusb', interfaceNumber: 4 } });
    const after = await qmicli(served.path, '--wda-get-data-format');
    expect(after.stdout).toMatch(/Downlink data aggregation max size: '4096'/);
  });

  it('binds a mux, starts a network, reads the settings and stops it across qmicli runs', async () => {
    const bind = await qmicli(served.path, '--wds-bind-mux-data-port=mux-id=7,ep-type=hsusb,ep-iface-number=4', '--client-no-release-cid');
    expect(bind.code, bind.stderr).toBe(0);
    const cid = /CID: '(\d+)'/.exec(bind.stdout)?.[1];
    expect(cid).toBeDefined();
    const start = await qmicli(served.path, '--wds-start-network=apn=internet,ip-type=4', '--client-no-release-cid', `--client-cid=${cid}`);
    expect(start.code, start.stderr).toBe(0);
    const handle = /Packet data handle: '(\d+)'/.exec(start.stdout)?.[1];
    expect(handle).toBeDefined();
    expect(served.modem.sessions()).toMatchObject([{ muxId: 7, apn: 'internet', ipFamily: 4, clientId: Number(cid), packetDataHandle: Number(handle) }]);

    const settings = await qmicli(served.path, '--wds-get-current-settings', '--client-no-release-cid', `--client-cid=${cid}`);
    expect(settings.code, settings.stderr).toBe(0);
    expect(settings.stdout).toMatch(/IPv4 address: 10\.7\.0\.2/);
    expect(settings.stdout).toMatch(/IPv4 subnet mask: 255\.255\.255\.252/);
    expect(settings.stdout).toMatch(/IPv4 gateway address: 10\.7\.0\.1/);
    expect(settings.stdout).toMatch(/MTU: 1500/);

    const status = await qmicli(served.path, '--wds-get-packet-service-status', '--client-no-release-cid', `--client-cid=${cid}`);
    expect(status.stdout).toContain("Connection status: 'connected'");

    const stop = await qmicli(served.path, `--wds-stop-network=${handle}`, `--client-cid=${cid}`);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain('Network stopped');
    expect(served.modem.sessions()).toEqual([]);
    expect(served.modem.clients()).toEqual([]); // the last run released the WDS client
  });

  it('prints the QMI error and call end reason when Start Network fails', async () => {
    served.modem.behaviour.startNetworkFailure = { callEndReason: 1013, verbose: { type: 6, reason: 27 } };
    try {
      const start = await qmicli(served.path, '--wds-start-network=apn=nowhere,ip-type=4');
      expect(start.code).not.toBe(0);
      expect(start.stderr).toMatch(/CallFailed/);
      expect(start.stderr).toMatch(/gsm-wcdma-unknown-apn/);
      expect(start.stderr).toMatch(/unknown-apn/);
    } finally {
      delete served.modem.behaviour.startNetworkFailure;
    }
    expect(served.modem.clients()).toEqual([]);
  });
});
