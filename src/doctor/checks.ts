// The doctor's checks: a table of small pure functions over the collected evidence (evidence.ts), each
// giving verdicts with what it read and the exact fix. No I/O here, so every rule is tested on
// hand-built evidence.
import { ETHERNET_HEADER, nearestAllowedMtu } from '../datapath/plan.js';
import type { LinkStats } from '../netlink/link.js';
import type { CounterReading, DoctorEvidence, ModemEvidence } from './evidence.js';

export type VerdictLevel = 'ok' | 'warn' | 'fail';

export interface Verdict {
  /** The check's stable name (the table's key). */
  check: string;
  /** What it is about: a control port, a link, "host". */
  subject: string;
  verdict: VerdictLevel;
  summary: string;
  /** What was read: files, attributes, QMI answers, counters. */
  evidence: string[];
  /** The exact command or change that fixes it; null when there is nothing to fix. */
  fix: string | null;
  /** Set when the check could not look (or the fix cannot run) without root. */
  needsRoot?: true;
}

export type Check = (evidence: DoctorEvidence) => Verdict[];

const verdict = (check: string, subject: string, level: VerdictLevel, summary: string, evidence: string[], fix: string | null = null, needsRoot = false): Verdict =>
  ({ check, subject, verdict: level, summary, evidence, fix, ...(needsRoot ? { needsRoot: true as const } : {}) });

const port = (m: ModemEvidence) => `/dev/${m.modem.controlPort}`;
const dash = (m: ModemEvidence) => `-d ${port(m)}`;

/** The network driver bound beside the control port: qmi_wwan on a USB interface, mhi_net for PCIe. */
export const driver: Check = (e) => {
  if (e.modems.length === 0) {
    return [verdict('driver', 'host', 'fail', 'no QMI control port found', [`${e.sysfsRoot}/class/usbmisc: no cdc-wdm*`, `${e.sysfsRoot}/class/wwan: no *qmi*`], 'modprobe qmi_wwan (USB) or modprobe mhi_net mhi_wwan_ctrl (PCIe); if the modem is in another USB composition (ECM/MBIM), switch it to QMI (Quectel: AT+QCFG="usbnet",0)', true)];
  }
  return e.modems.map((m) => {
    const { modem } = m;
    const ev = [`${e.sysfsRoot}/${modem.devicePath}/driver -> ${modem.driver ?? 'none'}`, `network interfaces: ${modem.netInterfaces.join(', ') || 'none'}`];
    if (modem.endpointType === 'pcie') {
      const ok = modem.driver === 'mhi_net' && modem.netInterface !== null;
      return ok
        ? verdict('driver', port(m), 'ok', `mhi_net binds ${modem.netInterface} of PCIe modem ${modem.busPath ?? '?'}, control port ${port(m)} (raw_ip/pass_through do not apply)`, ev)
        : verdict('driver', port(m), 'fail', `control port ${port(m)} but no mhi_net network interface`, ev, 'modprobe mhi_net', true);
    }
    ev.push(`cdc_wdm control port ${port(m)} on USB interface ${modem.busPath ?? '?'} number ${modem.interfaceNumber ?? '?'}`);
    if (modem.driver !== 'qmi_wwan') return verdict('driver', port(m), 'fail', `USB interface of ${port(m)} is bound to ${modem.driver ?? 'no driver'}, not qmi_wwan`, ev, 'modprobe qmi_wwan; if the device id is unknown to it: echo "<vid> <pid>" > /sys/bus/usb/drivers/qmi_wwan/new_id', true);
    if (!modem.netInterface) return verdict('driver', port(m), 'fail', `qmi_wwan is bound but ${port(m)} has no network interface`, ev, 'replug the modem or reload the driver: modprobe -r qmi_wwan && modprobe qmi_wwan', true);
    return verdict('driver', port(m), 'ok', `qmi_wwan binds ${modem.netInterface} on USB interface ${modem.busPath}:${modem.interfaceNumber ?? '?'} (${modem.vendorProduct ?? '?'}), cdc_wdm ${port(m)}`, ev);
  });
};

