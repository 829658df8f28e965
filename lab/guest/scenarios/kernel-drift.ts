/**
 * What the kernel does when something else (ModemManager re-opening the port) writes qmi_wwan's raw_ip and
 * pass_through under rmnet links that `rmnetctl up` made, so that `run`'s repair (src/session/drift-repair.ts)
 * takes the least disruptive step each kernel allows (docs/kernel.md, "Kernel mode written under live links"):
 *   a. pass_through N, then Y, written while the parent is up: accepted or EBUSY? Do the links, the MTU,
 *      max_mtu and the receive URB stay? Does downlink traffic reach the rmnet link in between?
 *   b. raw_ip N while up (with and without pass_through): refused how?
 *   c. parent down (the rmnet link's own state then), pass_through N, raw_ip Y -> N -> Y: MTU, max_mtu, URB,
 *      whether the rmnet link survives; then the repair by hand (raw-ip MTU back, pass_through Y, up): the
 *      link's address and route still there, downlink and ping pass again.
 * Then the supervisor under the same drift, written by hand the way ModemManager does it:
 *   d. `rmnetctl run` with one PDN; pass_through N under it: the time until it is Y again and a ping passes;
 *   e. parent down, pass_through N, raw_ip N, parent up (the MTU reset to 1500): the time to repair, ping.
 */
import { writeFileSync } from 'node:fs';
import { attachModem, ip, netStat, readAttribute, run, sleep, waitFor, writeAttribute, type AttachedModem, type Recorder } from '../harness.js';
import { cliDetail, emulator, exited, globalAddresses, muxLinks, pingThrough, qmiWwanMode, rmnetctl, spawnRmnetctl } from './session-lib.js';
import { mtuLimits, urbsWhenUp } from './kernel-facts.js';

const attr = (wwan: string, name: 'raw_ip' | 'pass_through') => `/sys/class/net/${wwan}/qmi/${name}`;

/** qmi_wwan's mode, the parent's MTU limits and the bulk-IN URB size usbnet last posted. */
async function parentFacts(modem: AttachedModem): Promise<Record<string, unknown>> {
  const { wwan } = modem;
  return { rawIp: readAttribute(attr(wwan, 'raw_ip')), passThrough: readAttribute(attr(wwan, 'pass_through')), ...(await mtuLimits(wwan)), urb: modem.lab.device.stats.lastInUrbLength };
}

/** The rmnet link's flags and operstate as `ip -j link` shows them (does it follow its parent down?). */
async function linkState(link: string): Promise<{ flags: string[]; operstate: string } | undefined> {
  const r = await ip(undefined, '-j', 'link', 'show', link);
  if (r.code !== 0) return undefined;
  const [info] = JSON.parse(r.stdout) as Array<{ flags: string[]; operstate: string }>;
  return info && { flags: info.flags, operstate: info.operstate };
}

/** 8 QMAP datagrams for `muxId` pushed down; how many reached `link`. */
async function downlink(modem: AttachedModem, link: string, muxId: number): Promise<{ outcome: string; delivered: number; parentRxErrors: number }> {
  const before = { rx: netStat(link, 'rx_packets'), errors: netStat(modem.wwan, 'rx_errors') };
  const push = modem.lab.dataPlane.pushDownlink({ muxId, datagrams: 8 });
  await sleep(400);
  return { outcome: push.outcome, delivered: netStat(link, 'rx_packets') - before.rx, parentRxErrors: netStat(modem.wwan, 'rx_errors') - before.errors };
}

async function routesOf(link: string): Promise<string[]> {
  const r = await ip(undefined, '-j', 'route', 'show', 'dev', link);
  return (JSON.parse(r.stdout || '[]') as Array<{ dst: string }>).map((x) => x.dst);
}

/** `rmnetctl up --mux 1 --backend rmnet`; the link, its gateway, the parent as up left it. */
async function upRmnet(rec: Recorder, project: string, modem: AttachedModem, label: string): Promise<{ link: string; gateway: string; start: Record<string, unknown> } | undefined> {
  const up = await rec.time(`${label}.up`, () => rmnetctl(project, ['up', '--mux', '1', '--apn', 'internet', '--backend', 'rmnet', '--json']));
  if (!rec.check(`${label}. rmnetctl up --mux 1 --backend rmnet exits 0`, up.code === 0, cliDetail(up))) return undefined;
  const link = (up.json as { link: string }).link;
  const gateway = emulator(modem).sessions().find((s) => s.muxId === 1 && s.ipv4)?.ipv4?.gateway ?? '';
  rec.check(`${label}. downlink reaches the rmnet link before any drift`, (await downlink(modem, link, 1)).delivered === 8);
  return { link, gateway, start: await parentFacts(modem) };
}

