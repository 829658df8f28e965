// The generated man pages and completions (npm run build: dist/man, dist/completions) checked by their real
// consumers (issue 15): groff and man-db render the pages without a warning; bash and zsh complete real
// command lines. The machine's control ports, configs and interfaces come from a mount namespace of our own
// (tmpfs over /dev, /etc and /sys), so the test neither depends on nor touches the host's.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = (p: string) => join(root, 'dist', p);
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(command, args, { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 60_000 });

// What the completions read from the machine, made up inside the namespace only.
const MACHINE = [
  // A fresh /dev keeps what zsh needs: /dev/null and a pty instance of its own for zpty.
  'mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 && mkdir /dev/pts && mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts && ln -s pts/ptmx /dev/ptmx',
  ': > /dev/cdc-wdm0 && : > /dev/cdc-wdm3 && : > /dev/wwan0qmi0 && : > /dev/ttyUSB2',
  'mount -t tmpfs none /etc && mkdir /etc/rmnetctl && : > /etc/rmnetctl/lte.conf && : > /etc/rmnetctl/backup.conf && : > /etc/rmnetctl/notes.txt',
  'mount -t tmpfs none /sys && mkdir -p /sys/class/net/lo /sys/class/net/wwan0 /sys/class/net/wwan0.1',
].join(' && ');

function inMachine(script: string): { stdout: string; stderr: string; status: number | null } {
  return run('unshare', ['--mount', '--propagation', 'private', 'bash', '--norc', '--noprofile', '-c', `${MACHINE} && ${script}`]);
}

/** What bash offers for each command line (its words, the last one being completed), from one bash. */
function bashComplete(...lines: string[][]): string[][] {
  const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;
  const script = lines
    .map((words) => `echo '=='; COMP_WORDS=(${words.map(quote).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _rmnetctl; printf '%s\\n' "\${COMPREPLY[@]}"`)
    .join('; ');
  const result = inMachine(`source '${dist('completions/rmnetctl.bash')}' && ${script}`);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const sections = result.stdout.split(/^==$/m).slice(1);
  expect(sections).toHaveLength(lines.length);
  return sections.map((s) => s.split('\n').filter(Boolean).sort());
}

