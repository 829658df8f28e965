/**
 * The receive-path facts of docs/kernel.md ("What differs between the lab's kernels"), held per kernel: the
 * kernel-facts scenario measures them in the guest (lab/guest/scenarios/kernel-facts.ts) and the kernel's own
 * sources in the lab cache say whether it carries usbnet's max_mtu cap (c7159e960f14, on 6.12 as
 * 662dc80a5e86) and qmi_wwan's FLAG_NOMAXMTU fix (55f854dd5bdd). A kernel that behaves differently from its
 * line here fails, so a new Debian upload that changes the data path shows up as a failing test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureLabCache, type LabKernel } from '../../lab/runner.js';
import { availability, expectScenario, labKernelList, scenarioTimeoutMs, setupTimeoutMs, skipLab } from './support.js';

interface Limits {
  mtu: number;
  minMtu: number;
  maxMtu: number;
}
interface Urbs {
  length: number;
  posted: number;
}
interface Facts {
  afterBind: Limits;
  afterRawIp: Limits;
  afterYtoN: Limits;
  urbAfterBind: Urbs;
  directMtu16385: string;
  urbAfterDirect16385?: Urbs;
  urbAt32769: Urbs;
}

/** What each kernel does (measured 2026-12-03; docs/kernel.md). */
const expected: Record<LabKernel, { cap: boolean; fix: boolean; maxMtuAfterBind: number; direct: RegExp }> = {
  bookworm: { cap: true, fix: false, maxMtuAfterBind: 1500, direct: /mtu greater than device maximum/ },
  trixie: { cap: true, fix: true, maxMtuAfterBind: 65535, direct: /^accepted$/ },
  sid: { cap: true, fix: true, maxMtuAfterBind: 65535, direct: /^accepted$/ },
};

function sourceOf(cache: string, file: string): string {
  const tree = readdirSync(cache).find((d) => d.startsWith('linux-source-'));
  if (!tree) throw new Error(`no linux-source-* in ${cache}`);
  return readFileSync(join(cache, tree, file), 'utf8');
}

describe.skipIf(skipLab).each(labKernelList)('%s: the receive path of this kernel', (kernel) => {
  let cache = '';
  beforeAll(() => {
    if (!availability.ok) throw new Error(`the lab cannot run: ${availability.reason}`);
    cache = ensureLabCache(undefined, kernel);
  }, setupTimeoutMs);

  it('its sources: usbnet caps max_mtu at bind unless the driver sets FLAG_NOMAXMTU, and whether qmi_wwan does', () => {
    const usbnet = sourceOf(cache, 'drivers/net/usb/usbnet.c');
    const qmiWwan = sourceOf(cache, 'drivers/net/usb/qmi_wwan.c');
    expect(/net->max_mtu = dev->hard_mtu - net->hard_header_len;/.test(usbnet), 'usbnet max_mtu cap').toBe(expected[kernel].cap);
    expect(/FLAG_NOMAXMTU/.test(qmiWwan), 'qmi_wwan FLAG_NOMAXMTU').toBe(expected[kernel].fix);
    // qmi_wwan's 802.3 setup restores max_mtu 65535, the step rmnetctl's raw_ip Y -> N switch relies on
    expect(qmiWwan).toMatch(/ether_setup\(net\);[\s\S]{0,200}net->max_mtu = ETH_MAX_MTU;/);
  });

  it('measured: MTU limits after bind, a direct raise, the Y -> N switch, URB sizes, EDOM, granted-size transfers whole', async () => {
    const result = await expectScenario('kernel-facts', kernel);
    const facts = result.data.receivePath as Facts;
    expect(facts.afterBind).toEqual({ mtu: 1500, minMtu: 0, maxMtu: expected[kernel].maxMtuAfterBind });
    expect(facts.afterRawIp.maxMtu).toBe(expected[kernel].maxMtuAfterBind);
    expect(facts.directMtu16385).toMatch(expected[kernel].direct);
    if (expected[kernel].direct.test('accepted')) expect(facts.urbAfterDirect16385?.length).toBe(16385);
    expect(facts.afterYtoN).toEqual({ mtu: 1500, minMtu: 0, maxMtu: 65535 });
    expect(facts.urbAfterBind).toEqual({ length: 1514, posted: 60 });
    expect(facts.urbAt32769).toEqual({ length: 32769, posted: 2 });
    const granted = result.data.granted as { granted: { dlMaxSize: number }; urb: number };
    expect(granted.urb).toBeGreaterThanOrEqual(granted.granted.dlMaxSize);
  }, scenarioTimeoutMs);

  it('kernel mode written under live rmnet links (kernel-drift): pass_through on a running parent, raw_ip EBUSY/EINVAL, Y -> N resets MTU and URB, links survive; run repairs both and counts them', async () => {
    const result = await expectScenario('kernel-drift', kernel);
    const facts = result.data.facts as Record<string, unknown>;
    expect([facts.passThroughNWhileUp, facts.passThroughYWhileUp, facts.rawIpNUnderPassThrough, facts.rawIpNWhileUp, facts.rawIpNWhileDown]).toEqual(['accepted', 'accepted', 'EINVAL', 'EBUSY', 'accepted']);
    expect(facts.downlinkWithoutPassThrough).toMatchObject({ delivered: 0 });
    expect((result.data.factsV5 as Record<string, unknown>).downlinkWithoutPassThrough).toMatchObject({ delivered: 8 });
    expect(facts.afterRawIpN).toMatchObject({ mtu: 1500, maxMtu: 65535 });
    expect([(facts.urbAfterRawIpN as { length: number }).length, (facts.urbAfterRawIpY as { length: number }).length]).toEqual([1514, 1500]);
    expect(facts.afterRepair).toEqual(facts.start);
    expect(result.data.driftRepairs).toMatchObject({ count: 2, byKind: { 'pass-through': 1, 'mode-switch': 1, 'restart-all': 0 } });
    expect(result.timings['d: drift to ping']).toBeGreaterThan(0);
  }, scenarioTimeoutMs);

  it('the kernel contract (test/contract/kernel.contract.ts) holds here: rmnet and qmi_wwan sections run, none skipped', async () => {
    const result = await expectScenario('kernel-contract', kernel);
    const contract = result.data.contract as Array<{ test: string; ok: boolean; skipped?: string }>;
    expect(result.data.rmnet).toBe(true);
    // Only the "without the module" case may be skipped: this kernel has rmnet.
    expect(contract.filter((r) => r.skipped).map((r) => r.test)).toEqual([expect.stringMatching(/rmnet > without the module/)]);
    expect(contract.filter((r) => /qmi_wwan/.test(r.test) && !r.skipped).length).toBe(4);
    expect(contract.filter((r) => / > rmnet > /.test(r.test) && !r.skipped).length).toBe(4);
  }, scenarioTimeoutMs);
});

