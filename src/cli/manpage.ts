// rmnetctl(8) and rmnetctl.conf(5) in man(7) roff, from the command table (cli/command-table.ts), the exit
// codes (cli/exit-codes.ts, with the error codes of docs/exit-codes.md) and the config keys
// (session/config.ts CONFIG_KEYS). Pure: text in, text out; scripts/gen-docs.mjs writes the files at build.
import { allCommands, ENVIRONMENT, EXIT_MEANINGS, FILES, longName, optionFacts, optionsOf, shortName, valueName, type CommandSpec, type OptionSpec } from './command-table.js';
import { ExitCode } from './exit-codes.js';
import { CONFIG_KEYS, type SectionKind } from '../session/config.js';

/** Text for a roff text line: backslashes escaped, and a leading '.' or "'" kept from being a request. */
export function roffText(text: string): string {
  const escaped = text.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

/** Markdown inline code (`x`) as bold, the rest as text. */
function roffMarkdown(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? `\\fB${roffText(part)}\\fR` : roffText(part.replace(/\*\*/g, ''))))
    .join('')
    .replace(/^\\&/, '')
    .replace(/^([.'])/, '\\&$1');
}

function optionTerm(option: OptionSpec): string {
  const short = shortName(option);
  const value = valueName(option);
  return `${short ? `\\fB\\-${short}\\fR, ` : ''}\\fB\\-\\-${roffText(longName(option))}\\fR${value ? ` \\fI${roffText(value)}\\fR` : ''}`;
}

function optionItem(option: OptionSpec): string[] {
  const facts = optionFacts(option);
  return ['.TP', optionTerm(option), roffText(`${option.help}${facts.length ? ` (${facts.join('; ')})` : ''}.`)];
}

function synopsisOf(path: string, spec: CommandSpec): string {
  const args = (spec.arguments ?? []).map((a) => (a.name.startsWith('<') ? `\\fI${a.name.slice(1, -1).toUpperCase()}\\fR` : `[\\fI${a.name.slice(1, -1).toUpperCase()}\\fR]`));
  return `\\fBrmnetctl ${path}\\fR${spec.subcommands ? ` \\fB${spec.subcommands.map((s) => s.name).join('\\fR|\\fB')}\\fR` : ' [\\fIoptions\\fR]'}${args.length ? ` ${args.join(' ')}` : ''}`;
}

function paragraphs(text: string): string[] {
  return text.split('\n\n').flatMap((p, i) => [...(i > 0 ? ['.PP'] : []), roffText(p)]);
}

function example(command: string, says: string): string[] {
  return ['.PP', roffText(`${says[0]!.toUpperCase()}${says.slice(1)}:`), '.RS 4', '.nf', roffText(command), '.fi', '.RE'];
}

/** The error codes behind each exit code, from docs/exit-codes.md's table (its last column, Markdown). */
export function parseExitTable(markdown: string): Map<number, string> {
  const rows = new Map<number, string>();
  for (const line of markdown.split('\n')) {
    const cells = /^\|\s*(\d+)\s*\|/.test(line) ? line.split('|').slice(1, -1).map((c) => c.trim()) : undefined;
    if (cells && cells.length >= 4 && cells[3]) rows.set(Number(cells[0]), cells[3]);
  }
  return rows;
}

export interface ManPageInput {
  version: string;
  /** Error codes per exit code (parseExitTable of docs/exit-codes.md); without it only the meanings. */
  errorCodes?: Map<number, string>;
}

const header = (name: string, section: number, title: string, version: string) => [
  `.\\" Generated from src/cli/command-table.ts by scripts/gen-docs.mjs (npm run build): edit the table, not this file.`,
  `.TH ${name} ${section} "" "rmnetctl ${version}" "${title}"`,
  // No hyphenation: paths, options and key names must stay whole to be searched for and copied.
  '.nh',
  // Left-justified: long error-code lists and paths would otherwise stretch the spaces between words.
  '.ad l',
];

export function renderManPage(input: ManPageInput): string {
  const out: string[] = [...header('RMNETCTL', 8, 'System Administration', input.version)];
  out.push('.SH NAME', 'rmnetctl \\- own the Linux data path of Qualcomm cellular modems (qmi_wwan, rmnet, mhi_net)');
  out.push('.SH SYNOPSIS');
  for (const { path, spec } of allCommands()) if (!spec.subcommands) out.push('.br', synopsisOf(path, spec));
  out.push('.br', '\\fBrmnetctl\\fR \\fB\\-\\-version\\fR | \\fB\\-\\-help\\fR');
  out.push('.SH DESCRIPTION');
  out.push(
    roffText('rmnetctl owns the data path of Qualcomm cellular modems on upstream Linux drivers: the QMI control port, the WDA data format, the kernel mux links (qmimux or rmnet), one WDS session per PDN on its own mux link, and a supervisor (rmnetctl run) that keeps the PDNs of a config file up under systemd.'),
    '.PP',
    roffText('Results go to stdout as text, or as one JSON document with --json; logs, warnings and errors go to stderr. A failure prints one line "rmnetctl: error: ..." naming what was wrong and what to do, exits with a documented code (EXIT STATUS) and leaves nothing changed: what a command created before it failed is rolled back.'),
  );
  out.push('.SH COMMANDS');
  for (const { path, spec } of allCommands()) {
    out.push(`.SS ${synopsisOf(path, spec)}`, ...paragraphs(spec.description));
    for (const a of spec.arguments ?? []) out.push('.TP', `\\fI${a.name.slice(1, -1).toUpperCase()}\\fR`, roffText(`${a.help}.`));
    for (const option of optionsOf(spec)) if (!option.hidden) out.push(...optionItem(option));
    if (spec.subcommands) out.push('.PP', roffText(`See rmnetctl ${spec.subcommands.map((s) => `${path} ${s.name}`).join(' and rmnetctl ')} below.`));
    else {
      for (const e of spec.examples) out.push(...example(e.command, e.says));
      out.push('.PP', roffText(`Exit status: ${(['ok', ...spec.exitCodes] as const).map((name) => ExitCode[name]).join(', ')} (EXIT STATUS below). Documented at length in ${spec.docs}.`));
    }
  }
  out.push('.SH EXIT STATUS');
  out.push(roffText('Only the CLI chooses an exit code; scripts may depend on them. With --json a failure also prints {"error": {"code", "message", "category", "exitCode", ...}} on stdout.'));
  for (const [name, code] of Object.entries(ExitCode) as Array<[keyof typeof ExitCode, number]>) {
    out.push('.TP', `\\fB${code}\\fR (${name})`, roffText(`${EXIT_MEANINGS[name]}.`));
    const codes = input.errorCodes?.get(code);
    if (codes) out.push('.br', `Error codes: ${roffMarkdown(codes)}`);
  }
  out.push('.SH ENVIRONMENT');
  for (const e of ENVIRONMENT) out.push('.TP', `\\fB${e.name}\\fR`, roffText(`${e.says}.`));
  out.push('.SH FILES');
  for (const f of FILES) out.push('.TP', `\\fI${roffText(f.path)}\\fR`, roffText(`${f.says}.`));
  out.push('.SH EXAMPLES');
  for (const { spec } of allCommands()) if (!spec.subcommands) for (const e of spec.examples.slice(0, 1)) out.push(...example(e.command, e.says));
  out.push('.SH SEE ALSO', '\\fBrmnetctl.conf\\fR(5), \\fBip\\fR(8), \\fBqmicli\\fR(1), \\fBqmi\\-network\\fR(1), \\fBModemManager\\fR(8), \\fBsystemd.service\\fR(5), \\fBjournalctl\\fR(1)');
  return `${out.join('\n')}\n`;
}

const SECTION_TEXT: Record<SectionKind, string> = {
  modem: 'The modem and how to reach it. Optional with one modem; several [modem] sections (each with device =) make one run own several modems, each [pdn] belonging to the [modem] above it.',
  health: "The health defaults of every PDN (how run judges a PDN and when it starts recovery). At most one; optional. A [pdn] overrides them key by key.",
  pdn: 'One PDN on its own mux link, as rmnetctl up brings it up, with the same defaults. At least one. With several [modem] sections, a [pdn] belongs to the [modem] above it.',
  failover: 'The default-route failover across every PDN of the run that has a default route, on one modem or several (docs/health.md). At most one; optional.',
};

export function renderConfigPage(input: { version: string }): string {
  const out: string[] = [...header('RMNETCTL.CONF', 5, 'File Formats', input.version)];
  out.push('.SH NAME', 'rmnetctl.conf \\- the PDNs rmnetctl run keeps up');
  out.push('.SH SYNOPSIS', '\\fI/etc/rmnetctl/NAME.conf\\fR');
  out.push('.SH DESCRIPTION');
  out.push(
    roffText('rmnetctl run NAME (and rmnetctl@NAME.service) reads /etc/rmnetctl/NAME.conf: one or more [modem] sections (optional with one modem), one optional [health] section, one optional [failover] section and one [pdn] section per PDN. Lines are "key = value"; "#" or ";" at the start of a line or after a space begins a comment; a value may be quoted with double quotes. Section and key names are case-insensitive; a key given twice in a section, an unknown key or section, and a key before any section are refused.'),
    '.PP',
    roffText('The whole file is checked before anything is touched; an error names the file and the line (BAD_CONFIG, exit 2). The file must be owned by root and writable by nobody else (INSECURE_CONFIG, exit 5): it names the password files root will read.'),
  );
  for (const kind of ['modem', 'health', 'failover', 'pdn'] as const) {
    out.push(`.SH "[${kind}] SECTION"`, roffText(SECTION_TEXT[kind]));
    for (const key of CONFIG_KEYS.filter((k) => k.sections.includes(kind))) {
      const facts = [`values: ${key.values}`, ...(key.required ? [`required: ${key.required}`] : []), ...(key.default !== undefined ? [`default: ${key.default}`] : [])];
      out.push('.TP', `\\fB${roffText(key.key)}\\fR = \\fIvalue\\fR`, roffText(`${key.help[0]!.toUpperCase()}${key.help.slice(1)}. ${facts.join('; ')}.`));
    }
  }
  out.push('.SH EXAMPLE', '.nf', ...[
    '[modem]',
    'device = /dev/cdc-wdm0',
    '',
    '[health]',
    'probe = 192.0.2.1',
    '',
    '[pdn]',
    'mux = 1',
    'apn = internet',
    'ip-type = 4v6',
    '',
    '[pdn]',
    'mux = 2',
    'apn = ims',
    'default-route = no',
  ].map((l) => (l === '' ? '.sp' : roffText(l))), '.fi');
  out.push('.SH FILES', '.TP', '\\fI/etc/rmnetctl/NAME.conf\\fR', roffText('The config of rmnetctl@NAME.service.'));
  out.push('.SH SEE ALSO', '\\fBrmnetctl\\fR(8), \\fBsystemd.service\\fR(5)');
  return `${out.join('\n')}\n`;
}