const sizes = (f: unknown) => {
  const x = f as Record<string, unknown>;
  return [x.mtu, x.maxMtu, x.urb];
};

/**
 * a. pass_through N then Y on the running parent. Whether the rmnet link still receives in between depends
 * on the QMAP header's first byte: qmi_wwan_rx_fixup without pass_through reads it as an IP version nibble
 * (0x4_: IPv4, 0x6_: IPv6, anything else dropped in raw-ip), and rmnet's rx handler takes whatever usbnet
 * then hands up. QMAPv5's next-header bit (0x40) passes as "IPv4"; QMAPv1's pad byte (0x00-0x3f) is dropped.
 */
async function passThroughFacts(rec: Recorder, modem: AttachedModem, label: string, up: { link: string; gateway: string; start: Record<string, unknown> }, v5: boolean): Promise<Record<string, unknown>> {
  const { wwan } = modem;
  const { link, start } = up;
  const facts: Record<string, unknown> = { start };
  facts.passThroughNWhileUp = writeAttribute(attr(wwan, 'pass_through'), 'N') ?? 'accepted';
  facts.afterPassThroughN = await parentFacts(modem);
  facts.downlinkWithoutPassThrough = await downlink(modem, link, 1);
  facts.linksAfterPassThroughN = (await muxLinks(wwan)).map((l) => l.name);
  facts.passThroughYWhileUp = writeAttribute(attr(wwan, 'pass_through'), 'Y') ?? 'accepted';
  facts.afterPassThroughY = await parentFacts(modem);
  facts.downlinkAfterPassThroughY = await downlink(modem, link, 1);
  rec.check(`${label}. pass_through N is accepted while the parent is up (no EBUSY)`, facts.passThroughNWhileUp === 'accepted', facts.passThroughNWhileUp);
  const without = (facts.downlinkWithoutPassThrough as { delivered: number }).delivered;
  rec.check(v5 ? `${label}. with pass_through N, QMAPv5 frames still reach rmnet (the 0x40 next-header bit reads as IPv4)` : `${label}. with pass_through N, QMAPv1 frames are dropped before rmnet`, without === (v5 ? 8 : 0), facts.downlinkWithoutPassThrough);
  rec.equal(`${label}. the rmnet link survives pass_through N`, facts.linksAfterPassThroughN, [link]);
  rec.check(`${label}. pass_through Y is accepted while the parent is up`, facts.passThroughYWhileUp === 'accepted', facts.passThroughYWhileUp);
  rec.equal(`${label}. MTU, max_mtu and URB size untouched by pass_through N -> Y`, [sizes(facts.afterPassThroughN), sizes(facts.afterPassThroughY)], [sizes(start), sizes(start)]);
  rec.check(`${label}. downlink reaches the rmnet link again after pass_through Y alone`, (facts.downlinkAfterPassThroughY as { delivered: number }).delivered === 8, facts.downlinkAfterPassThroughY);
  await pingThrough(rec, modem, `${label}. after pass_through Y`, link, 1, up.gateway);
  return facts;
}