/**
 * A kernel with usbnet's cap and without qmi_wwan's FLAG_NOMAXMTU, reproduced on trixie (lab/setup builds its
 * own qmi_wwan.c with the flag removed: qmi_wwan-capped.ko; lab/guest/scenarios/kernel-capped.ts loads it).
 * The cap is only at bind: qmi_wwan's 802.3 setup restores max_mtu 65535 on raw_ip Y -> N (docs/kernel.md), so
 * rmnetctl lifts it, asks for the full DL size and the granted transfers arrive whole.
 */
describe.skipIf(skipLab || !labKernelList.includes('trixie'))('trixie with a capped qmi_wwan (FLAG_NOMAXMTU removed)', () => {
  beforeAll(() => {
    if (!availability.ok) throw new Error(`the lab cannot run: ${availability.reason}`);
    ensureLabCache(undefined, 'trixie');
  }, setupTimeoutMs);

  it('rmnetctl up on the capped module: max_mtu 1500 after bind, lifted and said so; granted transfers arrive whole; down leaves nothing', async () => {
    const result = await expectScenario('kernel-capped', 'trixie');
    expect((result.data.afterBind as { maxMtu: number }).maxMtu).toBe(1500);
    expect(result.data.upLog as string[]).toContainEqual(expect.stringMatching(/raw_ip Y -> N switch restores maxmtu 65535 \(1500 after bind\)/));
    const up = result.data.up as { dataFormat: { dlMaxDatagrams: number; dlMaxSize: number } };
    expect(String(result.data.decision)).toMatch(new RegExp(`DL ${up.dataFormat.dlMaxDatagrams} datagrams / ${up.dataFormat.dlMaxSize} bytes \\(asked`));
    expect((result.data.urb as { length: number }).length).toBeGreaterThanOrEqual(up.dataFormat.dlMaxSize);
    const transfers = result.data.transfers as Record<string, { outcome: string; delivered: number; over: number }>;
    expect(transfers[`x${up.dataFormat.dlMaxDatagrams}`]).toMatchObject({ outcome: 'delivered', delivered: up.dataFormat.dlMaxDatagrams, over: 0 });
  }, scenarioTimeoutMs);
});
