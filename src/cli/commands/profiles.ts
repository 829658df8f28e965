// rmnetctl profiles [-d DEV] [-p] [--json]: the modem's stored 3GPP profiles (index, name, APN, PDP type,
// user, authentication), for `up --profile N`.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { defineCommand } from '../define.js';
import { emitPortReport, type PortCommandOptions } from '../session-options.js';
import { table } from '../output.js';
import type { ProfilesReport } from '../../modem/profiles.js';

export function register(program: Command, context: CliContext): void {
  defineCommand(program, 'profiles')
    .action(async (options: PortCommandOptions) => {
      await context.run(options, async () => {
        const { collectProfiles } = await import('../../modem/profiles.js');
        await emitPortReport(options, collectProfiles, renderProfiles);
      });
    });
}

export function renderProfiles(report: ProfilesReport): string {
  if (report.profiles.length === 0) return `${report.path}: no 3GPP profiles stored`;
  const rows = report.profiles.map((p) => {
    const s = p.settings.value;
    return [String(p.index), p.name || '-', s ? (s.apn === '' ? '(network default)' : (s.apn ?? '-')) : `unavailable (${p.settings.unavailable})`, s?.pdpType ?? '-', s?.username || '-', s?.authentication.join('+') || 'none'];
  });
  return table(['index', 'name', 'apn', 'pdp type', 'user', 'auth'], rows);
}
