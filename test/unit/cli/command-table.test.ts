// The command table is the one source of the CLI's surface (issue 15): commander's registration, --help,
// rmnetctl(8) and both completions carry every command and every non-hidden option of it, and no hidden one.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { allCommands, COMMANDS, longName, optionsOf, shortName, type OptionSpec } from '../../../src/cli/command-table.js';
import { commands } from '../../../src/cli/commands/index.js';
import { ExitCode } from '../../../src/cli/exit-codes.js';
import { parseExitTable, renderConfigPage, renderManPage } from '../../../src/cli/manpage.js';
import { renderBash, renderZsh } from '../../../src/cli/completion.js';
import { CONFIG_KEYS } from '../../../src/session/config.js';
import { HEALTH_KEYS } from '../../../src/health/settings.js';
import { setLogLevel, log } from '../../../src/cli/output.js';
import { cli } from '../../support/cli.js';

const exitDocs = readFileSync(fileURLToPath(new URL('../../../docs/exit-codes.md', import.meta.url)), 'utf8');
const man = renderManPage({ version: '0.0.0-test', errorCodes: parseExitTable(exitDocs) });
const bash = renderBash();
const zsh = renderZsh();
/** rmnetctl(8) up to EXIT STATUS: the synopsis and every command with its options. */
const manOptions = man.slice(0, man.indexOf('.SH EXIT STATUS'));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** An option's long name as a whole word (--password must not match inside --password-file). */
const word = (name: string, dash = '--') => new RegExp(`${escape(dash)}${escape(name)}(?![\\w-])`);

const leaves = allCommands().filter(({ spec }) => !spec.subcommands);
const hidden = leaves.flatMap(({ path, spec }) => optionsOf(spec).filter((o) => o.hidden).map((o) => ({ path, o })));

