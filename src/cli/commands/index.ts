// The command table: each entry registers one subcommand. Command modules import their heavy
// dependencies lazily inside the action, so `rmnetctl --version` loads almost nothing.
import type { Command } from 'commander';

export type CommandRegistrar = (program: Command, context: CliContext) => void;

export interface CliContext {
  /** Runs a command body, printing errors the house way and setting the exit code. */
  run(options: { json?: boolean }, body: () => Promise<void>): Promise<void>;
}

export const commands: Array<() => Promise<CommandRegistrar>> = [
  // One line per command module, e.g.:
  // async () => (await import('./info.js')).register,
  async () => (await import('./info.js')).register,
  async () => (await import('./format.js')).register,
  async () => (await import('./modems.js')).register,
  async () => (await import('./links.js')).register,
  async () => (await import('./up.js')).register,
  async () => (await import('./down.js')).register,
  async () => (await import('./status.js')).register,
  async () => (await import('./run.js')).register,
];
