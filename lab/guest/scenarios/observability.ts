/**
 * Observability (issue 13 item 5): `rmnetctl doctor` and `rmnetctl metrics` on the real qmi_wwan and rmnet
 * drivers, against the emulated EC25 over USB/IP. Each case reads the result back from an independent peer
 * (sysfs, iproute2, the data plane's own counters, Debian's prometheus_client parser).
 *   observability
 *     a. healthy: a PDN up with traffic flowing, doctor: every check ok, exit 0, the evidence field by field
 *     b. metrics on the live PDN: link rx/tx moved by at least the bytes sent, session connected, the data
 *        format granted; under --listen, the aggregation ratio between two scrapes equals the datagrams per
 *        transfer pushed; `capture --mux 1 -w FILE --count 32` while 4 transfers of 8 arrive: its summary and
 *        the pcapng read back with python3-dpkt count exactly what was pushed
 *   observability-faults
 *     c. stalled downlink (DataPlane.setDownlinkSilent): TX moves, RX does not: rx-stall warns on a link that
 *        had received before, and fails (exit 12) on a new PDN that never received anything
 *     d. parent MTU below the granted DL size: receive-size fails with the evidence and a fix that works
 *     e. rmnet unloaded under a PDN: rmnet-module and leftovers fail (exit 12); after down --all, with nothing
 *        up, a missing rmnet is a warning (up falls back to qmimux); rmnet.ko loaded again from the lab cache
 *   observability-mm
 *     f. ModemManager registered beside the modem: doctor names it (and the port's holder), no bearer; then
 *        its own bearer connected: doctor names the bearer's link
 * Every case ends with nothing left: down --all, no link, no record, no session, qmi_wwan mode restored.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { attachModem, netStat, readAttribute, run, transferTaken, type AttachedModem, type Recorder } from '../harness.js';
import { parseExposition, sampleValue, type ParsedFamily } from '../../../test/support/prometheus.js';
import { readPcapng } from '../../../test/host/capture/dpkt.js';
import { checkAllGone, cliDetail, emulator, exited, muxLinks, pingThrough, qmiWwanMode, rmnetctl, sleep, spawnRmnetctl, stateFiles, type CliResult } from './session-lib.js';
import { configureBearerLink, enableAndRegister, mmcli, MM_LAB_AGGREGATION, simpleConnect, startModemManagerStack, waitForModem, waitForModemState } from '../modemmanager.js';
import { waitForUdev } from './mm-connect.js';

interface Verdict {
  check: string;
  subject: string;
  verdict: 'ok' | 'warn' | 'fail';
  summary: string;
  evidence: string[];
  fix: string | null;
  needsRoot?: true;
}

interface DoctorJson {
  root: boolean;
  checks: Verdict[];
  summary: { ok: number; warn: number; fail: number };
}

interface UpJson {
  muxId: number;
  link: string;
  backend: string;
  dataFormat?: { rung?: string; aggregation?: string; dlMaxSize?: number; dlMaxDatagrams?: number };
}

/** The interval of the RX-stall check in this scenario: long enough for 10 pings at 0.2 s, short for TCG. */
const STALL_INTERVAL = '2';
const EXIT_UNHEALTHY = 12;

async function doctor(project: string, ...args: string[]): Promise<{ result: CliResult; report: DoctorJson | undefined }> {
  const result = await rmnetctl(project, ['doctor', '--json', ...args]);
  return { result, report: result.json as DoctorJson | undefined };
}

const verdicts = (report: DoctorJson | undefined, check: string): Verdict[] => report?.checks.filter((c) => c.check === check) ?? [];
const one = (report: DoctorJson | undefined, check: string, subject?: string): Verdict | undefined =>
  verdicts(report, check).find((v) => subject === undefined || v.subject === subject);
const notOk = (report: DoctorJson | undefined) => report?.checks.filter((c) => c.verdict !== 'ok').map((c) => `${c.check} ${c.subject}: ${c.verdict} ${c.summary}`);
const brief = (v: Verdict | undefined) => v && { verdict: v.verdict, summary: v.summary, evidence: v.evidence, fix: v.fix };

/**
 * ping through `link`, an echo every 0.2 s, for as long as `work` runs (doctor collects for a few seconds before
 * its two counter readings on a TCG guest): TX moves, and RX too unless the downlink is silent.
 */
