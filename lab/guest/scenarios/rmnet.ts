/**
 * Scenario 3, rmnet: raw-ip + pass_through on qmi_wwan, rmnet links for mux ids 1 and 2 made with the host's
 * iproute2 (until the project's netlink layer creates them). The mapping is read from the kernel
 * (`ip -d -j link`: IFLA_RMNET_MUX_ID), QMAP frames for each mux id land on the right link, ping goes through
 * each link and back, and the 16384 rule holds: with the parent MTU above 16384 + 4 a new link is refused with
 * EINVAL "Invalid MTU on real dev", which is why links are created while the parent MTU is small.
 */
import { attachModem, ip, netStat, readAttribute, run, sleep, transferTaken, waitFor, writeAttribute, type Recorder } from '../harness.js';
import { linkUp, setQmapDataFormat, setReceiveSize, startQmiSession, type QmiSession } from '../steps.js';

interface IpLink {
  ifname: string;
  mtu?: number;
  link?: string;
  linkinfo?: { info_kind?: string; info_data?: { mux_id?: number } & Record<string, unknown> };
}

async function rmnetLinks(parent: string): Promise<Map<number, IpLink>> {
  const out = await run('ip', ['-d', '-j', 'link', 'show']);
  const links = JSON.parse(out.stdout || '[]') as IpLink[];
  const map = new Map<number, IpLink>();
  for (const l of links) {
    if (l.linkinfo?.info_kind === 'rmnet' && l.link === parent && typeof l.linkinfo.info_data?.mux_id === 'number') {
      map.set(l.linkinfo.info_data.mux_id, l);
    }
  }
  return map;
}

export async function rmnetScenario(rec: Recorder): Promise<void> {
  const { lab, cdcWdm, wwan } = await attachModem(rec);
  const granted = await setQmapDataFormat(rec, cdcWdm);
  const sessions: QmiSession[] = [];
  for (const muxId of [1, 2]) sessions.push(await startQmiSession(rec, cdcWdm, muxId, lab.device.interfaceNumber));

  // KERNEL.md order for rmnet: parent down; raw_ip Y, N; MTU 16384; raw_ip Y; pass_through Y; links; up; raise.
  const error = await setReceiveSize(rec, wwan, 16384);
  rec.check('parent MTU 16384 in 802.3 between the raw_ip toggles', error === undefined, error);
  const passThrough = writeAttribute(`/sys/class/net/${wwan}/qmi/pass_through`, 'Y');
  rec.check('pass_through=Y', passThrough === undefined, passThrough);
  for (const muxId of [2, 1]) {
    const add = await ip(rec, 'link', 'add', 'link', wwan, 'name', `rmnet_mux${muxId}`, 'type', 'rmnet', 'mux_id', String(muxId));
    rec.check(`ip link add rmnet mux_id ${muxId} with parent MTU 16384`, add.code === 0, add.stderr.trim() || undefined);
  }
  const links = await rmnetLinks(wwan);
  rec.equal('mux ids read from the kernel (IFLA_RMNET_MUX_ID)', [...links.keys()].sort(), [1, 2]);
  for (const [muxId, l] of links) {
    rec.equal(`link for mux ${muxId}`, l.ifname, `rmnet_mux${muxId}`);
    rec.equal(`${l.ifname} MTU = parent - 4 (capped at 16384)`, l.mtu, 16380);
  }
  // KERNEL.md: with rmnet uppers, qmi_wwan lists every upper device as a qmimux child with mux id 0x00.
  const listing = readAttribute(`/sys/class/net/${wwan}/qmi/add_mux`);
  rec.equal('qmi/add_mux lists bogus 0x00 entries for rmnet links', listing?.split('\n'), ['0x00', '0x00']);
  await linkUp(rec, wwan);
  for (const l of links.values()) await linkUp(rec, l.ifname);

  // Raise the parent to the granted DL size: 32768 is EDOM in raw-ip (multiple of the 512-byte max packet).
  const dlMaxSize = granted.dlMaxSize || 32768;
  const edom = await ip(rec, 'link', 'set', wwan, 'mtu', String(dlMaxSize));
  rec.check(`raw-ip parent MTU ${dlMaxSize} is refused (EDOM: a multiple of the max packet size)`, edom.code !== 0 && /out of domain/i.test(edom.stderr), edom.stderr.trim());
  const raise = await ip(rec, 'link', 'set', wwan, 'mtu', String(dlMaxSize + 1));
  rec.check(`parent MTU raised to ${dlMaxSize + 1} with rmnet links up`, raise.code === 0, raise.stderr.trim() || undefined);
  await waitFor('bulk-IN URBs of the new size', () => lab.device.stats.lastInUrbLength === dlMaxSize + 1, 10_000).catch(() => false);
  rec.equal('bulk-IN URB size follows the raw-ip MTU (no header)', lab.device.stats.lastInUrbLength, dlMaxSize + 1);

  // The 16384 rule
  const refused = await ip(undefined, 'link', 'add', 'link', wwan, 'name', 'rmnet_mux3', 'type', 'rmnet', 'mux_id', '3');
  // iproute2 prints the extack message instead of the errno (EINVAL in rmnet_vnd_newlink) when there is one.
  rec.check('a new rmnet link with parent MTU above 16388 fails: "Invalid MTU on real dev"',
    refused.code !== 0 && /Invalid MTU on real dev/.test(refused.stderr), refused.stderr.trim());
  rec.check('the refused link does not exist', !(await rmnetLinks(wwan)).has(3));
  const lower = await ip(undefined, 'link', 'set', wwan, 'mtu', '1500');
  rec.check('lowering the parent below a child MTU + 4 is refused', lower.code !== 0, lower.stderr.trim());

  // DL per mux id, aggregated up to the granted size
  for (const [muxId, l] of links) {
    const other = links.get(muxId === 1 ? 2 : 1)!.ifname;
    const before = { mine: netStat(l.ifname, 'rx_packets'), other: netStat(other, 'rx_packets') };
    const push = lab.dataPlane.pushDownlink({ muxId, datagrams: 32 });
    await sleep(400);
    const delivered = netStat(l.ifname, 'rx_packets') - before.mine;
    rec.check(`32 QMAP frames (${push.transferLength} B) for mux ${muxId} arrive on ${l.ifname}`, transferTaken(push.outcome) && delivered === 32, { push, delivered });
    rec.equal(`none arrive on ${other}`, netStat(other, 'rx_packets') - before.other, 0);
  }

  // ping through each link
  for (const session of sessions) {
    const l = links.get(session.muxId)!;
    await ip(rec, 'addr', 'add', `${session.address}/${session.prefixLength}`, 'dev', l.ifname);
    const counters = lab.dataPlane.counter(session.muxId);
    const before = counters.echoRequests;
    const ping = await run('ping', ['-c', '3', '-i', '0.2', '-W', '5', '-I', l.ifname, session.gateway], 30_000);
    rec.check(`ping ${session.gateway} through ${l.ifname}`, ping.code === 0 && / 3 received/.test(ping.stdout), ping.stdout.split('\n').slice(-3).join(' ') || ping.stderr);
    rec.equal(`the modem saw the echo requests on mux ${session.muxId}`, counters.echoRequests - before, 3);
  }
  rec.data.dataPlane = lab.dataPlane.snapshot();
  rec.data.links = Object.fromEntries([...(await rmnetLinks(wwan))].map(([k, v]) => [k, { ifname: v.ifname, mtu: v.mtu, info: v.linkinfo }]));
}
