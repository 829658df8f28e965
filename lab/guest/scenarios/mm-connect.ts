/**
 * ModemManager drives the emulated EC25 end to end (issue #12): probe, enable, registered on the emulated LTE
 * network, `--simple-connect` with multiplex=requested, the bearer's link configured like NetworkManager
 * would, a ping through it to the emulated network, disconnect. Records what ModemManager asked the firmware
 * (service:message counts), the data format, aggregation and MTU it chose.
 */
import { serviceName } from '../../../src/qmi/enums.js';
import { findMessage } from '../../../test/modem/modem.js';
import { attachModem, netStat, readAttribute, run, sleep, type AttachedModem, type Recorder } from '../harness.js';
import { MM_LAB_AGGREGATION, configureBearerLink, enableAndRegister, mmcli, simpleConnect, startModemManagerStack, udevProperties, waitForModem, waitForModemState } from '../modemmanager.js';
import { emulator, muxLinks, pingThrough } from './session-lib.js';

export function askedMessages(frames: Array<{ service: number; messageId: number }>): Record<string, number> {
  const asked: Record<string, number> = {};
  for (const f of frames) {
    const name = findMessage(f.service, f.messageId)?.name ?? `0x${f.messageId.toString(16).padStart(4, '0')}`;
    const key = `${f.service === 0x0b ? 'uim' : serviceName(f.service)}:${name}`;
    asked[key] = (asked[key] ?? 0) + 1;
  }
  return asked;
}

/** udev's properties once its rules ran for the node (the add event can still be in flight). */
export async function waitForUdev(node: string): Promise<Record<string, string>> {
  await run('udevadm', ['settle', '--timeout=10'], 15_000);
  let props: Record<string, string> = {};
  for (let i = 0; i < 50; i++) {
    props = await udevProperties(node);
    if (props.ID_MM_CANDIDATE) break;
    await sleep(200);
  }
  return props;
}

/** Where uplink packets went: link and parent counters, the link's rmnet flags, the data plane's view. */
export async function dataPathDiagnostics(modem: AttachedModem, link: string): Promise<Record<string, unknown>> {
  const stats = (dev: string) => Object.fromEntries(['tx_packets', 'tx_errors', 'tx_dropped', 'rx_packets', 'rx_errors', 'rx_dropped'].map((c) => [c, netStat(dev, c)]));
  const details = await run('ip', ['-d', '-j', 'link', 'show', 'dev', link]);
  return {
    link: stats(link),
    parent: stats(modem.wwan),
    ipDetails: details.stdout.trim().slice(0, 1500),
    dataPlane: { counters: Object.fromEntries([0, 1, 2].map((m) => [m, modem.lab.dataPlane.counter(m)])), notIp: modem.lab.dataPlane.notIp, ulChecksum: modem.lab.dataPlane.ulChecksum, trace: modem.lab.dataPlane.trace, uplinkReader: modem.lab.dataPlane.uplinkStats() },
    routes: (await run('ip', ['-j', 'route', 'show', 'table', 'all'])).stdout.trim().slice(0, 1500),
  };
}

export async function mmConnectScenario(rec: Recorder): Promise<void> {
  const stack = await startModemManagerStack(rec);
  const modem = await attachModem(rec);
  const emu = emulator(modem);
  emu.behaviour.supportedAggregation = [...MM_LAB_AGGREGATION];
  try {
    const props = await waitForUdev(`/dev/${modem.cdcWdm}`);
    rec.equal('mm: udev tags cdc-wdm as ID_MM_CANDIDATE', props.ID_MM_CANDIDATE, '1');
    const index = await rec.time('mmModemAppears', () => waitForModem(90_000));
    if (!rec.check('mm: ModemManager lists the modem', index !== undefined)) return;
    const initial = await rec.time('mmInitialized', () => waitForModemState(index!, (s) => s.state !== undefined && !['unknown', 'initializing', 'locked'].includes(s.state), 90_000));
    rec.check('mm: modem initialized (disabled)', initial.state === 'disabled', { state: initial.state, failedReason: initial.failedReason, plugin: initial.plugin, ports: initial.ports });
    await enableAndRegister(rec, index!);
    const connect = await rec.time('mmConnect', () => simpleConnect(index!, 'internet'));
    rec.check('mm: simple-connect multiplex=requested', connect.result.code === 0 && connect.bearer?.connected === true, { code: connect.result.code, out: (connect.result.stdout + connect.result.stderr).trim().slice(0, 800), bearer: connect.bearer && { ...connect.bearer, raw: undefined } });
    rec.data.bearer = connect.bearer;
    const state = await waitForModemState(index!, (s) => s.state === 'connected', 10_000);
    rec.equal('mm: modem state connected', state.state, 'connected');
    if (connect.bearer?.connected) {
      rec.equal('mm: bearer is multiplexed', connect.bearer.multiplexed, true);
      const links = await muxLinks(modem.wwan);
      rec.data.muxLinks = links.map((l) => ({ muxId: l.muxId, name: l.name, kind: l.kind, mtu: l.link.mtu }));
      const link = links.find((l) => l.name === connect.bearer!.interface);
      rec.check('mm: the bearer interface is a mux link on the QMI net port', link !== undefined, { interface: connect.bearer.interface, links: rec.data.muxLinks });
      const error = await configureBearerLink(connect.bearer);
      rec.check('mm: bearer link configured (address, up)', error === undefined, error);
      rec.data.mmChose = {
        dataFormat: emu.dataFormat(),
        parentMtu: readAttribute(`/sys/class/net/${modem.wwan}/mtu`),
        linkMtu: link?.link.mtu,
        backend: link?.kind,
        bearerMtu: connect.bearer.ipv4?.mtu,
        rawIp: readAttribute(`/sys/class/net/${modem.wwan}/qmi/raw_ip`),
        passThrough: readAttribute(`/sys/class/net/${modem.wwan}/qmi/pass_through`),
      };
      if (link && connect.bearer.ipv4) {
        const ok = await pingThrough(rec, modem, 'mm', link.name, link.muxId, connect.bearer.ipv4.gateway);
        if (!ok) rec.data.pingDiagnostics = await dataPathDiagnostics(modem, link.name);
      }
      const disconnect = await mmcli('-m', index!, '--simple-disconnect');
      rec.equal('mm: simple-disconnect', disconnect.code, 0);
      rec.equal('mm: no session left on the modem after disconnect', emu.sessions().length, 0);
    }
  } finally {
    rec.data.asked = askedMessages(emu.received);
    await stack.stop();
  }
}
