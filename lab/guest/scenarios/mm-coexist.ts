/**
 * rmnetctl beside ModemManager (issue #12), the real CLI against ModemManager 1.20.4 on the emulated EC25:
 *   mm-coexist
 *     a. ModemManager holds the port (enabled, registered, no bearer): `rmnetctl up --mux 1 --apn internet`
 *        goes through qmi-proxy (ModemManager started it), ping through rmnetctl's link, `status` names
 *        ModemManager and the proxy, `down --all` cleans up; ModemManager stays registered throughout.
 *     b. ModemManager connects its own multiplexed bearer: `rmnetctl up --mux 2` is refused with
 *        MODEM_MANAGER_BEARER naming ModemManager's pid and link, and nothing changed (the bearer still
 *        connected, its link still up, no record, no new session on the modem).
 *   mm-restart
 *     c. ModemManager is killed and started again while rmnetctl's PDN is up: afterwards `status` agrees with
 *        the kernel and the modem (whatever ModemManager did to them on its way up), `down --all` cleans up.
 * ModemManager is asked through mmcli with argument vectors; rmnetctl runs as a child process.
 */
import { attachModem, run, type AttachedModem, type Recorder } from '../harness.js';
import { MM_LAB_AGGREGATION, configureBearerLink, connectedBearer, enableAndRegister, mmcli, modemStatus, simpleConnect, startModemManagerStack, waitForModem, waitForModemState, type ModemManagerStack } from '../modemmanager.js';
import { waitForUdev } from './mm-connect.js';
import { cliDetail, emulator, globalAddresses, muxLinks, pingThrough, qmiWwanMode, rmnetctl, stateFiles, type CliResult } from './session-lib.js';

interface UpJson {
  muxId: number;
  link: string;
  dataFormat?: { rung?: string; via?: string };
  sessions: Array<{ family: number; clientId: number }>;
}

interface StatusModem {
  parent: string | null;
  muxes: Array<{ muxId: number; link: string | null; kernel: { present: boolean; up: boolean }; modem: Array<{ family: number; status: string | null }>; disagreements: string[] }>;
  peers: { modemManager: { pid: number } | null; portHolders: Array<{ pid: number; name: string }>; modemManagerBearer: { links: string[]; addresses: string[] } | null };
  warnings: string[];
}

interface ErrorJson {
  error?: { code?: string; message?: string; category?: string; exitCode?: number; pid?: number; links?: string[] };
}

function statusOf(result: CliResult, wwan: string): StatusModem | undefined {
  return (result.json as { modems?: StatusModem[] } | undefined)?.modems?.find((m) => m.parent === wwan);
}

/** ModemManager up to registered on the emulated network; the modem's D-Bus index, or undefined. */
export async function registered(rec: Recorder, modem: AttachedModem, label: string): Promise<string | undefined> {
  await waitForUdev(`/dev/${modem.cdcWdm}`);
  const index = await rec.time(`${label}ModemAppears`, () => waitForModem(90_000));
  if (!rec.check(`${label}: ModemManager lists the modem`, index !== undefined)) return undefined;
  const initial = await rec.time(`${label}Initialized`, () => waitForModemState(index!, (s) => s.state !== undefined && !['unknown', 'initializing', 'locked'].includes(s.state), 90_000));
  if (initial.state === 'disabled') await enableAndRegister(rec, index!, label);
  else rec.check(`${label}: ModemManager reaches registered`, initial.state === 'registered', { state: initial.state });
  return index;
}

/** `mmcli -m N` still says registered (not connected, not disabled, not gone). */
async function stillRegistered(rec: Recorder, index: string, when: string): Promise<void> {
  const s = await modemStatus(index);
  rec.equal(`ModemManager still registered ${when}`, s.state, 'registered');
}

export async function withStack(rec: Recorder, body: (stack: ModemManagerStack, modem: AttachedModem) => Promise<void>): Promise<void> {
  const stack = await startModemManagerStack(rec);
  const modem = await attachModem(rec);
  emulator(modem).behaviour.supportedAggregation = [...MM_LAB_AGGREGATION];
  try {
    await body(stack, modem);
  } finally {
    rec.data.mmPidAtEnd = stack.pid();
    await stack.stop();
  }
}