export async function kernelDriftScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec);
  const { wwan } = modem;
  const emu = emulator(modem);
  rec.data.release = readAttribute('/proc/sys/kernel/osrelease');

  // a (v5): the emulated modem's default grant, QMAPv5.
  const upV5 = await upRmnet(rec, project, modem, 'a5');
  if (!upV5) return;
  rec.data.factsV5 = await passThroughFacts(rec, modem, 'a5', upV5, true);
  rec.check('a5. down --all exits 0', (await rmnetctl(project, ['down', '--all', '--json'])).code === 0);
  // Everything else on QMAPv1, what a real EC25 grants and what ModemManager's scenarios use.
  emu.behaviour.supportedAggregation = [0, 5];
  const up = await upRmnet(rec, project, modem, 'a');
  if (!up) return;
  const { link, gateway, start } = up;
  const facts = await passThroughFacts(rec, modem, 'a', up, false);
  rec.data.facts = facts;
  facts.startLink = await linkState(link);
  const addresses = (await globalAddresses(link)).map((a) => `${a.local}/${a.prefixlen}`);
  const routes = await routesOf(link);

  // b. raw_ip while the parent is up
  facts.rawIpNUnderPassThrough = writeAttribute(attr(wwan, 'raw_ip'), 'N') ?? 'accepted';
  rec.check('b. raw_ip N is refused while pass_through is Y (EINVAL)', /EINVAL/.test(String(facts.rawIpNUnderPassThrough)), facts.rawIpNUnderPassThrough);
  writeAttribute(attr(wwan, 'pass_through'), 'N');
  facts.rawIpNWhileUp = writeAttribute(attr(wwan, 'raw_ip'), 'N') ?? 'accepted';
  rec.check('b. raw_ip N is refused while the parent is up (EBUSY)', /EBUSY/.test(String(facts.rawIpNWhileUp)), facts.rawIpNWhileUp);

  // c. parent down, raw_ip Y -> N -> Y with the rmnet link attached
  await ip(rec, 'link', 'set', wwan, 'down');
  facts.linkWhileParentDown = await linkState(link);
  facts.rawIpNWhileDown = writeAttribute(attr(wwan, 'raw_ip'), 'N') ?? 'accepted';
  facts.afterRawIpN = await parentFacts(modem);
  // The URB usbnet posts in this state (the parent up for a moment, then down again).
  facts.urbAfterRawIpN = await urbsWhenUp(modem);
  facts.linksAfterRawIpN = (await muxLinks(wwan)).map((l) => l.name);
  facts.rawIpYWhileDown = writeAttribute(attr(wwan, 'raw_ip'), 'Y') ?? 'accepted';
  facts.afterRawIpY = await parentFacts(modem);
  facts.urbAfterRawIpY = await urbsWhenUp(modem);
  rec.check('c. raw_ip N is accepted while the parent is down, rmnet link attached', facts.rawIpNWhileDown === 'accepted', facts.rawIpNWhileDown);
  rec.equal('c. raw_ip Y -> N resets the MTU to 1500 and max_mtu to 65535', [(facts.afterRawIpN as { mtu: number }).mtu, (facts.afterRawIpN as { maxMtu: number }).maxMtu], [1500, 65535]);
  rec.equal('c. the rmnet link survives raw_ip Y -> N -> Y', facts.linksAfterRawIpN, [link]);
  rec.equal('c. raw_ip N -> Y keeps MTU 1500', (facts.afterRawIpY as { mtu: number }).mtu, 1500);
  rec.equal('c. the receive URB follows: 1514 in 802.3, 1500 back in raw-ip (no longer covering the grant)', [(facts.urbAfterRawIpN as { length: number }).length, (facts.urbAfterRawIpY as { length: number }).length], [1514, 1500]);
  // The repair by hand: the raw-ip MTU the up set (start), pass_through Y, up.
  const mtu = await ip(undefined, 'link', 'set', wwan, 'mtu', String(start.mtu));
  facts.mtuBackWithLink = mtu.code === 0 ? 'accepted' : mtu.stderr.trim();
  rec.check(`c. raw-ip MTU ${String(start.mtu)} accepted again with the rmnet link attached`, mtu.code === 0, facts.mtuBackWithLink);
  writeAttribute(attr(wwan, 'pass_through'), 'Y');
  await ip(rec, 'link', 'set', wwan, 'up');
  await waitFor('URBs of the restored size', () => modem.lab.device.stats.lastInUrbLength === start.urb, 10_000).catch(() => false);
  facts.afterRepair = await parentFacts(modem);
  facts.linkAfterRepair = await linkState(link);
  rec.equal('c. after the repair: mode, MTU, max_mtu, URB as up left them', facts.afterRepair, start);
  rec.equal('c. the rmnet link keeps its address and routes through all of it', [(await globalAddresses(link)).map((a) => `${a.local}/${a.prefixlen}`), await routesOf(link)], [addresses, routes]);
  rec.check('c. downlink reaches the rmnet link after the repair', (await downlink(modem, link, 1)).delivered === 8);
  // One unchecked echo first: right after the parent came up a loaded guest can lose the very first one.
  await run('ping', ['-c', '1', '-W', '2', '-I', link, gateway], 5_000);
  await pingThrough(rec, modem, 'c. after the repair', link, 1, gateway);
  const down = await rmnetctl(project, ['down', '--all', '--json']);
  rec.check('c. down --all exits 0', down.code === 0, cliDetail(down));

  await repairUnderRun(rec, project, modem);
}

