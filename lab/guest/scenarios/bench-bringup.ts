/**
 * bench-bringup: bring-up latency on the lab's real kernel, `rmnetctl up` (the real CLI: data format, kernel
 * mode, link, session, address, route) against the qmicli recipe users follow, both to "link up with its
 * address and default route", cycles interleaved, each torn down before the next. Data for bench/bringup's
 * lab section; the checks only say both worked. TCG emulation: ratios, not absolute times.
 *
 * The recipe (qmimux, what the qmi_wwan documentation shows): qmicli --wda-set-data-format; ip link set wwan0
 * down; raw_ip Y; add_mux 1; wwan0 up; qmimux0 up; qmicli --wds-noop --client-no-release-cid; then with that
 * client --wds-bind-mux-data-port, --wds-set-ip-family, --wds-start-network, --wds-get-current-settings; ip
 * addr add; ip route add default (per IP family). Teardown (not timed): --wds-stop-network releasing the
 * client, del_mux. Two modems: instant, 1 PDN IPv4; and 10 ms per answer + 400 ms per Start Network, IPv4v6.
 */
import { join } from 'node:path';
import { attachModem, ip, qmicli, run, writeAttribute, type Recorder } from '../harness.js';
import { qmimuxLinks } from '../steps.js';
import { emulator } from './session-lib.js';

const CYCLES = 4;

interface LabCase {
  id: 'instant' | 'realistic';
  /** every answer, ms */
  delayMs: number;
  /** extra for WDS Start Network, ms */
  startDelayMs: number;
  ipType: '4' | '4v6';
}

const CASES: LabCase[] = [
  { id: 'instant', delayMs: 0, startDelayMs: 0, ipType: '4' },
  { id: 'realistic', delayMs: 10, startDelayMs: 400, ipType: '4v6' },
];