/** The matches zsh offers for each line, from one zsh session (compinit is slow on a small machine). */
function zshComplete(...lines: string[]): string[][] {
  const work = mkdtempSync(join(tmpdir(), 'rmnetctl-zsh-'));
  try {
    const quoted = lines.map((l) => `'${l}'`).join(' ');
    const result = inMachine(`zsh -f '${join(root, 'test/support/zsh-complete.zsh')}' '${dist('completions')}' '${join(work, 'matches')}' ${quoted}`);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const sections = result.stdout.split(/^== .*$/m).slice(1);
    expect(sections).toHaveLength(lines.length);
    return sections.map((s) => [...new Set(s.split('\n').filter(Boolean))].sort());
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe('generated files', () => {
  it('npm run build wrote the four files the Debian package ships', () => {
    for (const p of ['man/rmnetctl.8', 'man/rmnetctl.conf.5', 'completions/rmnetctl.bash', 'completions/_rmnetctl']) expect(existsSync(dist(p)), p).toBe(true);
  });
});

describe('man pages', () => {
  for (const page of ['rmnetctl.8', 'rmnetctl.conf.5']) {
    it(`${page}: groff -man -ww -z renders it without a warning`, () => {
      const result = run('groff', ['-man', '-ww', '-z', dist(`man/${page}`)]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    });

    it(`${page}: man -l renders it (man-db, MANWIDTH=80, C.UTF-8) without a warning`, () => {
      const result = run('man', ['--warnings', '-l', dist(`man/${page}`)], { MANWIDTH: '80', LC_ALL: 'C.UTF-8', MANPAGER: 'cat', PAGER: 'cat' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const text = result.stdout.replace(/.\x08/g, '');
      if (page === 'rmnetctl.8') {
        expect(text).toMatch(/^RMNETCTL\(8\)/);
        expect(text).toContain('rmnetctl up [options]');
        expect(text).toMatch(/--mux id\n\s+mux id of the PDN, in decimal \(1\.\.254; required\)\./);
        expect(text).toMatch(/EXIT STATUS[\s\S]*12 \(unhealthy\)/);
        expect(text).not.toContain('--sysfs-root');
      } else {
        expect(text).toMatch(/^RMNETCTL\.CONF\(5\)/);
        expect(text).toMatch(/\[pdn\] SECTION[\s\S]*mux = value/);
      }
      // No line wider than MANWIDTH: nothing ran off the page.
      for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    });
  }
});

describe('bash completion', () => {
  it('completes commands, options, enum values, subcommands, ports, config names and links; offers no hidden option', () => {
    const [commands, apn, backend, ipType, format, linkLayer, hiddenUp, hiddenBench, ports, cdc, configs, links, afterHidden, afterDevice] = bashComplete(
      ['rmnetctl', ''],
      ['rmnetctl', 'up', '--a'],
      ['rmnetctl', 'up', '--backend', ''],
      ['rmnetctl', 'up', '--mux', '1', '--apn', 'internet', '--ip-type', ''],
      ['rmnetctl', 'format', ''],
      ['rmnetctl', 'format', 'set', '--link-layer', ''],
      ['rmnetctl', 'up', '--s'],
      ['rmnetctl', 'bench', '--w'],
      ['rmnetctl', 'info', '-d', ''],
      ['rmnetctl', 'up', '--device', '/dev/cdc'],
      ['rmnetctl', 'run', ''],
      ['rmnetctl', 'down', 'wwan'],
      // "--state-dir X" (hidden) and "-d Y" take values: neither X nor Y is the command or its NAME.
      ['rmnetctl', 'run', '--state-dir', '/tmp/x', ''],
      ['rmnetctl', 'status', '-d', '/dev/cdc-wdm0', '--c'],
    );
    expect(commands).toEqual(['--help', '--version', '-V', '-h', 'bench', 'capture', 'doctor', 'down', 'format', 'info', 'links', 'metrics', 'modems', 'profiles', 'run', 'status', 'up']);
    expect(apn).toEqual(['--apn', '--auth']);
    expect(backend).toEqual(['auto', 'qmimux', 'rmnet']);
    expect(ipType).toEqual(['4', '4v6', '6']);
    expect(format).toEqual(['--help', '-h', 'get', 'set']);
    expect(linkLayer).toEqual(['802-3', 'raw-ip']);
    expect(hiddenUp).toEqual([]);
    expect(hiddenBench).toEqual([]);
    expect(ports).toEqual(['/dev/cdc-wdm0', '/dev/cdc-wdm3', '/dev/wwan0qmi0']);
    expect(cdc).toEqual(['/dev/cdc-wdm0', '/dev/cdc-wdm3']);
    expect(configs).toEqual(['backup', 'lte']);
    expect(links).toEqual(['wwan0', 'wwan0.1']);
    expect(afterHidden).toEqual(['backup', 'lte']);
    expect(afterDevice).toEqual(['--check']);
  }, 120_000);
});

describe('zsh completion', () => {
  it('parses (zsh -n)', () => {
    const result = run('zsh', ['-n', dist('completions/_rmnetctl')]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('completes commands, options, enum values, subcommands, ports and config names in a real zsh (zpty)', () => {
    const [commands, apn, backend, format, linkLayer, hidden, ports, configs] = zshComplete(
      'rmnetctl ',
      'rmnetctl up --a',
      'rmnetctl up --backend ',
      'rmnetctl format ',
      'rmnetctl format set --link-layer ',
      'rmnetctl up --s',
      'rmnetctl info -d ',
      'rmnetctl run ',
    );
    expect(commands).toEqual(['bench', 'capture', 'doctor', 'down', 'format', 'info', 'links', 'metrics', 'modems', 'profiles', 'run', 'status', 'up']);
    expect(apn).toEqual(['--apn', '--auth']);
    expect(backend).toEqual(['auto', 'qmimux', 'rmnet']);
    expect(format).toEqual(['get', 'set']);
    expect(linkLayer).toEqual(['802-3', 'raw-ip']);
    expect(hidden).toEqual([]);
    expect(ports).toEqual(['/dev/cdc-wdm0', '/dev/cdc-wdm3', '/dev/wwan0qmi0']);
    expect(configs).toEqual(['backup', 'lte']);
  }, 120_000);
});