/** rmnet (the generic QMAP demultiplexer) loaded, or loadable by `up`; qmimux works without it. */
export const rmnetModule: Check = (e) => {
  const r = e.rmnet;
  if (r.loaded) return [verdict('rmnet-module', 'host', 'ok', 'rmnet is loaded', [r.detail])];
  // Unloading rmnet deletes every rmnet link: a PDN recorded on rmnet whose link is gone lost it with the module,
  // whatever modinfo says. (A built-in rmnet may have no /sys/module entry; its links are still there.)
  const present = new Set(e.muxLinks.map((l) => l.name));
  const stranded = e.modems.flatMap((m) => (m.record?.pdns ?? []).filter((p) => p.backend === 'rmnet' && !(p.link && present.has(p.link.name))).map((p) => ({ m, p })));
  if (stranded.length > 0) {
    const { m } = stranded[0]!;
    const what = stranded.map(({ m: x, p }) => `mux ${p.request.muxId} on ${x.modem.netInterface ?? port(x)}${p.link ? ` (${p.link.name})` : ''}`).join(', ');
    return [verdict('rmnet-module', 'host', 'fail', `rmnet is not loaded, but the record has PDNs on rmnet: ${what}; their links went with the module`, [r.detail, ...stranded.map(({ m: x, p }) => `record ${e.stateDir}/${x.modem.controlPort}.json: mux ${p.request.muxId} backend rmnet, state ${p.state}`)], `rmnetctl down ${dash(m)} --all, then modprobe rmnet and rmnetctl up ${dash(m)} ... again`, true)];
  }
  if (r.modinfo === 'found') return [verdict('rmnet-module', 'host', 'ok', 'rmnet is not loaded but installed; up loads it (modprobe rmnet, as root)', [r.detail])];
  if (r.modinfo === 'unknown') return [verdict('rmnet-module', 'host', 'warn', 'rmnet is not loaded and modinfo could not be run to see whether it is installed', [r.detail], 'install kmod (modinfo), or load it: modprobe rmnet', true)];
  return [verdict('rmnet-module', 'host', 'warn', 'rmnet is neither loaded nor installed: only the qmimux backend is available', [r.detail], 'install the kernel modules package with CONFIG_RMNET (e.g. linux-modules-extra), or use up --backend qmimux')];
};

/** The mode each recorded backend needs of qmi_wwan (docs/receive-size.md). */
const NEEDED_MODE = { rmnet: { rawIp: true, passThrough: true }, qmimux: { rawIp: true, passThrough: false } } as const;

/** qmi_wwan's raw_ip and pass_through, against what the recorded sessions need. */
export const qmiWwanMode: Check = (e) =>
  e.modems.flatMap((m) => {
    if (m.modem.endpointType === 'pcie' || !m.modem.netInterface) return [];
    const parent = m.modem.netInterface;
    const ev = [`${e.sysfsRoot}/class/net/${parent}/qmi/raw_ip: ${yn(m.modem.rawIp)}`, `${e.sysfsRoot}/class/net/${parent}/qmi/pass_through: ${yn(m.modem.passThrough)}`];
    const backends = [...new Set((m.record?.pdns ?? []).map((p) => p.backend))].filter((b): b is 'rmnet' | 'qmimux' => b === 'rmnet' || b === 'qmimux');
    if (backends.length === 0) return [verdict('qmi-wwan-mode', parent, 'ok', `raw_ip ${yn(m.modem.rawIp)}, pass_through ${yn(m.modem.passThrough)}; no session recorded (up sets the mode it needs)`, ev)];
    const wrong = backends.filter((b) => NEEDED_MODE[b].rawIp !== m.modem.rawIp || NEEDED_MODE[b].passThrough !== m.modem.passThrough);
    if (wrong.length === 0) return [verdict('qmi-wwan-mode', parent, 'ok', `raw_ip ${yn(m.modem.rawIp)}, pass_through ${yn(m.modem.passThrough)}, as ${backends.join(' and ')} needs`, ev)];
    const need = NEEDED_MODE[wrong[0]!];
    return [verdict('qmi-wwan-mode', parent, 'fail', `the recorded ${wrong[0]} session needs raw_ip ${yn(need.rawIp)} and pass_through ${yn(need.passThrough)}; the kernel has raw_ip ${yn(m.modem.rawIp)}, pass_through ${yn(m.modem.passThrough)} (something changed the mode under the session)`, ev, `rmnetctl down ${dash(m)} --all && rmnetctl up ${dash(m)} ... (up sets the mode again)`, true)];
  });