async function pingDuring<T>(link: string, gateway: string, work: () => Promise<T>): Promise<[{ code: number | string | null; stdout: string }, T]> {
  const child = spawn('ping', ['-i', '0.2', '-W', '1', '-I', link, gateway], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  let value: T;
  try {
    value = await work();
  } finally {
    child.kill('SIGINT'); // ping prints its statistics and exits 0 when something came back, 1 when nothing did
  }
  const code = await exited(child, 5_000);
  return [{ code, stdout }, value];
}

/** lab/.cache/<kernel>/rmnet.ko of the cache whose kernel.json names the running release. */
function rmnetModuleFile(project: string): string | undefined {
  const release = readAttribute('/proc/sys/kernel/osrelease');
  const root = join(project, 'lab', '.cache');
  for (const dir of existsSync(root) ? readdirSync(root) : []) {
    const info = join(root, dir, 'kernel.json');
    if (!existsSync(info)) continue;
    const kernel = JSON.parse(readFileSync(info, 'utf8')) as { release?: string };
    const ko = join(root, dir, 'rmnet.ko');
    if (kernel.release === release && existsSync(ko)) return ko;
  }
  return undefined;
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('GET timed out')));
    req.end();
  });
}

async function scrapeOnce(rec: Recorder, project: string, label: string, device: string): Promise<ParsedFamily[] | undefined> {
  const out = await rmnetctl(project, ['metrics', '-d', device]);
  if (!rec.check(`${label}: rmnetctl metrics -d ${device} exits 0`, out.code === 0, out.code === 0 ? undefined : cliDetail(out))) return undefined;
  try {
    return await parseExposition(out.stdout);
  } catch (error) {
    rec.check(`${label}: prometheus_client parses the scrape`, false, String(error));
    return undefined;
  }
}

interface CaptureJson {
  transfers: number;
  datagramsPerTransfer: { min: number; median: number; max: number } | null;
  mux: Array<{ muxId: number; packets: number; bytes: number }>;
  malformed: Record<string, number>;
}

/**
 * b. `rmnetctl capture` on the live PDN (issue 13 item 4): what the parent receives, deaggregated into pcapng,
 * read back with Debian's python3-dpkt; the summary's counts against the transfers the modem pushed.
 */
