/**
 * Session scenario on qmimux (issue #5, check 5): `rmnetctl up --backend qmimux` for mux 1 and 2, the links
 * are qmi_wwan's own qmimux children (mux id from qmap/mux_id), the modem granted plain QMAP (the ladder never
 * offers QMAPv5 with qmimux), addresses and routes as assigned, ping through each; `down --all` leaves nothing.
 */
import { attachModem, type Recorder } from '../harness.js';
import { checkAllGone, cliDetail, defaultRoutes, emulator, globalAddresses, muxLinks, pingThrough, qmiWwanMode, rmnetctl } from './session-lib.js';

interface UpJson {
  link: string;
  backend: string;
  dataFormat?: { rung?: string; aggregation?: string };
}

export async function sessionQmimuxScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec);
  const emu = emulator(modem);
  const { wwan } = modem;
  const modeBefore = qmiWwanMode(wwan);
  for (const [muxId, apn, metric] of [[1, 'internet', '100'], [2, 'ims', '200']] as const) {
    if (muxId === 2) {
      // A second PDN asking for a metric already taken: the kernel would refuse a second IPv4 default route
      // with metric 100 (NLM_F_EXCL, whatever the device), so up refuses before touching anything.
      const same = await rec.time('up mux 2 with a taken metric', () => rmnetctl(project, ['up', '--mux', '2', '--apn', 'ims', '--backend', 'qmimux', '--metric', '100']));
      rec.data.sameMetric = cliDetail(same);
      rec.equal('5. a second PDN with the same default-route metric: exit 10 (conflict)', same.code, 10);
      rec.check('5. ... the message names --metric and --no-default-route', /metric 100 already exists.*--metric.*--no-default-route/.test(same.stderr), same.stderr.trim().split('\n').pop());
      rec.equal('5. ... only mux 1 is left: link, session, client id', [(await muxLinks(wwan)).map((l) => l.muxId), emu.sessions().map((s) => s.muxId), emu.clients().length], [[1], [1], 1]);
    }
    const up = await rec.time(`up mux ${muxId}`, () => rmnetctl(project, ['up', '--mux', String(muxId), '--apn', apn, '--backend', 'qmimux', '--metric', metric, '--json']));
    if (!rec.check(`5. rmnetctl up --mux ${muxId} --backend qmimux exits 0`, up.code === 0, cliDetail(up))) return;
    const r = up.json as UpJson;
    rec.data[`up${muxId}`] = r;
    rec.equal(`5. mux ${muxId}: backend qmimux, plain QMAP`, [r.backend, r.dataFormat?.aggregation], ['qmimux', 'qmap']);
    rec.equal(`5. mux ${muxId}: the modem granted QMAP (v1) both ways`, [emu.dataFormat().downlinkAggregation, emu.dataFormat().uplinkAggregation], ['qmap', 'qmap']);
    const link = (await muxLinks(wwan)).find((l) => l.muxId === muxId);
    rec.check(`5. mux ${muxId}: qmimux link with qmap/mux_id ${muxId} is ${r.link}`, link?.kind === 'qmimux' && link.name === r.link && link.up, link && { name: link.name, kind: link.kind, up: link.up });
    const session = emu.sessions().find((s) => s.muxId === muxId && s.ipFamily === 4);
    rec.equal(`5. mux ${muxId}: the link carries the assigned address`, (await globalAddresses(r.link)).map((a) => `${a.local}/${a.prefixlen}`), session?.ipv4 ? [`${session.ipv4.address}/${session.ipv4.prefixLength}`] : ['?']);
    rec.equal(`5. mux ${muxId}: default route with metric ${metric}`, (await defaultRoutes(4)).filter((x) => x.dev === r.link).map((x) => x.metric), [Number(metric)]);
    rec.equal(`5. mux ${muxId}: qmi_wwan raw_ip Y, pass_through N`, [qmiWwanMode(wwan).rawIp, qmiWwanMode(wwan).passThrough], ['Y', 'N']);
    if (session?.ipv4) await pingThrough(rec, modem, `5. mux ${muxId}`, r.link, muxId, session.ipv4.gateway);
  }
  rec.check('5. no rmnet link was made', (await muxLinks(wwan)).every((l) => l.kind === 'qmimux'));
  const down = await rec.time('down --all', () => rmnetctl(project, ['down', '--all', '--json']));
  rec.check('5. rmnetctl down --all exits 0', down.code === 0, cliDetail(down));
  await checkAllGone(rec, modem, '5', modeBefore);
  rec.data.dataPlane = modem.lab.dataPlane.snapshot();
}
