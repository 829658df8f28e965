// doctor end to end through the session rig: the emulated modem and the kernel model from the recorded 6.1
// tree, a PDN brought up by the real `up`. All ok; then the parent MTU lowered below the grant (fail, with
// the MTU that fixes it); then TX counters growing while RX stands still (the RX-stall verdict).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { up } from '../../../src/session/up.js';
import { collectEvidence, type CollectOptions } from '../../../src/doctor/evidence.js';
import { runChecks, summarize, type Verdict } from '../../../src/doctor/checks.js';
import { makeRig, type Rig } from '../session/rig.js';
import { UIM_SERVICE } from '../../modem/services/messages.js';
import { QmiError } from '../../../src/qmi/enums.js';

let rig: Rig;
beforeEach(() => (rig = makeRig()));
afterEach(() => rig.cleanup());

const options = (overrides: Partial<CollectOptions> = {}): CollectOptions => ({ proxy: 'no', intervalSeconds: 0.01, root: true, modinfo: async () => 'found', ...overrides });
const doctor = async (overrides: Partial<CollectOptions> = {}) => runChecks(await collectEvidence(rig.env, options(overrides)));
const find = (verdicts: Verdict[], check: string) => verdicts.filter((v) => v.check === check);

async function bringUp(): Promise<string> {
  const result = await up(rig.env, { muxId: 1, apn: 'internet', ipType: '4', auth: 'none', backend: 'auto', noIp: false, routeMetric: 100 }, { proxy: 'no' });
  return result.link!;
}

describe('doctor on a modem with a PDN up', () => {
  it('all ok: driver, module, mode, receive size, SIM, registration, signal, leftovers, routes, RX', async () => {
    const link = await bringUp();
    rig.model.byName(link)!.stats = { rxPackets: 10, txPackets: 10, rxBytes: 0, txBytes: 0 };
    const verdicts = await doctor({ wait: async () => void (rig.model.byName(link)!.stats = { rxPackets: 20, txPackets: 15, rxBytes: 0, txBytes: 0 }) });
    expect(verdicts.filter((v) => v.verdict !== 'ok').map((v) => `${v.check}: ${v.summary}`)).toEqual([]);
    expect(verdicts.map((v) => v.check)).toEqual(['driver', 'rmnet-module', 'qmi-wwan-mode', 'receive-size', 'sim', 'registration', 'signal', 'leftovers', 'default-routes', 'rx-stall', 'modem-manager']);
    const grant = rig.env.store.read('cdc-wdm0')!.dataFormat!.dlMaxSize!;
    expect(find(verdicts, 'receive-size')[0]!.summary).toMatch(new RegExp(`covers the granted DL size ${grant}$`));
    expect(find(verdicts, 'qmi-wwan-mode')[0]!.summary).toBe('raw_ip Y, pass_through Y, as rmnet needs');
    expect(find(verdicts, 'rx-stall')[0]!.summary).toBe('RX +10, TX +5 packets in 0.01 s');
    expect(summarize(verdicts).fail).toBe(0);
  });

  it('the parent MTU lowered below the grant: receive-size fails with the fix', async () => {
    await bringUp();
    const grant = rig.env.store.read('cdc-wdm0')!.dataFormat!.dlMaxSize!;
    expect(grant).toBeGreaterThan(1500);
    rig.model.byName('wwan0')!.mtu = 1500; // what another tool (or a driver reset) leaves behind
    const [v] = find(await doctor(), 'receive-size');
    expect(v).toMatchObject({ verdict: 'fail', subject: 'wwan0', needsRoot: true });
    expect(v!.summary).toContain(`receive size 1500 (MTU 1500) is smaller than the granted DL size ${grant}`);
    expect(v!.fix).toMatch(/^ip link set dev wwan0 mtu \d+$/);
    expect(Number(v!.fix!.split(' ').pop())).toBeGreaterThanOrEqual(grant);
  });

  it('TX growing while RX stays: the RX-stall verdict on the link', async () => {
    const link = await bringUp();
    rig.model.byName(link)!.stats = { rxPackets: 40, txPackets: 100, rxBytes: 0, txBytes: 0 };
    const verdicts = await doctor({ wait: async () => void (rig.model.byName(link)!.stats = { rxPackets: 40, txPackets: 130, rxBytes: 0, txBytes: 0 }) });
    expect(find(verdicts, 'rx-stall')).toEqual([expect.objectContaining({ verdict: 'warn', subject: link, summary: `TX +30 packets but RX +0 in 0.01 s: the downlink is not reaching ${link}`, evidence: [`netlink ${link} IFLA_STATS64 over 0.01 s: rx_packets 40 -> 40, tx_packets 100 -> 130`] })]);
    // RX never moved since up: the known firmware failure, a fail.
    rig.model.byName(link)!.stats = { rxPackets: 0, txPackets: 5, rxBytes: 0, txBytes: 0 };
    const never = await doctor({ wait: async () => void (rig.model.byName(link)!.stats = { rxPackets: 0, txPackets: 9, rxBytes: 0, txBytes: 0 }) });
    expect(find(never, 'rx-stall')[0]).toMatchObject({ verdict: 'fail', fix: expect.stringContaining(`rmnetctl down -d /dev/cdc-wdm0 --mux 1, then up again`) });
  });

  it('a firmware that refuses SIM and signal questions: each a warning with the modem\'s reason, nothing crashes', async () => {
    rig.modem.behaviour.services = rig.modem.behaviour.services.filter((s) => s !== UIM_SERVICE);
    rig.modem.behaviour.refusedMessages = { ...rig.modem.behaviour.refusedMessages, 'nas:Get Signal Info': QmiError.NotSupported };
    const verdicts = await doctor();
    expect(find(verdicts, 'sim')[0]).toMatchObject({ verdict: 'warn', summary: expect.stringMatching(/^SIM state unavailable: .*QMI error InvalidServiceType/) });
    expect(find(verdicts, 'signal')[0]).toMatchObject({ verdict: 'warn', summary: 'signal unavailable: NAS Get Signal Info: QMI error NotSupported (94)' });
    expect(find(verdicts, 'registration')[0]!.verdict).toBe('ok');
  });
});
