/**
 * A kernel that caps the receive size (issue 11), reproduced on trixie's 6.12: usbnet caps max_mtu at bind
 * (c7159e960f14, 662dc80a5e86 on 6.12) unless the driver sets FLAG_NOMAXMTU (55f854dd5bdd). lab/setup builds
 * trixie's own qmi_wwan.c with the flag's use removed (lab/.cache/<kernel>/qmi_wwan-capped.ko); this scenario
 * loads it instead of the stock module, attaches the emulated modem and runs the real `rmnetctl up --mux 1
 * --apn internet --backend rmnet`:
 *   - the cap is in force: max_mtu 1500 after bind (the stock 6.12 module shows 65535);
 *   - rmnetctl reads it and lifts it the way the kernel allows (qmi_wwan's 802.3 setup on raw_ip Y -> N
 *     restores ETH_MAX_MTU), and says so in its step log;
 *   - the decision line asks the modem for what the kernel then receives, and the receive URBs cover the grant;
 *   - ping through the link, and DL transfers of the granted datagram count arrive whole (rx_packets,
 *     rx_over_errors); `down --all` leaves nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachModem, netStat, readAttribute, run, transferTaken, waitFor, type Recorder } from '../harness.js';
import { mtuLimits } from './kernel-facts.js';
import { checkAllGone, cliDetail, emulator, pingThrough, qmiWwanMode, rmnetctl, sleep } from './session-lib.js';

/** lab/.cache/<suite>-<abi>/qmi_wwan-capped.ko of the cache whose kernel.json names the running release. */
function cappedModule(project: string, release: string | undefined): string | undefined {
  const root = join(project, 'lab', '.cache');
  for (const dir of existsSync(root) ? readdirSync(root) : []) {
    const info = join(root, dir, 'kernel.json');
    if (!existsSync(info)) continue;
    const kernel = JSON.parse(readFileSync(info, 'utf8')) as { release?: string };
    const ko = join(root, dir, 'qmi_wwan-capped.ko');
    if (kernel.release === release && existsSync(ko)) return ko;
  }
  return undefined;
}

interface UpJson {
  link: string;
  backend: string;
  decision?: string;
  dataFormat?: { rung?: string; dlMaxDatagrams?: number; dlMaxSize?: number };
}

export async function kernelCappedScenario(rec: Recorder, project: string): Promise<void> {
  const release = readAttribute('/proc/sys/kernel/osrelease');
  const ko = cappedModule(project, release);
  if (!rec.check('lab/setup built qmi_wwan-capped.ko (FLAG_NOMAXMTU removed) for this kernel', ko !== undefined, { release })) return;
  const unload = await run('rmmod', ['qmi_wwan']);
  if (!rec.check('rmmod the stock qmi_wwan', unload.code === 0, unload.stderr.trim())) return;
  const load = await run('insmod', [ko!]);
  if (!rec.check('insmod qmi_wwan-capped.ko', load.code === 0, load.stderr.trim())) return;

  const modem = await attachModem(rec);
  const { wwan } = modem;
  const modeBefore = qmiWwanMode(wwan);
  const afterBind = await mtuLimits(wwan);
  rec.data.afterBind = afterBind;
  rec.equal('the cap is in force: max_mtu 1500 after bind', afterBind.maxMtu, 1500);

  const up = await rec.time('up mux 1', () => rmnetctl(project, ['up', '--mux', '1', '--apn', 'internet', '--backend', 'rmnet', '--json']));
  rec.data.upLog = up.stderr.trim().split('\n');
  if (!rec.check('rmnetctl up --mux 1 --apn internet --backend rmnet exits 0', up.code === 0, cliDetail(up))) return;
  const result = up.json as UpJson;
  rec.data.up = result;
  const granted = { datagrams: result.dataFormat?.dlMaxDatagrams ?? 0, size: result.dataFormat?.dlMaxSize ?? 0 };
  rec.check('rmnetctl found the cap and lifted it with the raw_ip Y -> N switch, and says so',
    /raw_ip Y -> N switch restores maxmtu 65535 \(1500 after bind\)/.test(up.stderr), rec.data.upLog);
  const decision = (rec.data.upLog as string[]).find((l) => /data format:/.test(l)) ?? result.decision;
  rec.data.decision = decision;
  rec.check('the decision line names the granted and the asked DL size', /DL \d+ datagrams \/ \d+ bytes \(asked \d+ \/ \d+/.test(String(decision)), decision);
  const emu = emulator(modem);
  rec.equal('the modem granted what the decision line reports', [emu.dataFormat().downlinkMaxDatagrams, emu.dataFormat().downlinkMaxSize], [granted.datagrams, granted.size]);
  const afterUp = await mtuLimits(wwan);
  rec.data.afterUp = afterUp;
  rec.check('the parent can now receive the granted size (max_mtu lifted, MTU >= grant)', afterUp.maxMtu === 65535 && afterUp.mtu >= granted.size, { afterUp, granted });
  const stats = modem.lab.device.stats;
  await waitFor('bulk-IN URBs posted', () => stats.pendingInUrbs > 0 && stats.lastInUrbLength >= granted.size, 10_000).catch(() => false);
  rec.data.urb = { length: stats.lastInUrbLength, posted: stats.pendingInUrbs };
  rec.check('the receive URBs cover the granted DL size', stats.lastInUrbLength >= granted.size, { urb: rec.data.urb, granted });

  const session = emu.sessions().find((s) => s.muxId === 1 && s.ipFamily === 4);
  if (session?.ipv4) await pingThrough(rec, modem, 'capped', result.link, 1, session.ipv4.gateway);
  const transfers: Record<string, unknown> = {};
  for (const datagrams of [granted.datagrams, 8, 1]) {
    const before = { rx: netStat(result.link, 'rx_packets'), over: netStat(wwan, 'rx_over_errors') };
    const push = modem.lab.dataPlane.pushDownlink({ muxId: 1, datagrams });
    await sleep(400);
    const delivered = netStat(result.link, 'rx_packets') - before.rx;
    const over = netStat(wwan, 'rx_over_errors') - before.over;
    transfers[`x${datagrams}`] = { transferLength: push.transferLength, outcome: push.outcome, delivered, over };
    rec.check(`${datagrams} datagrams in one transfer (${push.transferLength} B of a granted ${granted.size}) arrive whole`,
      transferTaken(push.outcome) && delivered === datagrams && over === 0, transfers[`x${datagrams}`]);
  }
  rec.data.transfers = transfers;

  const down = await rmnetctl(project, ['down', '--all', '--json']);
  rec.check('rmnetctl down --all exits 0', down.code === 0, cliDetail(down));
  await checkAllGone(rec, modem, 'down --all', modeBefore);
}
