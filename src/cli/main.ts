// rmnetctl's entry point: builds the commander program from the command table and runs it.
import { Command, CommanderError } from 'commander';
import { Category, RmnetError } from '../errors.js';
import { ExitCode } from './exit-codes.js';
import { reportError } from './output.js';
import { commands, type CliContext } from './commands/index.js';
import { VERSION } from '../version.js';

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command('rmnetctl')
    .description('Owns the Linux data path of Qualcomm cellular modems on qmi_wwan')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const context: CliContext = {
    async run(options, body) {
      try {
        await body();
      } catch (error) {
        exitCode = reportError(error, options);
      }
    },
  };
  // Load only the module of the command asked for (start-up time); all of them for help or a typo, so
  // commander can list them. --version answers before any command module is loaded.
  const args = argv.slice(2);
  const wantsVersion = args.some((a) => a === '-V' || a === '--version');
  const named = commands.find((c) => c.name === args.find((a) => !a.startsWith('-')));
  if (!wantsVersion) for (const command of named ? [named] : commands) (await command.load())(program, context);

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return reportError(error, {});
  }
  return exitCode;
}

/** Parses an integer option strictly, naming the option on failure (no silent NaN, no "12abc"). */
export function parseIntegerOption(name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    if (!/^(0|[1-9]\d*|0x[0-9a-fA-F]+)$/.test(value)) {
      throw new RmnetError('BAD_ARGUMENT', `${name} must be an integer in ${min}..${max}, got "${value}"`, Category.usage, { option: name, value });
    }
    const n = Number(value);
    if (n < min || n > max) {
      throw new RmnetError('BAD_ARGUMENT', `${name} must be in ${min}..${max}, got ${value}`, Category.usage, { option: name, value });
    }
    return n;
  };
}