async function captureLivePdn(rec: Recorder, project: string, dp: AttachedModem['lab']['dataPlane'], device: string, link: string): Promise<void> {
  const file = '/tmp/observability.pcapng';
  const transfers = 4;
  const datagrams = 8;
  const child = spawn(process.execPath, [join(project, 'bin', 'rmnetctl.js'), 'capture', '-d', device, '--mux', '1', '-w', file, '--count', String(transfers * datagrams), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  // Like tcpdump, capture says on stderr when the tap is live.
  for (let i = 0; i < 100 && !stderr.includes('capturing on ') && child.exitCode === null; i++) await sleep(200);
  if (!rec.check('b. capture: "capturing on" the parent', stderr.includes('capturing on '), stderr.trim().split('\n').slice(-4))) {
    child.kill('SIGINT');
    await exited(child, 5_000);
    return;
  }
  const rxBefore = netStat(link, 'rx_packets');
  const pushed = Array.from({ length: transfers }, () => dp.pushDownlink({ muxId: 1, datagrams }));
  const code = await exited(child, 30_000);
  if (code === 'timeout') child.kill('SIGINT');
  rec.check(`b. capture --count ${transfers * datagrams} exits 0 once the ${transfers} transfers arrived`, code === 0, { code, stderr: stderr.trim().split('\n').slice(-4) });
  rec.equal('b. capture: the link received the datagrams too (capture only taps)', netStat(link, 'rx_packets') - rxBefore, transfers * datagrams);
  let summary: CaptureJson | undefined;
  try {
    summary = JSON.parse(stdout) as CaptureJson;
  } catch {
    rec.check('b. capture --json prints its summary', false, stdout.slice(0, 400));
    return;
  }
  rec.data.capture = summary;
  const size = pushed[0]!.packetSize;
  rec.equal('b. capture summary: transfers, datagrams per transfer, mux 1 packets and bytes, nothing malformed', [
    summary.transfers, summary.datagramsPerTransfer, summary.mux.map((m) => [m.muxId, m.packets, m.bytes]), summary.malformed,
  ], [transfers, { min: datagrams, median: datagrams, max: datagrams }, [[1, transfers * datagrams, transfers * datagrams * size]], {}]);
  try {
    const pcap = await readPcapng(file);
    rec.data.capturePcapng = { interfaces: pcap.interfaces, packets: pcap.packets.length };
    rec.check(`b. dpkt reads ${transfers * datagrams} IP packets of ${size} bytes, all on one interface (mux 1)`, pcap.packets.length === transfers * datagrams && pcap.packets.every((p) => p.ipLen === size && p.len === size && p.iface === pcap.packets[0]!.iface), rec.data.capturePcapng);
  } catch (error) {
    rec.check('b. dpkt reads the pcapng', false, String(error));
  }
}

export async function observabilityScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec);
  const emu = emulator(modem);
  const dp = modem.lab.dataPlane;
  const { wwan, cdcWdm } = modem;
  const device = `/dev/${cdcWdm}`;
  const modeBefore = qmiWwanMode(wwan);

  // ---- a. healthy -------------------------------------------------------------------------------------
  const up = await rec.time('a.up', () => rmnetctl(project, ['up', '--mux', '1', '--apn', 'internet', '--json']));
  if (!rec.check('a. rmnetctl up --mux 1 --apn internet exits 0', up.code === 0, cliDetail(up))) return;
  const r1 = up.json as UpJson;
  const link = r1.link;
  const session = emu.sessions().find((s) => s.muxId === 1 && s.ipFamily === 4);
  const gateway = session?.ipv4?.gateway;
  if (!rec.check('a. the modem has the IPv4 session on mux 1', gateway !== undefined, emu.sessions())) return;
  // Idle, right after up (the kernel sends its own IPv6 router solicitations and MLD reports on the new link,
  // which the IPv4-only PDN never answers): doctor must not take that for the "RX stays 0" failure.
  const idle = await rec.time('a.doctorIdle', () => doctor(project));
  const idleStall = one(idle.report, 'rx-stall', link);
  rec.data.aIdle = { stall: brief(idleStall), notOk: notOk(idle.report), code: idle.result.code };
  rec.check('a. idle right after up (default --interval 3): rx-stall does not fire on the kernel\'s own IPv6 control packets', idleStall?.verdict === 'ok', rec.data.aIdle);
  await pingThrough(rec, modem, 'a', link, 1, gateway!);
  const granted = emu.dataFormat();
  rec.data.granted = granted;
  const [healthyPing, healthy] = await rec.time('a.doctor', () => pingDuring(link, gateway!, () => doctor(project, '--interval', STALL_INTERVAL)));
  const h = healthy.report;
  rec.data.aDoctor = h;
  rec.check('a. doctor exits 0 on the healthy modem', healthy.result.code === 0, cliDetail(healthy.result));
  rec.equal('a. every check ok (no warn, no fail)', notOk(h), []);
  rec.equal('a. the checks reported', [...new Set(h?.checks.map((c) => c.check))].sort(), ['default-routes', 'driver', 'leftovers', 'modem-manager', 'port-holders', 'qmi-wwan-mode', 'receive-size', 'registration', 'rmnet-module', 'rx-stall', 'signal', 'sim']);
  rec.equal('a. summary counts: all ok', [h?.summary.fail, h?.summary.warn, h?.summary.ok], [0, 0, h?.checks.length]);
  rec.check('a. ping ran during the doctor interval', healthyPing.code === 0, healthyPing.stdout.split('\n').slice(-2).join(' '));
  const usbInterface = modem.usbInterface.split('/').pop()!; // 1-1:1.4
  const drv = one(h, 'driver', device);
  rec.check('a. driver: qmi_wwan binds the parent on USB interface 4, cdc_wdm named', drv?.summary.startsWith(`qmi_wwan binds ${wwan} on USB interface ${usbInterface.split(':')[0]}:4 (2c7c:0125), cdc_wdm ${device}`) === true
    && drv.evidence.some((e) => e.endsWith(`/driver -> qmi_wwan`) && e.includes(usbInterface)), brief(drv));
  const mode = one(h, 'qmi-wwan-mode', wwan);
  rec.check('a. mode: raw_ip and pass_through as sysfs says, as rmnet needs', mode?.summary === `raw_ip ${qmiWwanMode(wwan).rawIp}, pass_through ${qmiWwanMode(wwan).passThrough}, as rmnet needs` && qmiWwanMode(wwan).rawIp === 'Y'
    && mode.evidence.includes(`/sys/class/net/${wwan}/qmi/raw_ip: Y`) && mode.evidence.includes(`/sys/class/net/${wwan}/qmi/pass_through: Y`), brief(mode));
  const size = one(h, 'receive-size', wwan);
  const mtu = readAttribute(`/sys/class/net/${wwan}/mtu`);
  rec.check('a. receive size: the MTU sysfs shows covers the DL size the modem granted', size?.summary.startsWith(`receive size ${mtu} (MTU ${mtu})`) === true && size.summary.includes(`covers the granted DL size ${granted.downlinkMaxSize}`)
    && size.evidence.some((e) => e.startsWith(`netlink ${wwan}: mtu ${mtu},`)) && size.evidence.some((e) => e.endsWith(`DL max size ${granted.downlinkMaxSize}`)), { verdict: brief(size), mtu, grant: granted.downlinkMaxSize });
  const stall = one(h, 'rx-stall', link);
  rec.check('a. rx-stall: RX and TX moved over the interval, read from IFLA_STATS64', stall?.verdict === 'ok' && /^RX \+[1-9]\d*, TX \+[1-9]\d* packets in 2 s$/.test(stall.summary) && stall.evidence[0]?.startsWith(`netlink ${link} IFLA_STATS64 over 2 s`) === true, brief(stall));
  rec.equal('a. rmnet-module: loaded', [one(h, 'rmnet-module')?.verdict, one(h, 'rmnet-module')?.summary], ['ok', 'rmnet is loaded']);
  rec.equal('a. sim, registration, signal: the emulated network', ['sim', 'registration', 'signal'].map((c) => one(h, c, device)?.verdict), ['ok', 'ok', 'ok']);
  rec.equal('a. modem-manager: not running; port-holders: nobody', [one(h, 'modem-manager', device)?.summary, one(h, 'port-holders', device)?.summary], ['ModemManager is not running', 'nobody else holds the control port']);

  // ---- b. metrics on the live PDN ---------------------------------------------------------------------
  const before = await scrapeOnce(rec, project, 'b. before', device);
  const kernelBefore = { rx: netStat(link, 'rx_bytes'), tx: netStat(link, 'tx_bytes'), rxPackets: netStat(link, 'rx_packets') };
  const pushes = [0, 1, 2, 3].map(() => dp.pushDownlink({ muxId: 1, datagrams: 8 }));
  await sleep(400);
  const pushedBytes = pushes.reduce((n, p) => n + p.datagrams * p.packetSize, 0);
  rec.check('b. 4 transfers of 8 datagrams taken by the host', pushes.every((p) => transferTaken(p.outcome)), pushes);
  const echo = await run('ping', ['-c', '5', '-i', '0.2', '-s', '1000', '-I', link, gateway!], 30_000);
  rec.check('b. 5 pings of 1028 bytes through the link', / 5 received/.test(echo.stdout), echo.stdout.split('\n').slice(-2).join(' '));
  const after = await scrapeOnce(rec, project, 'b. after', device);
  if (before && after) {
    const labels = { modem: cdcWdm, link, mux_id: '1' };
    const delta = (name: string) => (sampleValue(after, name, labels) ?? NaN) - (sampleValue(before, name, labels) ?? NaN);
    const kernelDelta = { rx: netStat(link, 'rx_bytes') - kernelBefore.rx, tx: netStat(link, 'tx_bytes') - kernelBefore.tx };
    rec.data.bDeltas = { rxBytes: delta('rmnetctl_link_rx_bytes_total'), txBytes: delta('rmnetctl_link_tx_bytes_total'), rxPackets: delta('rmnetctl_link_rx_packets_total'), pushedBytes, kernelDelta };
    rec.check('b. rmnetctl_link_rx_bytes_total moved by at least the bytes pushed and echoed (4 x 8 datagrams + 5 replies)', delta('rmnetctl_link_rx_bytes_total') >= pushedBytes + 5 * 1028, rec.data.bDeltas);
    rec.check('b. rmnetctl_link_tx_bytes_total moved by at least the 5 echo requests', delta('rmnetctl_link_tx_bytes_total') >= 5 * 1028, rec.data.bDeltas);
    rec.check('b. rmnetctl_link_rx_packets_total moved by at least 32 + 5', delta('rmnetctl_link_rx_packets_total') >= 37, rec.data.bDeltas);
    rec.equal('b. session state connected (IPv4, mux 1)', sampleValue(after, 'rmnetctl_pdn_session_state', { modem: cdcWdm, mux_id: '1', ip_family: 'ipv4', state: 'connected' }), 1);
    rec.equal('b. data format as the modem granted it', [
      sampleValue(after, 'rmnetctl_data_format_info', { modem: cdcWdm, dl_aggregation: String(granted.downlinkAggregation) }),
      sampleValue(after, 'rmnetctl_data_format_dl_max_datagrams', { modem: cdcWdm }),
      sampleValue(after, 'rmnetctl_data_format_dl_max_size_bytes', { modem: cdcWdm }),
    ], [1, granted.downlinkMaxDatagrams, granted.downlinkMaxSize]);
    rec.equal('b. the link is up', sampleValue(after, 'rmnetctl_link_up', labels), 1);
    rec.equal('b. parent transfers as the kernel counts them', sampleValue(after, 'rmnetctl_parent_rx_transfers_total', { modem: cdcWdm, parent: wwan }) !== undefined, true);
  }
  // The aggregation ratio between two scrapes of one --listen process: 8 datagrams per transfer pushed.
  const port = 9842;
  const server = spawnRmnetctl(project, ['metrics', '-d', device, '--listen', `127.0.0.1:${port}`]);
  try {
    let first: { status: number; body: string } | undefined;
    for (let i = 0; i < 50 && !first; i++) {
      first = await httpGet(port, '/metrics').catch(() => undefined);
      if (!first) await sleep(200);
    }
    rec.equal('b. --listen: GET /metrics answers 200', first?.status, 200);
    for (let i = 0; i < 6; i++) dp.pushDownlink({ muxId: 1, datagrams: 8 });
    await sleep(400);
    const second = await httpGet(port, '/metrics');
    const families = await parseExposition(second.body);
    const ratio = sampleValue(families, 'rmnetctl_parent_aggregation_ratio', { modem: cdcWdm, parent: wwan });
    rec.data.bRatio = ratio;
    rec.check('b. --listen: the aggregation ratio between two scrapes is > 1 (8 datagrams per transfer pushed)', ratio !== undefined && ratio > 1 && ratio <= 8, { ratio });
  } catch (error) {
    rec.check('b. --listen scrapes', false, String(error));
  } finally {
    server.child.kill('SIGTERM');
    rec.equal('b. --listen stops on SIGTERM with exit 0', await exited(server.child, 10_000), 0);
  }

  await captureLivePdn(rec, project, dp, device, link);

  const down = await rec.time('b.down', () => rmnetctl(project, ['down', '--all', '--json']));
  rec.check('b. down --all exits 0', down.code === 0, cliDetail(down));
  await checkAllGone(rec, modem, 'b', modeBefore);
  rec.data.dataPlane = dp.snapshot();
}

