// bash and zsh completion scripts from the command table (cli/command-table.ts): commands, each command's
// options, enum values, and what the machine has for -d (control ports), run NAME (/etc/rmnetctl/*.conf) and
// LINK (network interfaces). Pure; scripts/gen-docs.mjs writes them at build.
import { allCommands, COMMANDS, longName, optionsOf, shortName, valueName, type Completion, type OptionSpec } from './command-table.js';

const visible = (options: readonly OptionSpec[]) => options.filter((o) => !o.hidden);
const namesOf = (o: OptionSpec) => [...(shortName(o) ? [`-${shortName(o)}`] : []), `--${longName(o)}`];
/** A word safe inside single quotes in both shells. */
const quoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

const BASH_VALUES: Record<Completion, string> = {
  device: 'COMPREPLY=($(compgen -W "$(_rmnetctl_devices)" -- "$cur"))',
  config: 'COMPREPLY=($(compgen -W "$(_rmnetctl_configs)" -- "$cur"))',
  link: 'COMPREPLY=($(compgen -W "$(_rmnetctl_links)" -- "$cur"))',
  file: 'COMPREPLY=($(compgen -f -- "$cur"))',
  directory: 'COMPREPLY=($(compgen -d -- "$cur"))',
};

export function renderBash(): string {
  const out = [
    '# bash completion for rmnetctl(8). Generated from src/cli/command-table.ts by scripts/gen-docs.mjs',
    '# (npm run build): edit the table, not this file.',
    '',
    '_rmnetctl_devices() {',
    '  local d',
    '  for d in /dev/cdc-wdm* /dev/wwan*qmi*; do [ -e "$d" ] && printf "%s\\n" "$d"; done',
    '}',
    '_rmnetctl_configs() {',
    '  local f',
    '  for f in /etc/rmnetctl/*.conf; do [ -e "$f" ] || continue; f=${f##*/}; printf "%s\\n" "${f%.conf}"; done',
    '}',
    '_rmnetctl_links() {',
    '  local n',
    '  for n in /sys/class/net/*; do [ -e "$n" ] && [ "${n##*/}" != lo ] && printf "%s\\n" "${n##*/}"; done',
    '}',
    '',
    '# The options of a command that take a value (their next word is not a command or argument).',
    '_rmnetctl_takes_value() {',
    '  case "$1:$2" in',
  ];
  for (const { path, spec } of allCommands()) {
    const valued = optionsOf(spec).filter((o) => valueName(o) !== undefined).flatMap(namesOf);
    if (valued.length) out.push(`    ${quoted(path)}:${valued.map((n) => n).join(`|${quoted(path)}:`)}) return 0 ;;`);
  }
  out.push('  esac', '  return 1', '}', '');
  out.push(
    '_rmnetctl() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}',
    '  local cmd="" word i positional=0',
    '  COMPREPLY=()',
    '  # Which command is being completed: the first word that is not an option, and for format its subcommand.',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word=${COMP_WORDS[i]}',
    '    case $word in',
    '      -*) _rmnetctl_takes_value "$cmd" "$word" && ((i++)) ;;',
    '      *)',
    '        if [ -z "$cmd" ]; then cmd=$word',
    `        elif [ "$cmd" = format ]; then cmd="format $word"`,
    '        else ((positional++))',
    '        fi ;;',
    '    esac',
    '  done',
    '  case $cmd in',
    `    '') COMPREPLY=($(compgen -W ${quoted([...COMMANDS.map((c) => c.name), '-h', '--help', '-V', '--version'].join(' '))} -- "$cur")); return 0 ;;`,
  );
  for (const spec of COMMANDS) if (spec.subcommands) out.push(`    ${quoted(spec.name)}) COMPREPLY=($(compgen -W ${quoted([...spec.subcommands.map((s) => s.name), '-h', '--help'].join(' '))} -- "$cur")); return 0 ;;`);
  out.push('  esac', '  # The value of the option before the cursor.', '  case "$cmd:$prev" in');
  for (const { path, spec } of allCommands()) {
    for (const o of visible(optionsOf(spec))) {
      if (valueName(o) === undefined) continue;
      const keys = namesOf(o).map((n) => `${quoted(path)}:${n}`).join('|');
      const action = o.values ? `COMPREPLY=($(compgen -W ${quoted(o.values.join(' '))} -- "$cur"))` : o.complete ? BASH_VALUES[o.complete] : ':';
      out.push(`    ${keys}) ${action}; return 0 ;;`);
    }
  }
  out.push('  esac', '  if [[ $cur == -* ]]; then', '    case $cmd in');
  for (const { path, spec } of allCommands()) {
    if (spec.subcommands) continue;
    out.push(`      ${quoted(path)}) COMPREPLY=($(compgen -W ${quoted([...visible(optionsOf(spec)).flatMap(namesOf), '-h', '--help'].join(' '))} -- "$cur")) ;;`);
  }
  out.push('    esac', '    return 0', '  fi', '  # Arguments.', '  case "$cmd:$positional" in');
  for (const { path, spec } of allCommands()) {
    (spec.arguments ?? []).forEach((a, index) => {
      if (a.complete) out.push(`    ${quoted(`${path}:${index}`)}) ${BASH_VALUES[a.complete]} ;;`);
    });
  }
  out.push('  esac', '  return 0', '}', 'complete -F _rmnetctl rmnetctl', '');
  return out.join('\n');
}

