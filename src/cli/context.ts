// What every command module receives from main.ts. Its own file so command modules never import the
// table that loads them (commands/index.ts) or the entry point (main.ts).
import type { Command } from 'commander';
import type { ErrorCategory } from '../errors.js';

export type CommandRegistrar = (program: Command, context: CliContext) => void;

export interface CliContext {
  /**
   * Runs a command body, printing errors the house way and setting the exit code. A body that printed its
   * result but must still exit non-zero (`status --check`) returns the error category to exit with.
   */
  run(options: { json?: boolean }, body: () => Promise<void | ErrorCategory>): Promise<void>;
}
