// rmnetctl status: record, kernel and modem side by side, with their disagreements; a session state the
// modem will not give is "unavailable" with its reason.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { table } from '../output.js';
import { addCommonOptions, proxyChoice, sessionEnv, type CommonSessionOptions } from '../session-options.js';
import type { ModemStatus } from '../../session/status.js';
import { describeUnavailable } from '../../modem/optional.js';
import { describePeers } from '../../session/peers.js';

export function register(program: Command, context: CliContext): void {
  addCommonOptions(program.command('status').description('per modem and mux: link, backend, kernel state, modem session state, addresses, counters')).action(
    async (options: CommonSessionOptions) => {
      await context.run(options, async () => {
        const env = await sessionEnv(options);
        const { status } = await import('../../session/status.js');
        const { emit } = await import('../output.js');
        try {
          emit({ modems: await status(env, { selector: options.device, proxy: proxyChoice(options) }) }, options, (v) => renderStatus(v.modems));
        } finally {
          env.netlink.close();
        }
      });
    },
  );
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
      const peers = describePeers({ modemManager: m.peers.modemManager ?? undefined, portHolders: m.peers.portHolders }, m.device);
      return [head, ...(peers ? [`  ${peers}`] : []), rows.length ? table(['mux', 'link', 'backend', 'kernel', 'record', 'modem', 'addresses', 'rx/tx pkts'], rows).replace(/^/gm, '  ') : '  no mux links', ...notes].join('\n');
    })
    .join('\n\n');
}

const flag = (v: boolean | null) => (v === null ? '-' : v ? 'Y' : 'N');
