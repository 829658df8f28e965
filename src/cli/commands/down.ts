// rmnetctl down: end a PDN (or all) and leave nothing behind (src/session/down.ts does the work).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addCommonOptions, proxyChoice, requireRoot, sessionEnv, type CommonSessionOptions } from '../session-options.js';
import type { DownResult } from '../../session/down.js';

interface DownOptions extends CommonSessionOptions {
  mux?: string;
  all?: boolean;
}

export function register(program: Command, context: CliContext): void {
  addCommonOptions(
    program
      .command('down')
      .description('stop a PDN: session, client ids, addresses, routes, link; restore the kernel mode when it was the last')
      .argument('[link]', 'the mux link to take down, as ip(8) names it (wwan0.1, rmnet_mux1), instead of --mux')
      .option('--mux <id>', 'mux id, 1-254')
      .option('--all', 'every PDN of the modem, and every mux link the kernel shows on it'),
  ).action(async (link: string | undefined, options: DownOptions) => {
    await context.run(options, async () => {
      const { Category, RmnetError } = await import('../../errors.js');
      const { parseMuxId } = await import('../../mux-id.js');
      const chosen = [link !== undefined, options.mux !== undefined, options.all === true].filter(Boolean).length;
      if (chosen !== 1) throw new RmnetError('BAD_ARGUMENT', 'down needs exactly one of LINK, --mux N or --all', Category.usage);
      const muxId = options.mux === undefined ? undefined : parseMuxId(options.mux);
      requireRoot('down');
      const env = await sessionEnv(options);
      const { down } = await import('../../session/down.js');
      const { emit } = await import('../output.js');
      try {
        emit(await down(env, { selector: options.device, muxId, link, all: options.all === true, proxy: proxyChoice(options) }), options, renderDown);
      } finally {
        env.netlink.close();
      }
    });
  });
}

export function renderDown(r: DownResult): string {
  const nothing = r.removed.length === 0 && r.releasedStrays.length === 0 && r.freedLost.length === 0;
  const lines = nothing ? [`nothing was up on ${r.parent}`] : r.removed.map((x) => `mux ${x.muxId} down${x.link ? ` (${x.link} deleted)` : ''}${x.recorded ? '' : ' [not recorded: removed from kernel truth]'}`);
  for (const s of r.releasedStrays) lines.push(`released ${s.service.toUpperCase()} client ${s.clientId} (left allocated by an earlier command)`);
  for (const s of r.stillHeld) lines.push(`${s.service.toUpperCase()} client ${s.clientId} may still be held by the modem: recorded, run "rmnetctl down" again once it answers`);
  if (r.freedLost.length > 0) lines.push(`freed ${r.freedLost.length} client id(s) whose Allocate CID answer was lost (${r.freedLost.map((s) => s.toUpperCase()).join(', ')}): CTL Sync`);
  for (const l of r.stillLost) lines.push(`a ${l.service.toUpperCase()} client id whose Allocate CID answer was lost may still be held by the modem: ${l.reason}`);
  if (r.kernelRestored) lines.push(`${r.parent}: kernel mode restored`);
  // Warnings were logged to stderr as they happened; stdout carries the result only.
  return lines.join('\n');
}
