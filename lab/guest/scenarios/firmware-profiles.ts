/**
 * Firmware profiles in the lab (issue 10): the real CLI (`up`, `status`, `down --all`) against the emulated
 * modem running two profiles of test/modem/services/firmware.ts, over USB/IP and the real qmi_wwan and rmnet:
 *   ec25-e-qmap-v1  QMAPv5 refused with an error, QMAPv1 clamped to 10 / 4096: rmnet+qmap, the parent's
 *                   receive size covers 4096, 8 QMAP v1 frames in one transfer arrive, ping through the link
 *   sdx55-qmapv5    QMAPv5 at 32 / 32768: rmnet+qmapv5, the parent raised past 32768 after the links exist,
 *                   a 32 KiB-class transfer arrives, ping
 * The second profile is flashed onto the same USB device (the modem restarts), so one boot runs both.
 */
import { attachModem, netStat, transferTaken, type Recorder } from '../harness.js';
import { checkAllGone, cliDetail, emulator, globalAddresses, muxLinks, pingThrough, qmiWwanMode, rmnetctl, sleep } from './session-lib.js';

interface UpJson {
  link: string;
  backend: string;
  decision: string;
  dataFormat?: { rung?: string; dlMaxDatagrams?: number; dlMaxSize?: number };
}

interface StatusJson {
  modems: Array<{ muxes: Array<{ muxId: number; link: string | null; modem: Array<{ family: number; status: string }>; disagreements: string[] }> }>;
}

const PROFILES = [
  { profile: 'ec25-e-qmap-v1', rung: 'rmnet+qmap', aggregation: 'qmap', dl: [10, 4096], decision: 'rmnet+qmapv5 refused by the modem (QMI error InvalidArgument (48))', datagrams: 8 },
  { profile: 'sdx55-qmapv5', rung: 'rmnet+qmapv5', aggregation: 'qmapv5', dl: [32, 32768], decision: 'data format: rmnet+qmapv5;', datagrams: 16 },
] as const;

export async function firmwareProfilesScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec, { firmware: PROFILES[0].profile });
  const emu = emulator(modem);
  const { wwan } = modem;
  const modeBefore = qmiWwanMode(wwan);
  for (const [i, p] of PROFILES.entries()) {
    const label = p.profile;
    if (i > 0) {
      emu.flash(p.profile);
      await sleep(300);
    }
    const up = await rec.time(`${label}: up`, () => rmnetctl(project, ['up', '--mux', '1', '--apn', 'internet', '--json']));
    if (!rec.check(`${label}: rmnetctl up --mux 1 exits 0`, up.code === 0, cliDetail(up))) return;
    const r = up.json as UpJson;
    rec.data[`${label}.up`] = r;
    rec.equal(`${label}: rung and granted DL sizes`, [r.dataFormat?.rung, r.dataFormat?.dlMaxDatagrams, r.dataFormat?.dlMaxSize], [p.rung, ...p.dl]);
    rec.check(`${label}: the decision line says why`, r.decision.includes(p.decision), r.decision);
    rec.equal(`${label}: the modem holds the format`, [emu.dataFormat().downlinkAggregation, emu.dataFormat().downlinkMaxDatagrams, emu.dataFormat().downlinkMaxSize], [p.aggregation, ...p.dl]);
    const link = (await muxLinks(wwan)).find((l) => l.muxId === 1);
    rec.check(`${label}: rmnet link with mux id 1 is ${r.link}, up`, link?.kind === 'rmnet' && link.name === r.link && link.up, link && { name: link.name, kind: link.kind, up: link.up });
    const parentMtu = Number(qmiWwanMode(wwan).mtu);
    rec.check(`${label}: the parent's MTU (receive size) covers the granted ${p.dl[1]} bytes`, parentMtu >= p.dl[1], parentMtu);
    const session = emu.sessions().find((s) => s.muxId === 1 && s.ipFamily === 4);
    rec.equal(`${label}: the link carries the assigned address`, (await globalAddresses(r.link)).map((a) => `${a.local}/${a.prefixlen}`), session?.ipv4 ? [`${session.ipv4.address}/${session.ipv4.prefixLength}`] : ['?']);
    if (session?.ipv4) await pingThrough(rec, modem, label, r.link, 1, session.ipv4.gateway);
    const before = netStat(r.link, 'rx_packets');
    const push = modem.lab.dataPlane.pushDownlink({ muxId: 1, datagrams: p.datagrams });
    await sleep(400);
    rec.check(`${label}: ${p.datagrams} ${p.aggregation} frames in one DL transfer arrive on the link`, transferTaken(push.outcome) && netStat(r.link, 'rx_packets') - before === p.datagrams, { push, delivered: netStat(r.link, 'rx_packets') - before });

    const status = await rmnetctl(project, ['status', '--json']);
    rec.check(`${label}: rmnetctl status exits 0`, status.code === 0, cliDetail(status));
    const mux = (status.json as StatusJson | undefined)?.modems[0]?.muxes.find((m) => m.muxId === 1);
    rec.equal(`${label}: status: mux 1 on ${r.link}, connected, no disagreement`, [mux?.link, mux?.modem.map((c) => c.status), mux?.disagreements], [r.link, ['connected'], []]);

    const down = await rec.time(`${label}: down --all`, () => rmnetctl(project, ['down', '--all', '--json']));
    rec.check(`${label}: rmnetctl down --all exits 0`, down.code === 0, cliDetail(down));
    await checkAllGone(rec, modem, label, modeBefore);
  }
  rec.data.dataPlane = modem.lab.dataPlane.snapshot();
}