interface CaseTimes {
  rmnetctlUpMs: number[];
  recipeMs: number[];
  recipeProcesses: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;

export async function benchBringupScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec);
  const { lab, cdcWdm, wwan } = modem;
  const emu = emulator(modem);
  const iface = lab.device.interfaceNumber;
  const bin = join(project, 'bin', 'rmnetctl.js');
  const startupMs: number[] = [];
  const cases: Record<string, CaseTimes & LabCase> = {};
  rec.data.cases = cases;

  const recipe = async (c: LabCase, times: CaseTimes): Promise<{ ok: boolean; detail?: unknown; sessions: Array<{ handle?: string; cid?: string }> }> => {
    let processes = 0;
    const sessions: Array<{ handle?: string; cid?: string }> = [];
    const q = async (...args: string[]) => {
      processes++;
      return qmicli(cdcWdm, '--device-open-qmi', ...args);
    };
    const start = Date.now();
    const format = await q(`--wda-set-data-format=link-layer-protocol=raw-ip,ul-protocol=qmap,dl-protocol=qmap,dl-max-datagrams=32,dl-datagram-max-size=32768,ep-type=hsusb,ep-iface-number=${iface}`);
    if (format.code !== 0) return { ok: false, detail: format.stderr.trim(), sessions };
    await ip(rec, 'link', 'set', wwan, 'down');
    processes++;
    writeAttribute(`/sys/class/net/${wwan}/qmi/raw_ip`, 'Y');
    writeAttribute(`/sys/class/net/${wwan}/qmi/add_mux`, '1');
    const link = qmimuxLinks(wwan).get(1);
    if (!link) return { ok: false, detail: 'no qmimux link for mux 1', sessions };
    await ip(rec, 'link', 'set', wwan, 'up');
    await ip(rec, 'link', 'set', link, 'up');
    processes += 2;
    for (const family of c.ipType === '4v6' ? [4, 6] : [4]) {
      const noop = await q('--wds-noop', '--client-no-release-cid');
      const cid = /CID: '(\d+)'/.exec(noop.stdout)?.[1];
      if (!cid) return { ok: false, detail: noop.stdout, sessions };
      const withCid = (...args: string[]) => q('--client-cid', cid, '--client-no-release-cid', ...args);
      await withCid(`--wds-bind-mux-data-port=mux-id=1,ep-iface-number=${iface},ep-type=hsusb`);
      await withCid(`--wds-set-ip-family=${family}`);
      const started = await withCid(`--wds-start-network=apn=internet,ip-type=${family}`);
      const handle = /Packet data handle: '(\d+)'/.exec(started.stdout)?.[1];
      sessions.push({ handle, cid });
      const settings = await withCid('--wds-get-current-settings');
      let address: string | undefined;
      let gateway: string | undefined;
      if (family === 4) {
        const a = /IPv4 address: (\S+)/.exec(settings.stdout)?.[1];
        const netmask = /IPv4 subnet mask: (\S+)/.exec(settings.stdout)?.[1];
        gateway = /IPv4 gateway address: (\S+)/.exec(settings.stdout)?.[1];
        const prefix = netmask?.split('.').reduce((n, o) => n + (Number(o).toString(2).match(/1/g)?.length ?? 0), 0);
        address = a && prefix !== undefined ? `${a}/${prefix}` : undefined;
      } else {
        address = /IPv6 address: (\S+)/.exec(settings.stdout)?.[1];
        gateway = /IPv6 gateway address: (\S+)/.exec(settings.stdout)?.[1]?.replace(/\/\d+$/, '');
      }
      if (!address || !gateway) return { ok: false, detail: settings.stdout, sessions };
      const fam = family === 6 ? ['-6'] : [];
      const addr = await ip(rec, ...fam, 'addr', 'add', address, 'dev', link, ...(family === 6 ? ['nodad'] : []));
      const route = await ip(rec, ...fam, 'route', 'add', 'default', 'via', gateway, 'dev', link, 'metric', '100');
      processes += 2;
      if (addr.code !== 0 || route.code !== 0) return { ok: false, detail: { family, addr: addr.stderr.trim(), route: route.stderr.trim() }, sessions };
    }
    times.recipeMs.push(Date.now() - start);
    times.recipeProcesses = processes;
    return { ok: true, sessions };
  };

  const recipeDown = async (sessions: Array<{ handle?: string; cid?: string }>) => {
    for (const { handle, cid } of sessions) {
      if (handle && cid) await qmicli(cdcWdm, '--device-open-qmi', '--client-cid', cid, `--wds-stop-network=${handle}`);
    }
    await ip(rec, 'link', 'set', wwan, 'down');
    writeAttribute(`/sys/class/net/${wwan}/qmi/del_mux`, '1');
  };

  // Start-up of the CLI in the guest, for reference (Node + bundle + the up chunk).
  for (let i = 0; i < 3; i++) {
    const s = Date.now();
    await run(process.execPath, [bin, 'up', '--help']);
    startupMs.push(Date.now() - s);
  }
  rec.data.startupMs = startupMs;

  for (const c of CASES) {
    emu.behaviour.responseDelayMs = c.delayMs;
    emu.behaviour.messageDelaysMs = c.startDelayMs ? { 'wds:Start Network': c.startDelayMs } : {};
    const times: CaseTimes & LabCase = { ...c, rmnetctlUpMs: [], recipeMs: [], recipeProcesses: 0 };
    cases[c.id] = times;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const label = `${c.id} cycle ${cycle + 1}`;
      const s = Date.now();
      const up = await run(process.execPath, [bin, 'up', '--mux', '1', '--apn', 'internet', '--ip-type', c.ipType, '--json'], 120_000);
      const upMs = Date.now() - s;
      if (!rec.check(`${label}: rmnetctl up exits 0`, up.code === 0, up.code === 0 ? { ms: upMs } : { code: up.code, stderr: up.stderr.trim().slice(-600) })) return;
      times.rmnetctlUpMs.push(upMs);
      const down = await run(process.execPath, [bin, 'down', '--all'], 120_000);
      if (!rec.check(`${label}: rmnetctl down --all exits 0`, down.code === 0, down.code === 0 ? undefined : down.stderr.trim().slice(-600))) return;

      const r = await recipe(c, times);
      if (!rec.check(`${label}: the qmicli recipe brings mux 1 up with addresses and routes`, r.ok, r.ok ? { ms: times.recipeMs.at(-1) } : r.detail)) return;
      await recipeDown(r.sessions);
    }
  }
  rec.data.summary = Object.fromEntries(
    Object.values(cases).map((t) => [t.id, { rmnetctlUpMedianMs: median(t.rmnetctlUpMs), recipeMedianMs: median(t.recipeMs), recipeProcesses: t.recipeProcesses, ratio: median(t.recipeMs) / median(t.rmnetctlUpMs) }]),
  );
  rec.data.startupMedianMs = median(startupMs);
}
