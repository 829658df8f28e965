/**
 * Scenario 2, qmimux: raw-ip + QMAP, two PDNs on mux ids 1 and 2 (set up with qmicli), two qmimux children.
 * The mux id <-> link mapping is read from the kernel (qmap/mux_id, upper_/lower_ links); QMAP frames the
 * modem sends for each mux id arrive on the right link; ping through each link reaches the emulated network
 * and back (IPv4, and IPv6 on the first link), with the kernel's UL frames carrying the right mux id.
 */
import { readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { attachModem, ip, netStat, readAttribute, run, sleep, type Recorder } from '../harness.js';
import { addMux, linkUp, qmimuxLinks, setQmapDataFormat, setReceiveSize, startQmiSession, type QmiSession } from '../steps.js';

export async function qmimuxScenario(rec: Recorder): Promise<void> {
  const { lab, cdcWdm, wwan } = await attachModem(rec);
  const interfaceNumber = lab.device.interfaceNumber;
  const granted = await setQmapDataFormat(rec, cdcWdm);
  const sessions: QmiSession[] = [];
  for (const muxId of [1, 2]) sessions.push(await rec.time(`session${muxId}`, () => startQmiSession(rec, cdcWdm, muxId, interfaceNumber)));

  const error = await setReceiveSize(rec, wwan, granted.dlMaxSize || 32768);
  rec.check('receive size procedure (raw_ip Y, N, MTU, Y)', error === undefined, error);
  const links = new Map<number, string>();
  for (const muxId of [2, 1]) links.set(muxId, await addMux(rec, wwan, muxId)); // created out of order on purpose
  await linkUp(rec, wwan);
  for (const link of links.values()) await linkUp(rec, link);

  // kernel truth: qmap/mux_id, upper/lower links, add_mux listing
  const truth = qmimuxLinks(wwan);
  rec.equal('mux ids read from the kernel', [...truth.keys()].sort(), [1, 2]);
  rec.check('mux 2 was created first, so it is qmimux0 (names follow creation order)', truth.get(2) === 'qmimux0', Object.fromEntries(truth));
  for (const [muxId, link] of truth) {
    rec.equal(`${link} lower link is ${wwan}`, basename(readlinkSync(`/sys/class/net/${link}/lower_${wwan}`)), wwan);
    rec.equal(`${link} qmap/mux_id`, readAttribute(`/sys/class/net/${link}/qmap/mux_id`), `0x${muxId.toString(16).padStart(2, '0')}`);
  }
  rec.data.addMuxListing = readAttribute(`/sys/class/net/${wwan}/qmi/add_mux`);
  rec.data.urbLength = lab.device.stats.lastInUrbLength;
  rec.equal('bulk-IN URB size after the procedure (MTU + 14)', lab.device.stats.lastInUrbLength, (granted.dlMaxSize || 32768) + 14);

  // DL: frames for each mux id land on the link with that id and nowhere else
  for (const muxId of [1, 2]) {
    const link = truth.get(muxId)!;
    const other = truth.get(muxId === 1 ? 2 : 1)!;
    const before = { mine: netStat(link, 'rx_packets'), other: netStat(other, 'rx_packets') };
    const push = lab.dataPlane.pushDownlink({ muxId, datagrams: 4, packetSize: 1000 });
    await sleep(300);
    const after = { mine: netStat(link, 'rx_packets'), other: netStat(other, 'rx_packets') };
    rec.equal(`DL transfer for mux ${muxId} delivered`, push.outcome, 'delivered');
    rec.equal(`4 QMAP frames for mux ${muxId} arrive on ${link}`, after.mine - before.mine, 4);
    rec.equal(`none of them arrive on ${other}`, after.other - before.other, 0);
  }

  // UL + back: ping the PDN gateway through each link
  for (const session of sessions) {
    const link = truth.get(session.muxId)!;
    await ip(rec, 'addr', 'add', `${session.address}/${session.prefixLength}`, 'dev', link);
    const counters = lab.dataPlane.counter(session.muxId);
    const before = counters.echoRequests;
    const ping = await rec.time(`ping${session.muxId}`, () => run('ping', ['-c', '3', '-i', '0.2', '-W', '5', '-I', link, session.gateway], 30_000));
    rec.check(`ping ${session.gateway} through ${link} (mux ${session.muxId})`, ping.code === 0 && / 3 received/.test(ping.stdout), ping.stdout.split('\n').slice(-3).join(' '));
    rec.equal(`the modem saw the echo requests on mux ${session.muxId}`, counters.echoRequests - before, 3);
  }

  // IPv6 echo on mux 1 (the emulated network answers ICMPv6 with its own checksum)
  const link1 = truth.get(1)!;
  await ip(rec, '-6', 'addr', 'add', '2001:db8:1::2/64', 'dev', link1, 'nodad');
  const ping6 = await run('ping', ['-6', '-c', '2', '-i', '0.2', '-W', '5', '-I', link1, '2001:db8:1::1'], 30_000);
  rec.check(`ping -6 through ${link1}`, ping6.code === 0 && / 2 received/.test(ping6.stdout), ping6.stdout.split('\n').slice(-3).join(' ') || ping6.stderr);

  rec.data.snmp = (await run('cat', ['/proc/net/snmp'])).stdout;
  rec.data.dataPlane = lab.dataPlane.snapshot();
  rec.data.echoTrace = lab.dataPlane.trace;
  rec.data.modemSessions = lab.modem.sessions();
  rec.data.ipLinks = (await run('ip', ['-d', '-j', 'link', 'show'])).stdout.slice(0, 6000);
}