describe('the command table', () => {
  it('has a hidden option or more to check the hiding with, and examples and exit codes for every command', () => {
    expect(hidden.map(({ o }) => longName(o))).toEqual(expect.arrayContaining(['sysfs-root', 'state-dir', 'password', 'worker']));
    for (const { path, spec } of allCommands()) {
      expect(spec.examples.length, path).toBeGreaterThanOrEqual(2);
      expect(spec.examples.length, path).toBeLessThanOrEqual(3);
      expect(spec.exitCodes.length, path).toBeGreaterThan(0);
      expect(spec.docs, path).toMatch(/^docs\/[\w-]+\.md/);
    }
  });

  it('is what commander registers: the same options, command by command (hidden ones included)', async () => {
    const program = new Command('rmnetctl');
    const context = { run: async () => {} };
    for (const c of commands) (await c.load())(program, context);
    expect(program.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
    for (const { path, spec } of allCommands()) {
      const [top, sub] = path.split(' ');
      let command = program.commands.find((c) => c.name() === top)!;
      if (sub) command = command.commands.find((c) => c.name() === sub)!;
      expect(command.options.map((o) => o.long), path).toEqual(optionsOf(spec).map((o) => `--${longName(o)}`));
      expect(command.options.map((o) => o.short ?? null), path).toEqual(optionsOf(spec).map((o) => (shortName(o) ? `-${shortName(o)}` : null)));
      expect(command.options.filter((o) => o.hidden).map((o) => o.long), path).toEqual(optionsOf(spec).filter((o) => o.hidden).map((o) => `--${longName(o)}`));
    }
  });

  it('-j is --json on every command that has --json; -v/-q on every command; -p/--no-proxy wherever a control port is opened', () => {
    for (const { path, spec } of leaves) {
      const names = optionsOf(spec).map((o) => o.flags);
      if (names.some((f) => f.includes('--json'))) expect(names, path).toContain('-j, --json');
      expect(names, path).toEqual(expect.arrayContaining(['-v, --verbose', '-q, --quiet']));
      if (names.some((f) => f.includes('--proxy'))) expect(names, path).toEqual(expect.arrayContaining(['-p, --proxy', '--no-proxy']));
      if (names.some((f) => f.includes('--device'))) expect(names, path).toContain('-d, --device <modem>');
    }
    const portCommands = ['info', 'format get', 'format set', 'profiles', 'up', 'down', 'status', 'doctor', 'metrics'];
    for (const path of portCommands) expect(optionsOf(allCommands().find((c) => c.path === path)!.spec).map((o) => o.flags), path).toContain('-p, --proxy');
  });
});

describe('generated from the table', () => {
  for (const { path, spec } of leaves) {
    const visible = optionsOf(spec).filter((o) => !o.hidden);
    const hiddenHere = optionsOf(spec).filter((o) => o.hidden);

    it(`${path}: --help shows every visible option with its facts, examples, exit codes and docs, and no hidden one`, async () => {
      const result = await cli(...path.split(' '), '--help');
      expect(result.code).toBe(0);
      const help = result.stdout.replace(/\s+/g, ' ');
      for (const o of visible) expect(help, `--${longName(o)}`).toMatch(word(longName(o)));
      for (const o of hiddenHere) expect(help, `--${longName(o)}`).not.toMatch(word(longName(o)));
      for (const e of spec.examples) expect(help).toContain(e.command);
      for (const name of spec.exitCodes) expect(help).toMatch(new RegExp(` ${ExitCode[name]} `));
      expect(help).toContain(spec.docs);
      const ranged = visible.find((o) => o.integer);
      if (ranged) expect(help).toContain(`${ranged.integer![0]}..${ranged.integer![1]}`);
    });

    it(`${path}: rmnetctl(8), bash and zsh completion list every visible option, no hidden one`, () => {
      // In roff every hyphen of an option is \- (a minus, so man(1) searches and copies find it).
      const roff = (o: OptionSpec) => new RegExp(`\\\\-\\\\-${escape(longName(o).replace(/-/g, '\\-'))}(?!\\w|\\\\-)`);
      for (const o of visible) {
        expect(man, `man: --${longName(o)}`).toMatch(roff(o));
        expect(bash, `bash: --${longName(o)}`).toMatch(word(longName(o)));
        expect(zsh, `zsh: --${longName(o)}`).toMatch(word(longName(o)));
      }
      for (const o of hiddenHere) {
        // Not offered as an option (the error-code prose quoted from docs/exit-codes.md may name one).
        expect(manOptions, `man: --${longName(o)}`).not.toMatch(roff(o));
        // bash keeps the value-taking hidden ones in its word skipper only (so `--state-dir X` is not a command).
        const offered = bash.split('\n').filter((l) => l.includes('compgen -W') || l.includes(') COMPREPLY'));
        expect(offered.join('\n'), `bash: --${longName(o)}`).not.toMatch(word(longName(o)));
        expect(zsh, `zsh: --${longName(o)}`).not.toMatch(word(longName(o)));
      }
    });
  }

  it('rmnetctl(8) names every command, every exit code with its meaning and error codes, the files and environment', () => {
    for (const { path } of allCommands()) expect(man).toContain(`.SS \\fBrmnetctl ${path}\\fR`);
    for (const [name, code] of Object.entries(ExitCode)) expect(man).toContain(`.TP\n\\fB${code}\\fR (${name})`);
    expect(man).toContain('\\fBDEVICE_NOT_FOUND\\fR');
    expect(man).toMatch(/\.SH FILES[\s\S]*\/etc\/rmnetctl\/NAME\.conf[\s\S]*\/run\/rmnetctl/);
    expect(man).toMatch(/\.SH ENVIRONMENT[\s\S]*RMNETCTL_DEBUG[\s\S]*JOURNAL_STREAM/);
    expect(man).toMatch(/\.SH SEE ALSO\n.*rmnetctl\.conf\\fR\(5\)/);
  });

  it('docs/exit-codes.md and cli/exit-codes.ts list the same codes', () => {
    expect([...parseExitTable(exitDocs).keys()].concat(0).sort((a, b) => a - b)).toEqual((Object.values(ExitCode) as number[]).filter((c) => c !== 0).concat(0).sort((a, b) => a - b));
  });

  it('rmnetctl.conf(5) has every config key under each section that takes it; the [health] keys are the health module\'s', () => {
    const page = renderConfigPage({ version: '0.0.0-test' });
    for (const key of CONFIG_KEYS) for (const section of key.sections) expect(page).toMatch(new RegExp(`\\.SH "\\[${section}\\] SECTION"[^]*?\\.TP\\n\\\\fB${escape(key.key.replace(/-/g, '\\-'))}\\\\fR`));
    expect(CONFIG_KEYS.filter((k) => k.sections.includes('health')).map((k) => k.key).sort()).toEqual([...HEALTH_KEYS].sort());
  });

  it('roff text never starts a line with a dot or quote that is not a request', () => {
    for (const page of [man, renderConfigPage({ version: '0' })]) {
      for (const line of page.split('\n')) if (/^[.']/.test(line)) expect(line, line).toMatch(/^(\.(TH|SH|SS|TP|PP|br|RS|RE|nf|fi|sp|nh|ad)\b|\.\\")/);
    }
  });
});

describe('the top-level help, from the table alone', () => {
  it('lists every command with its summary, and where to read more', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    const help = result.stdout.replace(/\s+/g, ' ');
    for (const spec of COMMANDS) expect(help).toContain(`${spec.name} `);
    expect(help).toContain(COMMANDS.find((c) => c.name === 'bench')!.summary);
    expect(help).toContain('man rmnetctl');
  });

  it('a command that is not the first argument is refused with one line saying so', async () => {
    const result = await cli('--', 'status');
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toBe('rmnetctl: error: the command comes first: rmnetctl status [options] (see rmnetctl status --help)\n');
  });
});

describe('-v, -q, -j', () => {
  const fixture = fileURLToPath(new URL('../../fixtures/sysfs/rawip/sys', import.meta.url));

  it('-j gives the same JSON as --json', async () => {
    const long = await cli('modems', '--json', '--sysfs-root', fixture);
    const short = await cli('modems', '-j', '--sysfs-root', fixture);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(long.stdout);
    expect(JSON.parse(short.stdout).modems[0].device).toBe('/dev/cdc-wdm0');
  });

  it('-v with -q is refused as a contradiction, with one line', async () => {
    const result = await cli('modems', '-v', '-q', '--sysfs-root', fixture);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toBe('rmnetctl: error: --verbose and --quiet contradict each other: give one (see rmnetctl modems --help)\n');
  });

  it('quiet drops info lines but keeps warnings; verbose adds debug lines; only on stderr', () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    const saved = process.env.RMNETCTL_DEBUG;
    delete process.env.RMNETCTL_DEBUG;
    try {
      for (const level of ['quiet', 'normal', 'verbose'] as const) {
        setLogLevel(level);
        log.info(`${level} info`);
        log.info(`warning: ${level} session warning`);
        log.warning(`${level} warning`);
        log.debug(`${level} debug`);
      }
    } finally {
      process.stderr.write = write;
      setLogLevel('normal');
      if (saved !== undefined) process.env.RMNETCTL_DEBUG = saved;
    }
    expect(lines).toEqual([
      'rmnetctl: warning: quiet session warning\n', 'rmnetctl: warning: quiet warning\n',
      'rmnetctl: normal info\n', 'rmnetctl: warning: normal session warning\n', 'rmnetctl: warning: normal warning\n',
      'rmnetctl: verbose info\n', 'rmnetctl: warning: verbose session warning\n', 'rmnetctl: warning: verbose warning\n', 'rmnetctl[debug]: verbose debug\n',
    ]);
  });

  it('hidden options are still accepted', async () => {
    const result = await cli('modems', '--sysfs-root', fixture);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('/dev/cdc-wdm0');
  });

  it('--metric with --no-default-route is refused as a conflict, naming both', async () => {
    const result = await cli('up', '--mux', '1', '--apn', 'internet', '--metric', '50', '--no-default-route', '--sysfs-root', fixture, '-j');
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('--metric sets the default route\'s metric, but --no-default-route asks for none');
    expect(JSON.parse(result.stdout).error.code).toBe('BAD_ARGUMENT');
  });
});

describe('an option given twice or with its negation, short forms included', () => {
  it.each([
    [['status', '-p', '--no-proxy'], '-p and --no-proxy contradict each other: give one'],
    [['status', '--no-proxy', '-p'], '--no-proxy and -p contradict each other: give one'],
    [['modems', '-j', '--json'], '-j and --json are the same option: give it once'],
    [['status', '-jv', '-j'], '-j is given twice: give it once'],
    [['status', '-dwwan0', '--device', 'wwan1'], '-d and --device are the same option: give it once'],
    [['up', '--mux', '1', '--mux', '2'], '--mux is given twice: give it once'],
  ])('%j is refused: one line, exit 2, nothing done', async (args, message) => {
    const result = await cli(...args);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toMatch(new RegExp(`^rmnetctl: error: ${escape(message)} \\(see rmnetctl \\w+ --help\\)\\n$`));
  });

  it('takes a value that looks like an option as the value (-d -p: -p is the modem), as commander does', async () => {
    const fixture = fileURLToPath(new URL('../../fixtures/sysfs/rawip/sys', import.meta.url));
    const result = await cli('status', '-d', '-p', '-p', '--sysfs-root', fixture, '--state-dir', fixture);
    expect(result.stderr).not.toContain('given twice');
  });
});