const ZSH_VALUES: Record<Completion, string> = {
  device: '_rmnetctl_devices',
  config: '_rmnetctl_configs',
  link: '_rmnetctl_links',
  file: '_files',
  directory: '_files -/',
};

/** Text inside an _arguments description ([...]) or message: no brackets or colons to end it early. */
const zshText = (text: string) => text.replace(/\\/g, '\\\\').replace(/\[/g, '(').replace(/\]/g, ')').replace(/:/g, '\\:');

function zshOption(o: OptionSpec, all: readonly OptionSpec[]): string {
  const names = namesOf(o);
  // A negatable pair excludes itself and its other half (--proxy / --no-proxy).
  const long = longName(o);
  const partner = all.find((p) => longName(p) === (long.startsWith('no-') ? long.slice(3) : `no-${long}`));
  const exclusions = [...names, ...(partner ? namesOf(partner) : [])].join(' ');
  const value = valueName(o);
  const action = value === undefined ? '' : `:${zshText(value)}:${o.values ? `(${o.values.join(' ')})` : o.complete ? ZSH_VALUES[o.complete] : ' '}`;
  const spec = `[${zshText(o.help)}]${action}`;
  return names.length > 1 ? `${quoted(`(${exclusions})`)}{${names.join(',')}}${quoted(spec)}` : quoted(`(${exclusions})${names[0]}${spec}`);
}

export function renderZsh(): string {
  const fn = (path: string) => `_rmnetctl_${path.replace(/ /g, '_')}`;
  const out = [
    '#compdef rmnetctl',
    '# zsh completion for rmnetctl(8). Generated from src/cli/command-table.ts by scripts/gen-docs.mjs',
    '# (npm run build): edit the table, not this file.',
    '',
    '_rmnetctl_devices() { local -a ports; ports=(/dev/cdc-wdm*(N) /dev/wwan*qmi*(N)); _describe -t ports "QMI control port" ports }',
    '_rmnetctl_configs() { local -a names; names=(/etc/rmnetctl/*.conf(N:t:r)); _describe -t configs "config name" names }',
    '_rmnetctl_links() { local -a links; links=(/sys/class/net/*(N:t)); links=(${links:#lo}); _describe -t links "network interface" links }',
    '',
  ];
  for (const { path, spec } of allCommands()) {
    if (spec.subcommands) {
      out.push(`${fn(path)}() {`, '  local curcontext=$curcontext state line', '  local -a subcommands', `  subcommands=(${spec.subcommands.map((s) => quoted(`${s.name}:${zshText(s.summary)}`)).join(' ')})`);
      out.push("  _arguments -C '1:subcommand:->sub' '*::arg:->args'", '  case $state in', '    sub) _describe -t commands "rmnetctl format subcommand" subcommands ;;', '    args)', '      case $words[1] in');
      for (const s of spec.subcommands) out.push(`        ${s.name}) ${fn(`${path} ${s.name}`)} ;;`);
      out.push('      esac ;;', '  esac', '}', '');
      continue;
    }
    const options = visible(optionsOf(spec));
    const args = (spec.arguments ?? []).map((a, i) => quoted(`${i + 1}:${a.name.startsWith('[') ? ':' : ''}${zshText(a.name.slice(1, -1))}:${a.complete ? ZSH_VALUES[a.complete] : ' '}`));
    out.push(`${fn(path)}() {`, '  _arguments -s \\', ...[...options.map((o) => zshOption(o, options)), "'(- *)'{-h,--help}'[show help]'", ...args].map((l, i, a) => `    ${l}${i < a.length - 1 ? ' \\' : ''}`), '}', '');
  }
  out.push(
    '_rmnetctl() {',
    '  local curcontext=$curcontext state line',
    '  local -a commands',
    `  commands=(${COMMANDS.map((c) => quoted(`${c.name}:${zshText(c.summary)}`)).join(' ')})`,
    "  _arguments -C '(- *)'{-h,--help}'[show help]' '(- *)'{-V,--version}'[show the version]' '1:command:->command' '*::arg:->args'",
    '  case $state in',
    '    command) _describe -t commands "rmnetctl command" commands ;;',
    '    args)',
    '      case $words[1] in',
  );
  for (const c of COMMANDS) out.push(`        ${c.name}) ${fn(c.name)} ;;`);
  out.push('      esac ;;', '  esac', '}', '', '_rmnetctl "$@"', '');
  return out.join('\n');
}