export async function mmCoexistScenario(rec: Recorder, project: string): Promise<void> {
  await withStack(rec, async (stack, modem) => {
    const emu = emulator(modem);
    const { wwan } = modem;
    const index = await registered(rec, modem, 'mm');
    if (index === undefined) return;
    const mmPid = stack.pid();

    // ---- a. ModemManager registered, rmnetctl's PDN through qmi-proxy --------------------------------
    const up = await rec.time('a.up', () => rmnetctl(project, ['up', '--mux', '1', '--apn', 'internet', '--json']));
    if (rec.check('a. rmnetctl up --mux 1 --apn internet beside ModemManager exits 0', up.code === 0, cliDetail(up))) {
      const r = up.json as UpJson;
      rec.data.aUp = r;
      rec.equal('a. up went through qmi-proxy (ModemManager holds the port)', r.dataFormat?.via, 'qmi-proxy');
      rec.check('a. up logged ModemManager and the port holder', up.stderr.includes(`ModemManager runs (pid ${mmPid})`) && /held by qmi-proxy \(pid \d+\)/.test(up.stderr), up.stderr.split('\n').filter((l) => l.includes('ModemManager')));
      const link = (await muxLinks(wwan)).find((l) => l.muxId === 1);
      rec.check('a. the kernel shows rmnetctl\'s link for mux 1, up', link?.name === r.link && link.up, link?.name);
      await stillRegistered(rec, index, 'after up');
      const session = emu.sessions().find((s) => s.muxId === 1 && s.ipFamily === 4);
      if (link && session?.ipv4) await pingThrough(rec, modem, 'a', r.link, 1, session.ipv4.gateway);
    }
    const st = await rec.time('a.status', () => rmnetctl(project, ['status', '--json']));
    const m = statusOf(st, wwan);
    rec.data.aStatus = m;
    rec.check('a. status exits 0 and shows mux 1 connected', st.code === 0 && m?.muxes.find((x) => x.muxId === 1)?.modem.every((s) => s.status === 'connected') === true, cliDetail(st));
    rec.equal('a. status names ModemManager by its pid', m?.peers.modemManager?.pid, mmPid);
    rec.check('a. status names qmi-proxy as the port holder', m?.peers.portHolders.some((p) => p.name === 'qmi-proxy') === true, m?.peers.portHolders);
    rec.equal('a. status: no ModemManager bearer, no disagreement', [m?.peers.modemManagerBearer, m?.muxes.flatMap((x) => x.disagreements)], [null, []]);
    await stillRegistered(rec, index, 'after status');
    const down = await rec.time('a.down', () => rmnetctl(project, ['down', '--all', '--json']));
    rec.check('a. rmnetctl down --all exits 0', down.code === 0, cliDetail(down));
    rec.equal('a. no mux link, no record, no session left', [(await muxLinks(wwan)).map((l) => l.name), stateFiles(), emu.sessions().length], [[], [], 0]);
    await stillRegistered(rec, index, 'after down');

    // ---- b. ModemManager's own bearer: rmnetctl refuses and changes nothing ---------------------------
    const connect = await rec.time('b.mmConnect', () => simpleConnect(index, 'internet'));
    if (!rec.check('b. ModemManager connects its own multiplexed bearer', connect.result.code === 0 && connect.bearer?.connected === true && connect.bearer.multiplexed === true, { code: connect.result.code, out: (connect.result.stdout + connect.result.stderr).trim().slice(0, 600), bearer: connect.bearer && { ...connect.bearer, raw: undefined } })) return;
    const mmLink = connect.bearer!.interface!;
    // What NetworkManager would do with the bearer: its link up with the address (ModemManager leaves it down).
    const configured = await configureBearerLink(connect.bearer!);
    rec.check('b. ModemManager\'s bearer link configured (up, address)', configured === undefined, configured);
    const mmAddresses = (await globalAddresses(mmLink)).map((a) => `${a.local}/${a.prefixlen}`);
    const linksBefore = (await muxLinks(wwan)).map((l) => ({ name: l.name, muxId: l.muxId, up: l.up }));
    const sessionsBefore = emu.sessions().length;
    const clientsBefore = emu.clients().length;
    rec.data.bLinksBefore = linksBefore;
    const refused = await rec.time('b.upRefused', () => rmnetctl(project, ['up', '--mux', '2', '--apn', 'internet', '--json']));
    const error = (refused.json as ErrorJson | undefined)?.error;
    rec.data.bRefused = { code: refused.code, error, stderr: refused.stderr.trim().split('\n').slice(-3) };
    rec.equal('b. up beside ModemManager\'s bearer exits 10 (conflict) with MODEM_MANAGER_BEARER', [refused.code, error?.code, error?.category], [10, 'MODEM_MANAGER_BEARER', 'conflict']);
    rec.check('b. the error names ModemManager\'s pid, its link and what to do', error?.pid === mmPid && (error?.links ?? []).includes(mmLink) && (error?.message ?? '').includes(`ModemManager (pid ${mmPid})`) && (error?.message ?? '').includes('mmcli -m any --simple-disconnect'), error?.message);
    rec.equal('b. nothing changed: the same links, ModemManager\'s still up', (await muxLinks(wwan)).map((l) => ({ name: l.name, muxId: l.muxId, up: l.up })), linksBefore);
    rec.check('b. ModemManager\'s link is up with its address', linksBefore.some((l) => l.name === mmLink && l.up) && mmAddresses.length === 1, { linksBefore, mmAddresses });
    rec.equal('b. nothing changed: ModemManager\'s link keeps its address', (await globalAddresses(mmLink)).map((a) => `${a.local}/${a.prefixlen}`), mmAddresses);
    rec.equal('b. nothing changed: no record, the modem\'s sessions and clients as before', [stateFiles(), emu.sessions().length, emu.clients().length], [[], sessionsBefore, clientsBefore]);
    const bearerAfter = await connectedBearer(index, 'internet');
    rec.check('b. ModemManager\'s bearer is still connected on its link', bearerAfter?.connected === true && bearerAfter.interface === mmLink, bearerAfter && { ...bearerAfter, raw: undefined });
    const st2 = await rmnetctl(project, ['status', '--json']);
    const m2 = statusOf(st2, wwan);
    rec.data.bStatus = m2;
    rec.check('b. status names ModemManager\'s bearer and its link', m2?.peers.modemManagerBearer?.links.includes(mmLink) === true && m2.warnings.some((w) => w.includes(`ModemManager (pid ${mmPid}) has its own bearer`)), m2?.peers);
    const disconnect = await mmcli('-m', index, '--simple-disconnect');
    rec.equal('b. mmcli --simple-disconnect', disconnect.code, 0);
    await stillRegistered(rec, index, 'after its own bearer went');
  });
}

