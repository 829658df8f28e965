/**
 * Session scenario (issue #5, checks 1-4), the real CLI against the real kernel:
 *   1. `rmnetctl up --mux 1 --apn internet --json` (backend auto: rmnet + QMAPv5 here): the link's mux id read
 *      back from the kernel (ip -d -j link), the address the modem assigned, the default route with its metric,
 *      ping through the link and back (the data plane counts the echo requests).
 *   2. a second PDN on mux 2 (`--apn ims --ip-type 4v6`) at the same time: both addresses, ping and ping -6.
 *   3. `rmnetctl status --json`: both muxes, "connected" per family, no disagreement; after the modem drops
 *      mux 2's sessions, status names the disagreement.
 *   4. `rmnetctl down --all`: no link, address, route, client, session or state file; qmi_wwan mode restored.
 */
import { attachModem, netStat, transferTaken, type Recorder } from '../harness.js';
import {
  canonicalAddress, checkAllGone, cliDetail, ethtoolStats, defaultRoutes, emulator, globalAddresses, muxLinks, pingThrough, qmiWwanMode, rmnetctl, sleep, stateFiles,
} from './session-lib.js';

interface UpJson {
  muxId: number;
  link: string;
  backend: string;
  dataFormat?: { rung?: string; aggregation?: string };
  addresses: Array<{ family: number; address: string; prefixLength: number }>;
  routes: Array<{ family: number; destination: string; metric?: number; gateway?: string }>;
  sessions: Array<{ family: number; clientId: number }>;
}

interface StatusJson {
  modems: Array<{
    parent: string | null;
    radio: { registration: { value: { state: string } | null }; sim: { value: { state: string } | null } } | null;
    muxes: Array<{ muxId: number; link: string | null; backend: string | null; modem: Array<{ family: number; status: string }>; disagreements: string[]; kernel: { present: boolean; up: boolean; rxPackets: number | null; txPackets: number | null } }>;
    warnings: string[];
  }>;
}