/** The parent's receive size (MTU + link header) against the recorded granted DL aggregation size. */
export const receiveSize: Check = (e) =>
  e.modems.flatMap((m) => {
    if (m.modem.endpointType === 'pcie' || !m.parent) return [];
    const p = m.parent;
    const grant = m.record?.dataFormat?.dlMaxSize;
    const header = m.modem.rawIp ? 0 : ETHERNET_HEADER;
    const ev = [`netlink ${p.name}: mtu ${p.mtu ?? '?'}, maxmtu ${p.maxMtu ?? '?'}, rx_over_errors ${p.rxOverErrors ?? '?'}`, `record ${e.stateDir}/${m.modem.controlPort}.json: DL max size ${grant ?? 'none'}`];
    const overErrors = p.rxOverErrors !== null && p.rxOverErrors > 0 ? ` (${p.rxOverErrors} transfers already lost: rx_over_errors)` : '';
    if (p.mtu === null) return [verdict('receive-size', p.name, 'warn', `netlink does not show ${p.name} (another network namespace?): its MTU cannot be compared with the grant`, ev, `run doctor in ${p.name}'s network namespace (ip netns exec NS rmnetctl doctor)`)];
    if (grant === undefined || grant <= 1) return [verdict('receive-size', p.name, 'ok', `no aggregated downlink recorded: nothing to compare the MTU ${p.mtu} with`, ev)];
    const size = p.mtu + header;
    if (size >= grant) return [verdict('receive-size', p.name, 'ok', `receive size ${size} (MTU ${p.mtu}${header ? ' + 14' : ''}) covers the granted DL size ${grant}${overErrors}`, ev)];
    const mtu = nearestAllowedMtu(grant - header, header, p.maxPacketSize);
    return [verdict('receive-size', p.name, 'fail', `receive size ${size} (MTU ${p.mtu}${header ? ' + 14' : ''}) is smaller than the granted DL size ${grant}: every transfer longer than ${size} bytes is dropped whole${overErrors} (docs/receive-size.md)`, ev, `ip link set dev ${p.name} mtu ${mtu}`, true)];
  });

