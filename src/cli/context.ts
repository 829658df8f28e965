// What every command module receives from main.ts. Its own file so command modules never import the
// table that loads them (commands/index.ts) or the entry point (main.ts).
import type { Command } from 'commander';

export type CommandRegistrar = (program: Command, context: CliContext) => void;

export interface CliContext {
  /** Runs a command body, printing errors the house way and setting the exit code. */
  run(options: { json?: boolean }, body: () => Promise<void>): Promise<void>;
}