export async function mmRestartScenario(rec: Recorder, project: string): Promise<void> {
  await withStack(rec, async (stack, modem) => {
    const emu = emulator(modem);
    const { wwan } = modem;
    const index = await registered(rec, modem, 'mm');
    if (index === undefined) return;
    const up = await rec.time('c.up', () => rmnetctl(project, ['up', '--mux', '1', '--apn', 'internet', '--json']));
    if (!rec.check('c. rmnetctl up --mux 1 beside ModemManager exits 0', up.code === 0, cliDetail(up))) return;
    const r = up.json as UpJson;

    // ModemManager killed (SIGKILL: no clean-up of its own) and started again; it probes the modem anew.
    const oldPid = stack.pid();
    if (oldPid !== undefined) process.kill(oldPid, 'SIGKILL');
    await stack.restart();
    const again = await registered(rec, modem, 'mmAgain');
    rec.data.mmAfterRestart = again === undefined ? undefined : (await modemStatus(again)).state;
    const links = await muxLinks(wwan);
    const kernelLink = links.find((l) => l.name === r.link);
    const sessions = emu.sessions().filter((s) => s.muxId === 1);
    rec.data.cAfterRestart = { links: links.map((l) => ({ name: l.name, muxId: l.muxId, up: l.up })), sessions: sessions.map((s) => ({ muxId: s.muxId, ipFamily: s.ipFamily, clientId: s.clientId })), dataFormat: emu.dataFormat() };

    const st = await rec.time('c.status', () => rmnetctl(project, ['status', '--json']));
    const m = statusOf(st, wwan);
    rec.data.cStatus = m;
    const mux1 = m?.muxes.find((x) => x.muxId === 1);
    rec.check('c. status exits 0 after the restart', st.code === 0, cliDetail(st));
    rec.equal('c. status says what the kernel shows of rmnetctl\'s link', [mux1?.kernel.present, mux1?.kernel.up], [kernelLink !== undefined, kernelLink?.up ?? false]);
    rec.equal('c. status says what the modem says of the session', mux1?.modem.map((s) => s.status === 'connected'), r.sessions.map((s) => sessions.some((x) => x.clientId === s.clientId)));
    // Does rmnetctl's PDN still carry traffic? A ping decides; status must warn exactly when it does not.
    const gateway = sessions.find((s) => s.ipv4)?.ipv4?.gateway;
    const ping = kernelLink && gateway ? await run('ping', ['-c', '3', '-i', '0.2', '-W', '3', '-I', r.link, gateway], 30_000) : undefined;
    const passes = ping !== undefined && ping.code === 0 && / 3 received/.test(ping.stdout);
    rec.data.cAfterRestartPing = { passes, mode: qmiWwanMode(wwan), out: ping?.stdout.split('\n').slice(-3).join(' ').trim() };
    const complaints = [...(mux1?.disagreements ?? []), ...(m?.warnings ?? [])];
    rec.check('c. status complains exactly when rmnetctl\'s PDN no longer passes traffic', passes === (complaints.length === 0), { passes, complaints });
    rec.equal('c. status names the new ModemManager', m?.peers.modemManager?.pid, stack.pid());

    const down = await rec.time('c.down', () => rmnetctl(project, ['down', '--all', '--json']));
    rec.check('c. rmnetctl down --all exits 0', down.code === 0, cliDetail(down));
    rec.data.cDown = down.json;
    rec.equal('c. no link of rmnetctl, no record, no session of rmnetctl on the modem', [(await muxLinks(wwan)).filter((l) => l.name === r.link).map((l) => l.name), stateFiles(), emu.sessions().filter((s) => r.sessions.some((x) => x.clientId === s.clientId)).length], [[], [], 0]);
    if (again !== undefined) await stillRegistered(rec, again, 'after down');
  });
}