export async function sessionScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec);
  const emu = emulator(modem);
  const { wwan } = modem;
  const modeBefore = qmiWwanMode(wwan);
  rec.data.modeBefore = modeBefore;

  // ---- 1. up mux 1, backend auto ----------------------------------------------------------------------
  const up1 = await rec.time('up mux 1', () => rmnetctl(project, ['up', '--mux', '1', '--apn', 'internet', '--json']));
  if (!rec.check('1. rmnetctl up --mux 1 --apn internet --json exits 0', up1.code === 0, cliDetail(up1))) return;
  const r1 = up1.json as UpJson;
  rec.data.up1 = r1;
  rec.equal('1. backend auto chose rmnet', r1.backend, 'rmnet');
  rec.equal('1. data format QMAPv5', r1.dataFormat?.aggregation, 'qmapv5');
  rec.equal('1. the modem granted QMAPv5 both ways', [emu.dataFormat().downlinkAggregation, emu.dataFormat().uplinkAggregation], ['qmapv5', 'qmapv5']);
  const links1 = await muxLinks(wwan);
  const link1 = links1.find((l) => l.muxId === 1);
  rec.check('1. the kernel shows a link with mux id 1 (IFLA_RMNET_MUX_ID)', link1 !== undefined && link1.name === r1.link && link1.kind === 'rmnet', links1.map((l) => ({ muxId: l.muxId, name: l.name, kind: l.kind })));
  rec.data.link1Info = link1?.link.linkinfo;
  rec.check('1. the link is up', link1?.up === true);
  const session1 = emu.sessions().find((s) => s.muxId === 1 && s.ipFamily === 4);
  rec.check('1. the modem has an IPv4 session on mux 1', session1?.ipv4 !== undefined, emu.sessions());
  const addr1 = await globalAddresses(r1.link);
  rec.equal('1. the link carries the address the modem assigned', addr1.map((a) => `${a.local}/${a.prefixlen}`), session1?.ipv4 ? [`${session1.ipv4.address}/${session1.ipv4.prefixLength}`] : ['?']);
  const routes1 = (await defaultRoutes(4)).filter((r) => r.dev === r1.link);
  rec.equal('1. default route via the link with metric 100', routes1.map((r) => r.metric ?? 0), [100]);
  rec.equal('1. a state file exists', stateFiles().length, 1);
  if (link1 && session1?.ipv4) await pingThrough(rec, modem, '1', r1.link, 1, session1.ipv4.gateway);
  rec.data.ulChecksumAfterPing = { ...modem.lab.dataPlane.ulChecksum };
  if (link1) {
    // QMAPv5 DL aggregation through real rmnet: 8 UDP datagrams in one transfer, each with the v5 header.
    const before = netStat(r1.link, 'rx_packets');
    const push = modem.lab.dataPlane.pushDownlink({ muxId: 1, datagrams: 8 });
    await sleep(400);
    rec.check('1. 8 QMAPv5 frames in one transfer arrive on the mux 1 link', transferTaken(push.outcome) && netStat(r1.link, 'rx_packets') - before === 8, { push, delivered: netStat(r1.link, 'rx_packets') - before });
    // What rmnet did with the v5 checksum headers, from its own ethtool counters (rmnet_map_data.c). A new
    // rmnet link has rx-checksumming off and ignores the modem's checksum-valid mark; rmnetctl switches it on
    // for QMAPv5, so frames with the mark count "Checksum ok" and frames without it "Checksum valid bit not set".
    const stat = (x: Record<string, number> | { error: string }, name: string): number => (x as Record<string, number>)[name] ?? NaN;
    rec.check('1. up switched rx-checksumming on for the QMAPv5 link', /rx-checksumming on/.test(up1.stderr), up1.stderr.split('\n').find((l) => l.includes('rx-checksumming')));
    const on = await ethtoolStats(r1.link);
    const pushValid = modem.lab.dataPlane.pushDownlink({ muxId: 1, datagrams: 8 });
    await sleep(300);
    modem.lab.dataPlane.dlChecksumValid = false;
    const pushUnset = modem.lab.dataPlane.pushDownlink({ muxId: 1, datagrams: 8 });
    await sleep(300);
    modem.lab.dataPlane.dlChecksumValid = true;
    const after = await ethtoolStats(r1.link);
    rec.data.rmnetEthtoolStats = { before: on, after, pushValid, pushUnset };
    rec.equal('1. rmnet trusts the modem: 8 v5 frames with the valid bit count "Checksum ok", 8 without count "Checksum valid bit not set"',
      [stat(after, 'Checksum ok') - stat(on, 'Checksum ok'), stat(after, 'Checksum valid bit not set') - stat(on, 'Checksum valid bit not set')], [8, 8]);
  }

  // up again with the same settings: nothing changes (no new client, no new session)
  const clientsBefore = emu.clients().length;
  const again = await rmnetctl(project, ['up', '--mux', '1', '--apn', 'internet', '--json']);
  rec.check('1. up again with the same settings: exit 0, "already up", no new client or session',
    again.code === 0 && (again.json as { alreadyUp?: boolean } | undefined)?.alreadyUp === true && emu.clients().length === clientsBefore && emu.sessions().length === 1, cliDetail(again));

  // ---- 2. a second PDN, dual stack, on mux 2 --------------------------------------------------------
  const up2 = await rec.time('up mux 2', () => rmnetctl(project, ['up', '--mux', '2', '--apn', 'ims', '--ip-type', '4v6', '--metric', '200', '--json']));
  if (rec.check('2. rmnetctl up --mux 2 --apn ims --ip-type 4v6 exits 0', up2.code === 0, cliDetail(up2))) {
    const r2 = up2.json as UpJson;
    rec.data.up2 = r2;
    const link2 = (await muxLinks(wwan)).find((l) => l.muxId === 2);
    rec.check('2. the kernel shows a link with mux id 2', link2 !== undefined && link2.name === r2.link, link2?.name);
    rec.check('2. mux 1 is still there', (await muxLinks(wwan)).some((l) => l.muxId === 1 && l.name === r1.link));
    const s4 = emu.sessions().find((s) => s.muxId === 2 && s.ipFamily === 4);
    const s6 = emu.sessions().find((s) => s.muxId === 2 && s.ipFamily === 6);
    rec.check('2. the modem has IPv4 and IPv6 sessions on mux 2 (APN ims)', s4?.ipv4 !== undefined && s6?.ipv6 !== undefined, emu.sessions().filter((s) => s.muxId === 2));
    const addr2 = (await globalAddresses(r2.link)).map((a) => `${a.local}/${a.prefixlen}`).sort();
      const expected = [s4?.ipv4 ? `${s4.ipv4.address}/${s4.ipv4.prefixLength}` : '?4', s6?.ipv6 ? `${canonicalAddress(s6.ipv6.address)}/${s6.ipv6.prefixLength}` : '?6'].sort();
    rec.equal('2. both assigned addresses on the mux 2 link', addr2, expected);
    rec.equal('2. IPv4 and IPv6 default routes via mux 2 with metric 200', [(await defaultRoutes(4)).filter((r) => r.dev === r2.link).map((r) => r.metric), (await defaultRoutes(6)).filter((r) => r.dev === r2.link).map((r) => r.metric)], [[200], [200]]);
    if (s4?.ipv4) await pingThrough(rec, modem, '2', r2.link, 2, s4.ipv4.gateway, 4);
    if (s6?.ipv6) await pingThrough(rec, modem, '2', r2.link, 2, s6.ipv6.gateway, 6);
    if (session1?.ipv4) await pingThrough(rec, modem, '2. mux 1 still works', r1.link, 1, session1.ipv4.gateway);
  }

  // ---- 3. status ---------------------------------------------------------------------------------------
  const st = await rec.time('status', () => rmnetctl(project, ['status', '--json']));
  if (rec.check('3. rmnetctl status --json exits 0', st.code === 0, cliDetail(st))) {
    const m = (st.json as StatusJson).modems.find((x) => x.parent === wwan);
    rec.data.status = m;
    rec.equal('3. status lists mux 1 and 2', m?.muxes.map((x) => x.muxId), [1, 2]);
    rec.equal('3. modem state per family', m?.muxes.map((x) => x.modem.map((s) => `v${s.family} ${s.status}`)), [['v4 connected'], ['v4 connected', 'v6 connected']]);
    rec.equal('3. no disagreements', m?.muxes.flatMap((x) => x.disagreements), []);
    // Issue 16: counters were shown as "-"; the kernel has them for both links after the pings (as ip -s link).
    rec.check('3. rx/tx packet counters from the kernel on every link', m?.muxes.every((x) => (x.kernel.rxPackets ?? 0) > 0 && (x.kernel.txPackets ?? 0) > 0) === true, m?.muxes.map((x) => x.kernel));
    rec.equal('3. the radio context through the real cdc-wdm: registered, SIM ready', [m?.radio?.registration.value?.state, m?.radio?.sim.value?.state], ['registered', 'ready']);
  }
  emu.dropSession(2);
  await sleep(300);
  const st2 = await rmnetctl(project, ['status', '--json']);
  const m2 = (st2.json as StatusJson | undefined)?.modems.find((x) => x.parent === wwan);
  rec.data.statusAfterDrop = m2;
  const mux2 = m2?.muxes.find((x) => x.muxId === 2);
  rec.check('3. after the modem dropped mux 2: status shows it disconnected', mux2?.modem.length === 2 && mux2.modem.every((s) => s.status === 'disconnected'), mux2?.modem);
  rec.check('3. ... and names the disagreement on mux 2 (and none on mux 1)', (mux2?.disagreements.length ?? 0) > 0 && m2?.muxes.find((x) => x.muxId === 1)?.disagreements.length === 0, m2?.muxes.map((x) => x.disagreements));

  // ---- 4. down --all ----------------------------------------------------------------------------------
  const down = await rec.time('down --all', () => rmnetctl(project, ['down', '--all', '--json']));
  rec.check('4. rmnetctl down --all exits 0', down.code === 0, cliDetail(down));
  rec.data.down = down.json;
  await checkAllGone(rec, modem, '4', modeBefore);
  rec.data.dataPlane = modem.lab.dataPlane.snapshot();
  rec.data.ulChecksum = modem.lab.dataPlane.ulChecksum;
}