/** SIM state, registration and signal as the modem reports them; a refusal is a warning with its reason. */
export const radio: Check = (e) =>
  e.modems.flatMap((m) => {
    const subject = port(m);
    const r = m.status?.radio;
    if (!r) {
      const why = m.status?.radioUnavailable ?? m.statusError ?? m.recordError ?? 'no network interface';
      // Opening a control port needs root unless a udev rule grants it; as root, the usual cause is a holder.
      return [verdict('radio', subject, 'warn', `SIM, registration and signal not checked: ${why}`, [`QMI at ${subject}: ${why}`], e.root ? `check that ${subject} exists and nothing holds it exclusively (ModemManager: use --proxy)` : `run as root, or add a udev rule giving your group ${subject}`, !e.root)];
    }
    const out = [];
    const sim = r.sim;
    if (sim.value === null) out.push(verdict('sim', subject, 'warn', `SIM state unavailable: ${sim.unavailable}`, [`UIM Get Card Status: ${sim.unavailable}`]));
    else out.push(SIM_FIX[sim.value.state] === null
      ? verdict('sim', subject, 'ok', 'SIM ready', [`UIM Get Card Status: card ${sim.value.cardState}, application ${sim.value.applicationState ?? '-'}`])
      : verdict('sim', subject, 'fail', `SIM ${sim.value.state}`, [`UIM Get Card Status: card ${sim.value.cardState}, application ${sim.value.applicationState ?? '-'}`], SIM_FIX[sim.value.state]));
    const reg = r.registration;
    if (reg.value === null) out.push(verdict('registration', subject, 'warn', `registration unavailable: ${reg.unavailable}`, [`NAS: ${reg.unavailable}`]));
    else {
      const ev = [`NAS serving system: ${reg.value.state}${reg.value.technology ? ` ${reg.value.technology}` : ''}${reg.value.mcc ? ` ${reg.value.mcc}/${reg.value.mnc}` : ''}${reg.value.roaming ? ' roaming' : ''}`, `DMS operating mode: ${r.operatingMode.value ?? r.operatingMode.unavailable}`];
      if (reg.value.state === 'registered') out.push(verdict('registration', subject, 'ok', `registered${reg.value.technology ? ` on ${reg.value.technology}` : ''}`, ev));
      else if (r.operatingMode.value !== null && r.operatingMode.value !== 'online') out.push(verdict('registration', subject, 'fail', `not registered: the modem is ${r.operatingMode.value}`, ev, `qmicli ${dash(m)} --dms-set-operating-mode=online (or AT+CFUN=1)`));
      else if (reg.value.state === 'registration-denied') out.push(verdict('registration', subject, 'fail', 'registration denied by the network', ev, 'check the SIM subscription with the operator; try another network or radio technology'));
      else out.push(verdict('registration', subject, 'warn', `not registered (${reg.value.state})`, ev, 'check the antennas and coverage; wait for registration'));
    }
    const s = r.signal;
    if (s.value === null) out.push(verdict('signal', subject, 'warn', `signal unavailable: ${s.unavailable}`, [`NAS Get Signal Info: ${s.unavailable}`]));
    else {
      const rsrp = s.value.lte?.rsrpDbm ?? s.value.nr5g?.rsrpDbm ?? null;
      const ev = [`NAS Get Signal Info: ${s.value.lte ? `LTE RSRP ${s.value.lte.rsrpDbm} dBm, SINR ${s.value.lte.sinrDb} dB` : 'no LTE'}; ${s.value.nr5g ? `NR RSRP ${s.value.nr5g.rsrpDbm ?? '-'} dBm` : 'no NR'}`];
      if (rsrp === null) out.push(verdict('signal', subject, 'warn', 'no LTE or NR signal measured', ev, 'check the antennas and coverage'));
      else if (rsrp < WEAK_RSRP_DBM) out.push(verdict('signal', subject, 'warn', `weak signal: RSRP ${rsrp} dBm (below ${WEAK_RSRP_DBM})`, ev, 'check the antennas (both main and diversity connected) and placement'));
      else out.push(verdict('signal', subject, 'ok', `RSRP ${rsrp} dBm`, ev));
    }
    return out;
  });

/** Below this RSRP, throughput and even attach become unreliable (the usual "poor" band starts at -110). */
export const WEAK_RSRP_DBM = -110;

/** null: nothing to fix. */
const SIM_FIX: Record<string, string | null> = {
  ready: null,
  'pin-required': 'enter the PIN: qmicli --uim-verify-pin=PIN1,<pin> (or AT+CPIN=<pin>)',
  'puk-required': 'unblock with the PUK: qmicli --uim-unblock-pin=PIN1,<puk>,<new pin>',
  blocked: 'the SIM is blocked permanently: replace it',
  'personalization-required': 'the modem is network-locked to another operator: ask its seller for the unlock code',
  'not-ready': 'wait for the SIM to initialize; if it stays, reseat it',
  absent: 'insert a SIM (power the modem off first), or check the SIM slot selection',
  error: 'reseat or replace the SIM',
};