/** c, d and e in a VM of their own: the whole scenario did not fit the 5-minute VM budget on a loaded machine. */
export async function observabilityFaultsScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec);
  const emu = emulator(modem);
  const dp = modem.lab.dataPlane;
  const { wwan, cdcWdm } = modem;
  const device = `/dev/${cdcWdm}`;
  const modeBefore = qmiWwanMode(wwan);
  const up = await rec.time('c.up', () => rmnetctl(project, ['up', '--mux', '1', '--apn', 'internet', '--json']));
  if (!rec.check('c. rmnetctl up --mux 1 --apn internet exits 0', up.code === 0, cliDetail(up))) return;
  const link = (up.json as UpJson).link;
  const granted = emu.dataFormat();
  rec.data.granted = granted;
  const gateway = emu.sessions().find((s) => s.muxId === 1 && s.ipFamily === 4)?.ipv4?.gateway;
  if (!rec.check('c. the modem has the IPv4 session on mux 1', gateway !== undefined, emu.sessions())) return;
  await pingThrough(rec, modem, 'c. before the stall', link, 1, gateway!);

  // ---- c. stalled downlink ----------------------------------------------------------------------------
  dp.setDownlinkSilent(true);
  const requestsBefore = dp.counter(1).echoRequests;
  const [stalledPing, stalled] = await rec.time('c.doctor', () => pingDuring(link, gateway!, () => doctor(project, '--interval', STALL_INTERVAL)));
  rec.data.cDoctor = stalled.report?.checks.filter((c) => c.check === 'rx-stall');
  const s1 = one(stalled.report, 'rx-stall', link);
  rec.check('c. silent downlink: the modem took the echo requests and answered none', dp.counter(1).echoRequests - requestsBefore > 5 && stalledPing.code !== 0 && dp.counter(1).dlSilenced > 0, { requests: dp.counter(1).echoRequests - requestsBefore, silenced: dp.counter(1).dlSilenced, ping: stalledPing.stdout.split('\n').slice(-2).join(' ') });
  rec.check('c. rx-stall warns: TX grew, RX +0, evidence from IFLA_STATS64, the fix', s1?.verdict === 'warn' && /^TX \+[1-9]\d* packets but RX \+0 in 2 s: the downlink is not reaching /.test(s1.summary)
    && s1.evidence[0]?.startsWith(`netlink ${link} IFLA_STATS64 over 2 s`) === true && s1.fix?.startsWith(`rmnetctl down -d ${device} --mux 1, then up again`) === true, brief(s1));
  rec.equal('c. a warning alone exits 0', stalled.result.code, 0);
  // A new PDN whose downlink never delivered anything: the RM500Q/RM520N "RX stays 0".
  const up2 = await rmnetctl(project, ['up', '--mux', '2', '--apn', 'ims', '--metric', '200', '--json']);
  if (rec.check('c. up --mux 2 with the downlink silent exits 0 (the QMI session connects)', up2.code === 0, cliDetail(up2))) {
    const link2 = (up2.json as UpJson).link;
    const gateway2 = emu.sessions().find((s) => s.muxId === 2 && s.ipFamily === 4)?.ipv4?.gateway ?? '';
    const [, never] = await pingDuring(link2, gateway2, () => doctor(project, '--interval', STALL_INTERVAL));
    const s2 = one(never.report, 'rx-stall', link2);
    rec.data.cNever = brief(s2);
    rec.check('c. rx-stall fails on the new PDN: RX has been 0 since the link came up', s2?.verdict === 'fail' && s2.summary.includes('RX has been 0 since the link came up') && netStat(link2, 'rx_packets') === 0, { verdict: brief(s2), rx: netStat(link2, 'rx_packets') });
    rec.equal('c. ... and doctor exits 12 (unhealthy)', never.result.code, EXIT_UNHEALTHY);
    const down2 = await rmnetctl(project, ['down', '--mux', '2', '--json']);
    rec.check('c. down --mux 2 exits 0', down2.code === 0, cliDetail(down2));
  }
  dp.setDownlinkSilent(false);
  await pingThrough(rec, modem, 'c. downlink back', link, 1, gateway!);
  // ---- d. parent MTU below the granted DL size ---------------------------------------------------------
  const small = 4000;
  const lowered = await run('ip', ['link', 'set', 'dev', wwan, 'mtu', String(small)]);
  if (rec.check(`d. ip link set dev ${wwan} mtu ${small} (under the rmnet link)`, lowered.code === 0, lowered.stderr.trim())) {
    await sleep(300);
    // Lowering the MTU shrinks rx_urb_size but unlinks no URB (usbnet_change_mtu unlinks only when it grows):
    // the URBs already posted at the old size still take a full transfer; the ones posted after are too small.
    const overBefore = netStat(wwan, 'rx_over_errors');
    const outcomes: string[] = [];
    for (let i = 0; i < 8 && netStat(wwan, 'rx_over_errors') === overBefore; i++) {
      outcomes.push(dp.pushDownlink({ muxId: 1, datagrams: granted.downlinkMaxDatagrams }).outcome);
      await sleep(300);
    }
    const overErrors = netStat(wwan, 'rx_over_errors');
    rec.data.dOutcomes = { outcomes, overBefore, overErrors };
    rec.check(`d. full transfers are lost whole once the URBs posted at the old size are used (rx_over_errors ${overBefore} -> ${overErrors})`, overErrors > overBefore && outcomes.includes('overflow'), rec.data.dOutcomes);
    const d = await doctor(project, '--interval', '0');
    const v = one(d.report, 'receive-size', wwan);
    rec.data.dDoctor = brief(v);
    rec.check('d. receive-size fails: the MTU, the grant and the lost transfers in the evidence', v?.verdict === 'fail' && v.summary.startsWith(`receive size ${small} (MTU ${small}) is smaller than the granted DL size ${granted.downlinkMaxSize}`)
      && v.evidence.some((e) => e.startsWith(`netlink ${wwan}: mtu ${small},`) && e.endsWith(`rx_over_errors ${overErrors}`)), brief(v));
    rec.equal('d. doctor exits 12', d.result.code, EXIT_UNHEALTHY);
    // The fix as printed is an argument vector for ip(8): run it, then doctor agrees and the transfer arrives.
    const fix = v?.fix?.split(' ') ?? [];
    if (rec.check('d. the fix is an ip link set dev command', fix[0] === 'ip' && fix.slice(1, 4).join(' ') === `link set dev` && fix[4] === wwan, v?.fix)) {
      const applied = await run('ip', fix.slice(1));
      rec.check(`d. the fix applies: ${v!.fix}`, applied.code === 0, applied.stderr.trim());
      await sleep(300);
      const again = await doctor(project, '--interval', '0');
      rec.equal('d. after the fix: receive-size ok, doctor exits 0', [one(again.report, 'receive-size', wwan)?.verdict, again.result.code], ['ok', 0]);
      const rx = netStat(link, 'rx_packets');
      const whole = dp.pushDownlink({ muxId: 1, datagrams: granted.downlinkMaxDatagrams });
      await sleep(400);
      rec.check(`d. after the fix a full transfer (${whole.transferLength} bytes) arrives whole`, transferTaken(whole.outcome) && netStat(link, 'rx_packets') - rx === granted.downlinkMaxDatagrams, { whole, delivered: netStat(link, 'rx_packets') - rx });
    }
  }

  // ---- e. rmnet unloaded ------------------------------------------------------------------------------
  const rmmod = await run('rmmod', ['rmnet']);
  if (rec.check('e. rmmod rmnet under the PDN (the module exit deletes its links)', rmmod.code === 0, rmmod.stderr.trim())) {
    rec.equal('e. the rmnet link is gone with the module', (await muxLinks(wwan)).map((l) => l.name), []);
    const e1 = await doctor(project, '--interval', '0');
    const module = one(e1.report, 'rmnet-module');
    const left = one(e1.report, 'leftovers', `${device} mux 1`);
    rec.data.eDoctor = { module: brief(module), leftovers: brief(left) };
    rec.check('e. rmnet-module fails, naming the stranded PDN and the fix', module?.verdict === 'fail' && module.summary.includes(`mux 1 on ${wwan} (${link})`) && module.fix === `rmnetctl down -d ${device} --all, then modprobe rmnet and rmnetctl up -d ${device} ... again`
      && module.evidence[0]?.startsWith('/sys/module/rmnet absent') === true, brief(module));
    rec.check('e. leftovers fails: recorded up, no link with mux id 1', left?.verdict === 'fail' && left.fix === `rmnetctl down -d ${device} --mux 1`, brief(left));
    rec.equal('e. doctor exits 12', e1.result.code, EXIT_UNHEALTHY);
    const down = await rec.time('e.down', () => rmnetctl(project, ['down', '--all', '--json']));
    rec.check('e. down --all exits 0 with the link already gone', down.code === 0, cliDetail(down));
    await checkAllGone(rec, modem, 'e', modeBefore);
    const e2 = await doctor(project, '--interval', '0');
    const module2 = one(e2.report, 'rmnet-module');
    rec.data.eDoctorIdle = { module: brief(module2), notOk: notOk(e2.report) };
    // This guest's module tree is not under /lib/modules (it came from the initramfs): modinfo does not find it.
    rec.check('e. nothing up: a missing rmnet is a warning with the fix (up falls back to qmimux)', module2?.verdict === 'warn' && /^rmnet is (neither loaded nor installed|not loaded)/.test(module2.summary) && module2.fix !== null, brief(module2));
    rec.equal('e. nothing up: doctor exits 0, nothing fails', [e2.result.code, e2.report?.summary.fail], [0, 0]);
    const ko = rmnetModuleFile(project);
    const insmod = ko ? await run('insmod', [ko]) : undefined;
    rec.check('e. rmnet.ko loaded again from the lab cache', insmod?.code === 0 && existsSync('/sys/module/rmnet'), { ko, stderr: insmod?.stderr.trim() });
  } else {
    const down = await rmnetctl(project, ['down', '--all', '--json']);
    rec.check('e. down --all exits 0', down.code === 0, cliDetail(down));
    await checkAllGone(rec, modem, 'e', modeBefore);
  }
  rec.data.dataPlane = dp.snapshot();
}

