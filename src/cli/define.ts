// Commander registration from the command table (cli/command-table.ts): a command module asks for its
// command by name and adds only its action. Flags, descriptions, defaults, ranges, hidden options and the
// help text after the options all come from the table, as the man page and the completions do.
import { Command, Option } from 'commander';
import { COMMANDS, EXIT_MEANINGS, longName, optionFacts, optionsOf, type CommandSpec, type OptionSpec } from './command-table.js';
import { ExitCode } from './exit-codes.js';
import { parseDirectoryOption, parseIntegerOption } from './options.js';

/** An option's own parser, where the table's integer/directory forms do not say it all. */
export type Parsers = Record<string, (value: string) => unknown>;

/** The spec of a command by its path ('up', 'format set'). */
export function specOf(path: string): CommandSpec {
  const [name, sub] = path.split(' ');
  const top = COMMANDS.find((c) => c.name === name);
  const spec = sub === undefined ? top : top?.subcommands?.find((s) => s.name === sub);
  if (!spec) throw new Error(`command table: no command "${path}"`);
  return spec;
}

/** The description commander shows for an option: what it does, then its range, default and whether required. */
export function optionHelp(option: OptionSpec): string {
  const facts = optionFacts(option);
  return facts.length ? `${option.help} (${facts.join('; ')})` : option.help;
}

function toOption(spec: OptionSpec, parsers: Parsers): Option {
  const name = longName(spec);
  const option = new Option(spec.flags, optionHelp(spec));
  const parse = parsers[name] ?? (spec.integer ? parseIntegerOption(`--${name}`, spec.integer[0], spec.integer[1]) : spec.directory ? parseDirectoryOption(`--${name}`) : undefined);
  if (parse) option.argParser(parse);
  if (spec.default !== undefined) option.default(spec.default);
  if (spec.required === true) option.makeOptionMandatory();
  if (spec.hidden) option.hideHelp();
  return option;
}

/** Examples, exit codes and the docs page, after commander's option list. */
export function helpAfter(path: string, spec: CommandSpec): string {
  const lines = [''];
  if (spec.examples.length) {
    lines.push('Examples:');
    for (const e of spec.examples) lines.push(`  ${e.command}`, `      ${e.says}`);
    lines.push('');
  }
  lines.push('Exit status:');
  for (const name of ['ok', ...spec.exitCodes] as const) lines.push(`  ${String(ExitCode[name]).padStart(2)}  ${EXIT_MEANINGS[name]}`);
  lines.push('', `See ${spec.docs}, docs/exit-codes.md and man rmnetctl (the ${path} section).`);
  return lines.join('\n');
}

/**
 * Registers the command `path` under `parent` (the program, or `format` for `format set`) from the table.
 * The module adds its action to what this returns.
 */
export function defineCommand(parent: Command, path: string, parsers: Parsers = {}): Command {
  const spec = specOf(path);
  const command = parent.command(spec.name).summary(spec.summary).description(spec.description);
  for (const a of spec.arguments ?? []) command.argument(a.name, a.help);
  for (const o of optionsOf(spec)) command.addOption(toOption(o, parsers));
  command.addHelpText('after', helpAfter(path, spec));
  return command;
}