/** Records whose link is gone, links no record knows, records of modems that are not there. */
export const leftovers: Check = (e) => {
  const out: Verdict[] = [];
  for (const m of e.modems) {
    if (m.recordDenied) out.push(verdict('leftovers', port(m), 'warn', 'the record cannot be read without root: leftovers, mode and receive size are judged without it', [`${e.stateDir}/${m.modem.controlPort}.json: ${m.recordError}`], 'run rmnetctl doctor as root', true));
    else if (m.recordError) out.push(verdict('leftovers', port(m), 'fail', `the record cannot be read: ${m.recordError}`, [`${e.stateDir}/${m.modem.controlPort}.json`], `rm ${e.stateDir}/${m.modem.controlPort}.json && rmnetctl down ${dash(m)} --all`, !e.root));
    // ModemManager's own bearer is not a leftover (the modem-manager check names it); deleting it would cut its session.
    const mmLinks = new Set(m.status?.peers.modemManagerBearer?.links ?? []);
    for (const x of m.status?.muxes ?? []) {
      if (!x.recorded && x.link !== null && mmLinks.has(x.link)) continue;
      if (x.recorded && !x.kernel.present) out.push(verdict('leftovers', `${port(m)} mux ${x.muxId}`, 'fail', `recorded ${x.recorded.state}, but the kernel has no link with mux id ${x.muxId}`, [`record: mux ${x.muxId} ${x.recorded.apn} (${x.recorded.state}), link ${x.link ?? '-'}`, `kernel mux map of ${m.modem.netInterface}: no mux ${x.muxId}`], `rmnetctl down ${dash(m)} --mux ${x.muxId}`, true));
      else if (!x.recorded && x.kernel.present) out.push(verdict('leftovers', `${port(m)} mux ${x.muxId}`, 'warn', `${x.link} (mux ${x.muxId}, ${x.backend}) is in the kernel but in no record: another tool made it, or a record was lost`, [`kernel mux map of ${m.modem.netInterface}: ${x.link} mux ${x.muxId} (${x.backend})`, `record ${e.stateDir}/${m.modem.controlPort}.json: no mux ${x.muxId}`], x.backend === 'qmimux' ? `echo ${x.muxId} > /sys/class/net/${m.modem.netInterface}/qmi/del_mux` : `ip link del ${x.link}`, true));
      else if (x.recorded?.state === 'starting') out.push(verdict('leftovers', `${port(m)} mux ${x.muxId}`, 'fail', 'an "up" did not finish', [`record: mux ${x.muxId} state starting`], `rmnetctl down ${dash(m)} --mux ${x.muxId}`, true));
    }
  }
  for (const s of e.strayRecords) {
    out.push(verdict('leftovers', s.key, 'warn', `a record for /dev/${s.key}, which is not present (unplugged, or renamed after a replug)`, [`${s.path}${s.record ? `: ${s.record.pdns.length} PDN(s) on ${s.record.netInterface}` : ': unreadable'}`], `rmnetctl down -d /dev/${s.key} --all if the modem comes back; else rm ${s.path}`, true));
  }
  return out.length > 0 || e.modems.length === 0 ? out : [verdict('leftovers', 'host', 'ok', 'every record has its links and every mux link has its record', [`records in ${e.stateDir}`, `kernel mux links: ${e.muxLinks.map((l) => l.name).join(', ') || 'none'}`])];
};

