// rmnetctl's entry point: builds the commander program from the command table and runs it.
import { writeSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { Category, RmnetError } from '../errors.js';
import { ExitCode } from './exit-codes.js';
import { reportError, setLogLevel } from './output.js';
import { commands } from './commands/index.js';
import type { CliContext } from './context.js';
import { VERSION } from '../version.js';

/**
 * What other Unix tools do with their output: a reader that went away (`rmnetctl modems | head -1`) ends the
 * command quietly; any other write error (ENOSPC on `> /dev/full`) is one line on stderr and exit 1.
 */
function guardOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue; // installed once per process
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      try {
        if (stream !== process.stderr) writeSync(2, `rmnetctl: error: writing the output: ${error.code ?? error.message}\n`);
      } catch {
        // stderr is gone too: nothing left to tell
      }
      process.exit(ExitCode.failure);
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  guardOutput();
  let exitCode: number = ExitCode.ok;
  const program = new Command('rmnetctl')
    .description('Owns the Linux data path of Qualcomm cellular modems on qmi_wwan')
    .version(VERSION, '-V, --version')
    .exitOverride();
  // Commander's own error line is replaced by ours (below): one line, what to do, and --json honoured.
  program.configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => {} });
  // The table's option text already carries range, default and required (cli/define.ts): commander adds nothing.
  program.configureHelp({ optionDescription: (option) => option.description });
  // -v / -q of every command (cli/command-table.ts LOGGING) set how much goes to stderr before its action runs.
  program.hook('preAction', (_program, action) => {
    const { verbose, quiet } = action.opts<{ verbose?: boolean; quiet?: boolean }>();
    if (verbose && quiet) throw new RmnetError('BAD_ARGUMENT', `--verbose and --quiet contradict each other: give one (see rmnetctl ${action.name()} --help)`, Category.usage);
    setLogLevel(verbose ? 'verbose' : quiet ? 'quiet' : 'normal');
  });

  const context: CliContext = {
    async run(options, body) {
      try {
        const category = await body();
        if (category) exitCode = ExitCode[category];
      } catch (error) {
        exitCode = reportError(error, options);
      }
    },
  };
  // Load only the module of the command asked for (start-up time); all of them for help or a typo, so
  // commander can list them. --version answers before any command module is loaded.
  // `-br` as ip(8) spells it (commander's short options are one letter).
  const args = argv.slice(2).map((a) => (a === '-br' ? '--brief' : a));
  argv = [...argv.slice(0, 2), ...args];
  const wantsVersion = args.some((a) => a === '-V' || a === '--version');
  // Only a command in first position is taken as asked for: `rmnetctl --verbose status` is a top-level
  // error whose help must list every command, not only `status`.
  const named = commands.find((c) => c.name === args[0]);
  if (!wantsVersion) for (const command of named ? [named] : commands) (await command.load())(program, context);

  const json = args.includes('--json') || args.includes('-j');
  const conflict = conflictingOptions(args);
  if (conflict) return reportError(new RmnetError('BAD_ARGUMENT', `${conflict} (see ${named ? `rmnetctl ${named.name} --help` : 'rmnetctl --help'})`, Category.usage), { json });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return ExitCode.ok; // --help, --version
      const help = named ? `rmnetctl ${named.name} --help` : 'rmnetctl --help';
      const message = `${error.message.replace(/^error: /, '')} (see ${help})`;
      return reportError(new RmnetError('BAD_ARGUMENT', message, Category.usage, { parser: error.code }), { json });
    }
    return reportError(error, { json });
  }
  return exitCode;
}

/**
 * Options given twice, or with their negation: commander would let the last one win in silence, and the
 * user meant one of them (`--apn a --apn b`, `--proxy --no-proxy`). Values after `--` are not options.
 */
export function conflictingOptions(args: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const arg of args) {
    if (arg === '--') break;
    const name = /^--([a-z][a-z0-9-]*)(=.*)?$/.exec(arg)?.[1];
    if (!name) continue;
    if (seen.has(name)) return `--${name} is given twice: give it once`;
    const opposite = name.startsWith('no-') ? name.slice(3) : `no-${name}`;
    if (seen.has(opposite)) return `--${opposite} and --${name} contradict each other: give one`;
    seen.add(name);
  }
  return undefined;
}
