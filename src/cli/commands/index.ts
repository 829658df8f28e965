// The command table: each entry registers one subcommand. Command modules import their heavy
// dependencies lazily inside the action, so `rmnetctl --version` loads almost nothing.
import type { CommandRegistrar } from '../context.js';

/** name: the subcommand; `load` imports its module only when that command (or the full help) is wanted. */
export const commands: Array<{ name: string; load: () => Promise<CommandRegistrar> }> = [
  { name: 'modems', load: async () => (await import('./modems.js')).register },
  { name: 'links', load: async () => (await import('./links.js')).register },
  { name: 'info', load: async () => (await import('./info.js')).register },
  { name: 'format', load: async () => (await import('./format.js')).register },
  { name: 'up', load: async () => (await import('./up.js')).register },
  { name: 'down', load: async () => (await import('./down.js')).register },
  { name: 'status', load: async () => (await import('./status.js')).register },
  { name: 'doctor', load: async () => (await import('./doctor.js')).register },
  { name: 'run', load: async () => (await import('./run.js')).register },
  { name: 'profiles', load: async () => (await import('./profiles.js')).register },
  { name: 'metrics', load: async () => (await import('./metrics.js')).register },
  { name: 'capture', load: async () => (await import('./capture.js')).register },
  { name: 'bench', load: async () => (await import('./bench.js')).register },
];