/** Two default routes of one family and metric in one table: the kernel picks one, the other is dead. */
export const defaultRoutes: Check = (e) => {
  const groups = new Map<string, typeof e.defaultRoutes>();
  for (const r of e.defaultRoutes) {
    const key = `${r.family}/${r.table}/${r.metric}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const conflicts = [...groups.values()].filter((g) => g.length > 1);
  if (conflicts.length === 0) return [verdict('default-routes', 'host', 'ok', `no two default routes share a family and metric (${e.defaultRoutes.length} default routes)`, e.defaultRoutes.map(routeText))];
  return conflicts.map((g) => {
    const [first, second] = g as [(typeof g)[0], (typeof g)[0]];
    return verdict('default-routes', `IPv${first.family} metric ${first.metric}`, 'warn', `${g.length} IPv${first.family} default routes with metric ${first.metric} (${g.map((r) => r.device).join(', ')}): only one carries traffic`, g.map(routeText), `ip -${first.family} route change default dev ${second.device} metric ${first.metric + 1}${second.device.includes('.') || second.device.startsWith('qmimux') ? ' (or bring the PDN up again with another --metric)' : ''}`, true);
  });
};
const routeText = (r: DoctorEvidence['defaultRoutes'][number]) => `ip -${r.family} route: default dev ${r.device} metric ${r.metric}${r.table !== 254 ? ` table ${r.table}` : ''}`;

const delta = (reading: CounterReading, key: keyof LinkStats) => Number(reading.after![key]) - Number(reading.before![key]);

/**
 * Fewer packets sent than this in the interval is no stall: a new link sends IPv6 router solicitations (every
 * few seconds, backing off) and MLD reports that an IPv4-only PDN never answers; a user's ping or TCP retries
 * send more.
 */
export const STALL_MIN_TX_PACKETS = 3;

/** A connected session whose RX counter stands still while TX grows (the RM500Q/RM520N "RX stays 0"). */
export const rxStall: Check = (e) =>
  e.counters.flatMap((c) => {
    const subject = c.link;
    const recorded = e.modems.find((m) => m.modem.netInterface === c.parent)?.status?.muxes.find((x) => x.muxId === c.muxId)?.recorded;
    if (recorded?.state !== 'up') return [];
    if (!c.before || !c.after) return [verdict('rx-stall', subject, 'warn', `no IFLA_STATS64 counters for ${c.link}`, [`netlink ${c.link}: no stats`])];
    const tx = delta(c, 'txPackets');
    const rx = delta(c, 'rxPackets');
    const ev = [`netlink ${c.link} IFLA_STATS64 over ${c.intervalSeconds} s: rx_packets ${c.before.rxPackets} -> ${c.after.rxPackets}, tx_packets ${c.before.txPackets} -> ${c.after.txPackets}`];
    if (rx > 0 || tx === 0) return [verdict('rx-stall', subject, 'ok', tx === 0 && rx === 0 ? `no traffic in ${c.intervalSeconds} s: nothing to judge` : `RX +${rx}, TX +${tx} packets in ${c.intervalSeconds} s`, ev)];
    if (tx < STALL_MIN_TX_PACKETS) return [verdict('rx-stall', subject, 'ok', `TX +${tx}, RX +0 packets in ${c.intervalSeconds} s: too little sent to judge (the kernel's own IPv6 router solicitations and MLD reports go unanswered on an IPv4-only PDN)`, ev)];
    // Never received anything at all is the known firmware failure; a stall after traffic may be the path.
    const never = Number(c.after.rxPackets) === 0;
    const owner = e.modems.find((m) => m.modem.netInterface === c.parent);
    const d = owner ? ` ${dash(owner)}` : '';
    const fix = `rmnetctl down${d} --mux ${c.muxId}, then up again (check rmnetctl status${d}: data format, receive size)${never ? '; on RM500Q/RM520N a modem reset (AT+CFUN=1,1) clears it' : ''}`;
    return [verdict('rx-stall', subject, never ? 'fail' : 'warn', `TX +${tx} packets but RX +0 in ${c.intervalSeconds} s${never ? ', and RX has been 0 since the link came up' : ''}: the downlink is not reaching ${c.link}`, ev, fix, true)];
  });

/**
 * Who holds the control port (ModemManager, qmi-proxy, qmicli): src/session/peers.ts `findPeers`, passed by the
 * CLI as CollectOptions.findPortHolders; without it (tests that do not pass one) this check says nothing.
 */
export const portHolders: Check = (e) =>
  e.portHoldersChecked
    ? e.modems.map((m) =>
        m.portHolders === null
          ? verdict('port-holders', port(m), 'warn', 'could not see who holds the control port', [`${port(m)}: holders unknown`], null, !e.root)
          : m.portHolders.length === 0
            ? verdict('port-holders', port(m), 'ok', 'nobody else holds the control port', [`${port(m)}: no holder`])
            : m.portHolders.every((h) => h.name === QMI_PROXY)
              // qmi-proxy is how the port is shared, and rmnetctl goes through it whenever it runs.
              ? verdict('port-holders', port(m), 'ok', `only qmi-proxy (${m.portHolders.map((h) => h.pid).join(', ')}) holds ${port(m)}: rmnetctl shares it through the proxy (unless --no-proxy)`, m.portHolders.map((h) => `pid ${h.pid} ${h.name}`))
              : verdict('port-holders', port(m), 'warn', `${m.portHolders.map((h) => `${h.name} (${h.pid})`).join(', ')} hold(s) ${port(m)}`, m.portHolders.map((h) => `pid ${h.pid} ${h.name}`), 'let rmnetctl share the port through qmi-proxy (--proxy), or stop ModemManager'))
    : [];

/** /proc/<pid>/comm of libqmi's proxy. */
const QMI_PROXY = 'qmi-proxy';

/**
 * ModemManager beside rmnetctl (src/session/peers.ts through status): whether it runs, and whether it has a
 * bearer of its own on this modem (then `up` refuses there: MODEM_MANAGER_BEARER).
 */
export const modemManager: Check = (e) =>
  e.modems.flatMap((m) => {
    const peers = m.status?.peers;
    if (!peers) return [];
    const mm = peers.modemManager;
    if (!mm) return [verdict('modem-manager', port(m), 'ok', 'ModemManager is not running', ['/proc: no process named ModemManager'])];
    const holders = peers.portHolders.length > 0 ? peers.portHolders.map((h) => `${h.name} (${h.pid})`).join(', ') : 'nobody';
    const ev = [`/proc/${mm.pid}/comm: ModemManager`, `${port(m)} held by: ${holders}`];
    const bearer = peers.modemManagerBearer;
    if (!bearer) {
      return [verdict('modem-manager', port(m), 'ok', `ModemManager (pid ${mm.pid}) runs, with no bearer of its own on this modem; rmnetctl shares ${port(m)} with it through qmi-proxy`, [...ev, `${m.modem.netInterface ?? '?'}: no mux link or global address that rmnetctl's record does not know`])];
    }
    const held = [...bearer.links.map((l) => `link ${l}`), ...bearer.addresses.map((a) => `address ${a} on ${m.modem.netInterface ?? '?'}`)];
    return [verdict('modem-manager', port(m), 'warn', `ModemManager (pid ${mm.pid}) has its own bearer connected on this modem (${held.join(', ')}): rmnetctl up refuses here while it is connected`, [...ev, ...held.map((h) => `kernel, not in rmnetctl's record: ${h}`)], 'mmcli -m any --simple-disconnect (or let NetworkManager/ModemManager not connect this modem), then rmnetctl up')];
  });

/** The table: every check, in report order. */
export const CHECKS: ReadonlyArray<readonly [name: string, check: Check]> = [
  ['driver', driver],
  ['rmnet-module', rmnetModule],
  ['qmi-wwan-mode', qmiWwanMode],
  ['receive-size', receiveSize],
  ['radio', radio],
  ['leftovers', leftovers],
  ['default-routes', defaultRoutes],
  ['rx-stall', rxStall],
  ['port-holders', portHolders],
  ['modem-manager', modemManager],
];

export function runChecks(evidence: DoctorEvidence): Verdict[] {
  return CHECKS.flatMap(([, check]) => check(evidence));
}

/** Counts by verdict; `failed` decides the exit code (the CLI's choice). */
export function summarize(verdicts: readonly Verdict[]): { ok: number; warn: number; fail: number } {
  return { ok: verdicts.filter((v) => v.verdict === 'ok').length, warn: verdicts.filter((v) => v.verdict === 'warn').length, fail: verdicts.filter((v) => v.verdict === 'fail').length };
}

const yn = (v: boolean | null) => (v === null ? '-' : v ? 'Y' : 'N');
