// rmnetctl's entry point: builds the commander program from the command table and runs it.
import { writeSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { Category, RmnetError } from '../errors.js';
import { ExitCode } from './exit-codes.js';
import { reportError, setLogLevel } from './output.js';
import { commands } from './commands/index.js';
import { allCommands, COMMANDS, longName, optionsOf, shortName, valueName } from './command-table.js';
import { defineCommand } from './define.js';
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
    .addHelpText('after', '\nrmnetctl COMMAND --help: its options (range, default, required), examples and exit codes.\nEvery command takes -v/--verbose and -q/--quiet; -d/--device, -j/--json and -p/--proxy where they apply.\nman rmnetctl, man rmnetctl.conf; docs/usage.md, docs/exit-codes.md.')
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
  // Load only the module of the command asked for (start-up time). For help or a typo, the command table
  // alone registers every command (names, summaries, options), so commander lists them all without a module
  // loaded. --version answers before anything is registered.
  // `-br` as ip(8) spells it (commander's short options are one letter).
  const args = argv.slice(2).map((a) => (a === '-br' ? '--brief' : a));
  argv = [...argv.slice(0, 2), ...args];
  const wantsVersion = args.some((a) => a === '-V' || a === '--version');
  // Only a command in first position is taken as asked for: `rmnetctl --verbose status` is a top-level
  // error whose help must list every command, not only `status`.
  const named = commands.find((c) => c.name === args[0]);
  if (!wantsVersion) {
    if (named) (await named.load())(program, context);
    else registerOutlines(program);
  }

  const json = args.includes('--json') || args.includes('-j');
  const conflict = conflictingOptions(args, named ? shortOptionsOf(named.name === 'format' && args[1] ? `format ${args[1]}` : named.name) : undefined);
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

/** A command's short options (`-p` -> proxy), from the table, and whether each takes a value. */
export function shortOptionsOf(path: string): Map<string, { long: string; value: boolean }> {
  const spec = allCommands().find((c) => c.path === path)?.spec;
  const shorts = new Map<string, { long: string; value: boolean }>();
  for (const option of spec ? optionsOf(spec) : []) {
    const short = shortName(option);
    if (short) shorts.set(short, { long: longName(option), value: valueName(option) !== undefined });
  }
  return shorts;
}

/**
 * Options given twice, or with their negation: commander would let the last one win in silence, and the
 * user meant one of them (`--apn a --apn b`, `--proxy --no-proxy`, `-p --no-proxy`, `-j --json`). Short
 * forms count as their long names (`shorts`, from the command table); values after `--` are not options.
 */
export function conflictingOptions(args: readonly string[], shorts: ReadonlyMap<string, { long: string; value: boolean }> = new Map()): string | undefined {
  const seen = new Map<string, string>();
  const spelled = (name: string) => seen.get(name) ?? `--${name}`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    const names: Array<{ name: string; as: string }> = [];
    const long = /^--([a-z][a-z0-9-]*)(=.*)?$/.exec(arg)?.[1];
    if (long) names.push({ name: long, as: `--${long}` });
    else if (/^-[a-zA-Z]/.test(arg)) {
      // -jv is -j -v; a letter that takes a value ends the group (-dwwan0), or takes the next argument (-d wwan0).
      for (let k = 1; k < arg.length; k++) {
        const short = shorts.get(arg[k]!);
        if (!short) break;
        names.push({ name: short.long, as: `-${arg[k]}` });
        if (short.value) {
          if (k === arg.length - 1) i++;
          break;
        }
      }
    }
    for (const { name, as } of names) {
      if (seen.has(name)) return spelled(name) === as ? `${as} is given twice: give it once` : `${spelled(name)} and ${as} are the same option: give it once`;
      const opposite = name.startsWith('no-') ? name.slice(3) : `no-${name}`;
      if (seen.has(opposite)) return `${spelled(opposite)} and ${as} contradict each other: give one`;
      seen.set(name, as);
    }
  }
  return undefined;
}

/**
 * Every command of the table without its module: enough for `rmnetctl --help` and for commander's
 * "unknown command" to know them. Reached only when the command is not the first argument.
 */
function registerOutlines(program: Command): void {
  const outline = (parent: Command, path: string) =>
    defineCommand(parent, path).action(() => {
      throw new RmnetError('BAD_ARGUMENT', `the command comes first: rmnetctl ${path} [options] (see rmnetctl ${path} --help)`, Category.usage);
    });
  for (const spec of COMMANDS) {
    if (!spec.subcommands) outline(program, spec.name);
    else {
      const parent = defineCommand(program, spec.name);
      for (const sub of spec.subcommands) outline(parent, `${spec.name} ${sub.name}`);
    }
  }
}

