// rmnetctl status: record, kernel and modem side by side, with their disagreements; a session state the
// modem will not give is "unavailable" with its reason.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { table } from '../output.js';
import { defineCommand } from '../define.js';
import { proxyChoice, sessionEnv, type CommonSessionOptions } from '../session-options.js';
import type { ModemStatus } from '../../session/status.js';
import { describeUnavailable } from '../../modem/optional.js';
import { Category } from '../../errors.js';
import { describePeers } from '../../session/peers.js';
import { describeRepairs } from '../../session/drift-repair.js';

export function register(program: Command, context: CliContext): void {
  defineCommand(program, 'status').action(async (link: string | undefined, options: CommonSessionOptions & { check?: boolean; brief?: boolean; mux?: string }) => {
    await context.run(options, async () => {
      const env = await sessionEnv(options);
      const { status } = await import('../../session/status.js');
      const { emit } = await import('../output.js');
      try {
        const { parseMuxId } = await import('../../mux-id.js');
        const muxId = options.mux === undefined ? undefined : parseMuxId(options.mux);
        const modems = filterMuxes(await status(env, { selector: options.device, proxy: proxyChoice(options) }), { link, muxId });
        emit({ modems }, options, (v) => (options.brief ? renderBrief(v.modems) : renderStatus(v.modems)));
        // The result is printed either way; --check only adds the verdict as the exit code.
        if (options.check && modems.some((m) => m.muxes.some((x) => x.disagreements.length > 0))) return Category.conflict;
        return undefined;
      } finally {
        env.netlink.close();
      }
    });
  });
}

/** Only the muxes asked for (by link name or mux id); modems without one drop out when a filter is given. */
export function filterMuxes(modems: ModemStatus[], filter: { link?: string | undefined; muxId?: number | undefined }): ModemStatus[] {
  if (filter.link === undefined && filter.muxId === undefined) return modems;
  const keep = (x: ModemStatus['muxes'][number]) => (filter.link === undefined || x.link === filter.link) && (filter.muxId === undefined || x.muxId === filter.muxId);
  return modems.map((m) => ({ ...m, muxes: m.muxes.filter(keep) })).filter((m) => m.muxes.length > 0);
}

/** One line per mux link: link, state, mux, backend, session state, addresses; `!` when something disagrees. */
export function renderBrief(modems: ModemStatus[]): string {
  const rows = modems.flatMap((m) =>
    m.muxes.map((x) => [
      x.link ?? '-',
      x.kernel.present ? (x.kernel.up ? 'UP' : 'DOWN') : 'ABSENT',
      `mux ${x.muxId}`,
      x.backend ?? '-',
      x.modem.map((s) => `v${s.family} ${s.status ?? 'unavailable'}`).join(',') || '-',
      `${x.addresses.join(' ') || '-'}${x.disagreements.length ? ' !' : ''}`,
    ]),
  );
  return rows.length ? table(['link', 'state', 'mux', 'backend', 'session', 'addresses'], rows).split('\n').slice(1).join('\n') : 'no mux links';
}

export function renderStatus(modems: ModemStatus[]): string {
  if (modems.length === 0) return 'no modem found';
  return modems
    .map((m) => {
      const head = `${m.device} (${m.parent ?? '-'}): raw_ip ${flag(m.kernelMode.rawIp)}, pass_through ${flag(m.kernelMode.passThrough)}${m.dataFormat ? `, ${String(m.dataFormat.rung)} DL ${String(m.dataFormat.dlMaxDatagrams)} x ${String(m.dataFormat.dlMaxSize)}` : ''}`;
      const rows = m.muxes.map((x) => [
        String(x.muxId),
        x.link ?? '-',
        x.backend ?? '-',
        x.kernel.present ? (x.kernel.up ? 'up' : 'down') : 'absent',
        x.recorded ? `${x.recorded.apn} (${x.recorded.state})` : '-',
        x.modem.map((s) => `v${s.family} ${s.status ?? 'unavailable'}`).join(', ') || '-',
        x.addresses.join(' ') || '-',
        x.kernel.rxPackets === null ? '-' : `${x.kernel.rxPackets}/${x.kernel.txPackets}`,
      ]);
      // The table says "unavailable"; the reason is too long for a column, so it follows as a note.
      const unavailable = m.muxes.flatMap((x) => x.modem.flatMap((s) => (s.status === null ? [`  - mux ${x.muxId}: IPv${s.family} session state ${describeUnavailable(s.unavailable.status)}`] : [])));
      const notes = m.muxes.flatMap((x) => x.disagreements.map((d) => `  ! mux ${x.muxId}: ${d}`)).concat(m.warnings.map((w) => `  ! ${w}`), unavailable);
      // rmnetctl run's judgement, when one runs for this modem.
      if (m.health) notes.unshift(`  run (pid ${m.health.pid}): ${m.health.pdns.map((p) => `mux ${p.muxId} ${p.state}`).join(', ')}; ${m.health.ladder.summary}${describeRoutes(m.health)}${describeRepairs(m.health.driftRepairs)}`);
      const peers = describePeers({ modemManager: m.peers.modemManager ?? undefined, portHolders: m.peers.portHolders }, m.device);
      return [head, `  radio  ${radioLine(m)}`, ...(peers ? [`  ${peers}`] : []), rows.length ? table(['mux', 'link', 'backend', 'kernel', 'record', 'modem', 'addresses', 'rx/tx pkts'], rows).replace(/^/gm, '  ') : '  no mux links', ...notes].join('\n');
    })
    .join('\n\n');
}

/** The failover's part of the run line: "; routes priority: mux 1 IPv4 withdrawn, mux 2 IPv4 active". */
function describeRoutes(health: NonNullable<ModemStatus['health']>): string {
  const roles = health.pdns.flatMap((p) => (p.routes ?? []).map((r) => `mux ${p.muxId} IPv${r.family} ${r.role ?? 'pending'}`));
  if (!health.failover || roles.length === 0) return '';
  return [`; routes ${health.failover.policy}: ${roles.join(', ')}`, ...health.failover.notes].join('; ');
}

/** One line: registration, signal, SIM and operating mode, each "unavailable" when the modem would not say. */
export function radioLine(m: ModemStatus): string {
  const r = m.radio;
  if (!r) return `unavailable (${m.radioUnavailable ?? "not asked"})`;
  const reg = r.registration.value;
  const registration = reg ? `${reg.state}${reg.technology ? ` ${reg.technology}` : ''}${reg.mcc ? ` ${reg.mcc}/${reg.mnc}` : ''}${reg.roaming ? ' roaming' : ''}` : 'registration unavailable';
  const s = r.signal.value;
  const db = (v: number | null | undefined, unit: string) => (v === null || v === undefined ? '-' : `${v} ${unit}`);
  const signal = s
    ? [s.lte ? `LTE RSRP ${db(s.lte.rsrpDbm, 'dBm')} RSRQ ${db(s.lte.rsrqDb, 'dB')} SINR ${db(s.lte.sinrDb, 'dB')}` : '', s.nr5g ? `NR RSRP ${db(s.nr5g.rsrpDbm, 'dBm')} SINR ${db(s.nr5g.sinrDb, 'dB')}` : ''].filter(Boolean).join(', ') || 'no signal'
    : 'signal unavailable';
  const sim = r.sim.value ? `SIM ${r.sim.value.state}` : 'SIM unavailable';
  const mode = r.operatingMode.value ?? 'mode unavailable';
  return [registration, signal, sim, mode].join('; ');
}

const flag = (v: boolean | null) => (v === null ? '-' : v ? 'Y' : 'N');