/** d and e: the same drift under `rmnetctl run`, timed from the write to a ping through the link. */
async function repairUnderRun(rec: Recorder, project: string, modem: AttachedModem): Promise<void> {
  const { wwan } = modem;
  const emu = emulator(modem);
  const configPath = '/tmp/rmnetctl-drift.conf';
  writeFileSync(configPath, '[modem]\nbackend = rmnet\n\n[pdn]\nmux = 1\napn = internet\n');
  const service = spawnRmnetctl(project, ['run', 'lab', '--config', configPath]);
  try {
    const up = await waitFor('run: the PDN up', () => /mux 1: up on/.test(service.output()) || service.child.exitCode !== null, 90_000).catch(() => false);
    if (!rec.check('d. rmnetctl run brought mux 1 up', up === true && service.child.exitCode === null, service.output().slice(-1500))) return;
    const link = (await muxLinks(wwan))[0]?.name ?? '';
    const gateway = emu.sessions().find((s) => s.muxId === 1 && s.ipv4)?.ipv4?.gateway ?? '';
    const before = await parentFacts(modem);
    const quietPing = async () => (await run('ping', ['-c', '1', '-W', '1', '-I', link, gateway], 5_000)).code === 0;
    /** Polls until the mode is right again and one ping passes: the time from the write to traffic. */
    const repaired = async (label: string, started: number) => {
      while (Date.now() - started < 60_000) {
        const mode = qmiWwanMode(wwan);
        if (mode.passThrough === 'Y' && mode.rawIp === 'Y' && (await quietPing())) {
          rec.timings[`${label}: drift to ping`] = Date.now() - started;
          return true;
        }
        await sleep(50);
      }
      return false;
    };

    // d. pass_through N alone (what ModemManager's restart left in mm-restart)
    let started = Date.now();
    writeAttribute(attr(wwan, 'pass_through'), 'N');
    rec.check('d. run puts pass_through back and the PDN passes traffic again', await repaired('d', started), service.output().slice(-1500));
    // The decision line comes once the repair is done (and ModemManager looked for): give it a moment.
    const logged = await waitFor('the repair decision line', () => /kernel mode drift on \S+: pass_through is N; repair: pass-through/.test(service.output()), 10_000).catch(() => false);
    rec.check('d. run logs one repair decision naming the drift', logged === true, service.output().slice(-1500));
    rec.equal('d. nothing else changed: MTU, max_mtu, URB size', sizesOf(await parentFacts(modem)), sizesOf(before));

    // e. the whole switch, as a tool that wants raw-ip without pass_through after an 802.3 phase would leave it
    started = Date.now();
    await ip(rec, 'link', 'set', wwan, 'down');
    writeAttribute(attr(wwan, 'pass_through'), 'N');
    writeAttribute(attr(wwan, 'raw_ip'), 'N');
    await ip(rec, 'link', 'set', wwan, 'up');
    rec.check('e. run repairs raw_ip N (MTU reset to 1500) and the PDN passes traffic again', await repaired('e', started), service.output().slice(-2000));
    await waitFor('URBs of the restored size', () => modem.lab.device.stats.lastInUrbLength === before.urb, 10_000).catch(() => false);
    rec.equal('e. MTU, max_mtu, URB size as up left them', sizesOf(await parentFacts(modem)), sizesOf(before));
    rec.check('e. downlink reaches the rmnet link after the repair', (await downlink(modem, link, 1)).delivered === 8);
    // The health record `status` shows (read as the file: `status` beside `run` is not this scenario's subject).
    type Health = { driftRepairs?: { count: number; byKind: Record<string, number> } } | undefined;
    // Written right after the decision line, which may follow the ping by a moment on a loaded guest.
    await waitFor('the health record to count both repairs', () => (readJson('/run/rmnetctl/cdc-wdm0.health') as Health)?.driftRepairs?.count === 2, 15_000).catch(() => false);
    const health = readJson('/run/rmnetctl/cdc-wdm0.health') as Health;
    rec.data.driftRepairs = health?.driftRepairs;
    rec.check('e. the health record counts both repairs, by kind', health?.driftRepairs?.count === 2 && health.driftRepairs.byKind['pass-through'] === 1 && health.driftRepairs.byKind['mode-switch'] === 1, health?.driftRepairs);
  } finally {
    service.child.kill('SIGTERM');
    rec.data.runExit = await exited(service.child, 30_000);
    rec.data.runLog = service.output().split('\n').filter((l) => /drift|repair|kernel mode/.test(l));
  }
}

const sizesOf = (f: Record<string, unknown>) => [f.mtu, f.maxMtu, f.urb];

function readJson(path: string): unknown {
  const text = readAttribute(path);
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