export async function observabilityMmScenario(rec: Recorder, project: string): Promise<void> {
  const stack = await startModemManagerStack(rec);
  let modem: AttachedModem | undefined;
  try {
    modem = await attachModem(rec);
    emulator(modem).behaviour.supportedAggregation = [...MM_LAB_AGGREGATION];
    const { wwan, cdcWdm } = modem;
    const device = `/dev/${cdcWdm}`;
    await waitForUdev(device);
    const index = await rec.time('f.mmModemAppears', () => waitForModem(90_000));
    if (!rec.check('f. ModemManager lists the modem', index !== undefined)) return;
    const initial = await waitForModemState(index!, (s) => s.state !== undefined && !['unknown', 'initializing', 'locked'].includes(s.state), 90_000);
    if (initial.state === 'disabled') await enableAndRegister(rec, index!, 'f');
    const mmPid = stack.pid();

    const d1 = await rec.time('f.doctor', () => doctor(project, '--interval', '0'));
    const mm = one(d1.report, 'modem-manager', device);
    const holders = one(d1.report, 'port-holders', device);
    rec.data.fDoctor = { mm: brief(mm), holders: brief(holders), notOk: notOk(d1.report) };
    rec.check('f. doctor names ModemManager by pid, with no bearer of its own', mm?.verdict === 'ok' && mm.summary.startsWith(`ModemManager (pid ${mmPid}) runs, with no bearer of its own on this modem`) && mm.evidence.includes(`/proc/${mmPid}/comm: ModemManager`), brief(mm));
    // ModemManager opens the port through qmi-proxy (it started it); the proxy is the sharing, not a problem.
    rec.check('f. port-holders names qmi-proxy as the holder, ok: rmnetctl goes through it', holders?.verdict === 'ok' && /^only qmi-proxy \(\d+\) holds /.test(holders.summary), brief(holders));
    rec.equal('f. doctor beside ModemManager without a bearer: every check ok, exit 0', [notOk(d1.report), d1.result.code], [[], 0]);

    const connect = await rec.time('f.mmConnect', () => simpleConnect(index!, 'internet'));
    if (rec.check('f. ModemManager connects its own multiplexed bearer', connect.bearer?.connected === true && connect.bearer.interface !== undefined, { code: connect.result.code, out: (connect.result.stdout + connect.result.stderr).trim().slice(0, 400) })) {
      const mmLink = connect.bearer!.interface!;
      rec.check('f. its link configured (up, address), as NetworkManager would', (await configureBearerLink(connect.bearer!)) === undefined);
      const d2 = await doctor(project, '--interval', '0');
      const mm2 = one(d2.report, 'modem-manager', device);
      rec.data.fDoctorBearer = { mm: brief(mm2), notOk: notOk(d2.report) };
      rec.check('f. doctor names ModemManager\'s bearer and its link, and the fix', mm2?.verdict === 'warn' && mm2.summary.startsWith(`ModemManager (pid ${mmPid}) has its own bearer connected on this modem (link ${mmLink}`) && mm2.fix?.startsWith('mmcli -m any --simple-disconnect') === true, brief(mm2));
      const left = verdicts(d2.report, 'leftovers');
      rec.check('f. leftovers does not take ModemManager\'s bearer link for a leftover (no "ip link del" of its session)', left.every((v) => v.verdict === 'ok') && !left.some((v) => v.fix?.includes(mmLink)), left.map(brief));
      rec.equal('f. with the bearer: modem-manager is the only warning, nothing fails, exit 0', [notOk(d2.report)?.map((x) => x.split(' ')[0]), d2.result.code], [['modem-manager'], 0]);
      const disconnect = await mmcli('-m', index!, '--simple-disconnect');
      rec.equal('f. mmcli --simple-disconnect', disconnect.code, 0);
      await sleep(500);
    }
    rec.equal('f. nothing left: no mux link, no record', [(await muxLinks(wwan)).map((l) => l.name), stateFiles()], [[], []]);
  } finally {
    await stack.stop();
  }
}
