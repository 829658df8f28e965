// Issue 15: the Debian package installs, runs and uninstalls cleanly in a clean Debian root. The root is
// debootstrap's minbase trixie (scripts/clean-root.sh: cached per day, with man-db, systemd, bash-completion
// and zsh for the checks below, nothing rmnetctl depends on), under an overlay so every run starts from the
// same tree. apt-get resolves the package's Depends from Debian's archive (its Recommends in a simulation);
// the root's own man-db, systemd, bash and zsh judge the man pages, the unit and the completions. Needs root
// (chroot, mounts) and Debian's archive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const project = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { version: string };
const minutes = 60_000;

function run(file: string, args: string[], timeout = 10 * minutes): SpawnSyncReturns<string> {
  return spawnSync(file, args, { cwd: project, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${what} exited ${result.status}:\n${result.stderr}${result.stdout}`.slice(0, 4000));
  return result.stdout.trim();
}

let deb = '';
let runDir = '';
let merged = '';
const mounted: string[] = [];
const timings: Record<string, number> = {};

function timed<T>(name: string, step: () => T): T {
  const start = Date.now();
  try {
    return step();
  } finally {
    timings[name] = (Date.now() - start) / 1000;
  }
}

/** A command inside the root, with a clean environment (nothing of this host's PATH or locale). */
function inRoot(argv: string[], timeout = 5 * minutes): SpawnSyncReturns<string> {
  return spawnSync('chroot', [merged, ...argv], {
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 << 20,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive', HOME: '/root' },
  });
}

/**
 * Every path in the root but apt's and dpkg's own bookkeeping, caches and logs (they change on any install
 * and removal) and /tmp and /run (tmpfs on a booted system; systemd-analyze leaves a marker in /run).
 * /proc is another file system (-xdev).
 */
function tree(): string[] {
  const volatile = /^\/(tmp|run|var\/cache|var\/log|var\/lib\/apt|var\/lib\/dpkg)(\/|$)/;
  return ok(inRoot(['find', '/', '-xdev']), 'find in the root').split('\n').filter((p) => !volatile.test(p)).sort();
}

describe('the Debian package in a clean trixie root', () => {
  beforeAll(() => {
    timed('package-deb.sh', () => {
      deb = join(project, ok(run('bash', ['scripts/package-deb.sh', '--no-build']), 'scripts/package-deb.sh').split('\n').pop()!);
    });
    const lower = timed('clean-root.sh (debootstrap or cache)', () => ok(run('bash', ['scripts/clean-root.sh', 'trixie']), 'scripts/clean-root.sh'));
    mkdirSync(join(project, 'lab', '.cache', 'clean-root'), { recursive: true });
    runDir = mkdtempSync(join(project, 'lab', '.cache', 'clean-root', 'run-'));
    merged = join(runDir, 'merged');
    for (const d of ['upper', 'work', 'merged']) mkdirSync(join(runDir, d));
    ok(run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${runDir}/upper,workdir=${runDir}/work`, merged]), 'mount overlay');
    mounted.unshift(merged);
    ok(run('mount', ['-t', 'proc', 'proc', join(merged, 'proc')]), 'mount /proc');
    mounted.unshift(join(merged, 'proc'));
  }, 15 * minutes);

  afterAll(() => {
    // /proc first, then the overlay; a busy mount is detached lazily so the run directory can go.
    for (const m of mounted) if (run('umount', [m]).status !== 0) run('umount', ['-l', m]);
    if (runDir) rmSync(runDir, { recursive: true, force: true });
    console.log(`package test timings (s): ${JSON.stringify(timings)}`);
  });

  it('lintian reports no error', () => {
    const result = timed('lintian', () => run('lintian', ['--fail-on', 'error', '--no-tag-display-limit', deb]));
    expect(result.stdout + result.stderr).not.toMatch(/^E: /m);
    expect(result.status).toBe(0);
  }, 5 * minutes);

  const before: string[] = [];
  let files: string[] = [];

  it('apt-get installs it with its Depends from Debian, and the tools the checks need came with the root', () => {
    before.push(...tree());
    // nodejs must come from the archive through Depends, not from the cached root.
    expect(inRoot(['dpkg-query', '-W', '-f', '${Status}', 'nodejs']).stdout).not.toContain('install ok installed');
    copyFileSync(deb, join(merged, 'tmp', basename(deb)));
    const local = `/tmp/${basename(deb)}`;
    // Recommends resolve in trixie too (a simulation: installing them would leave packages that autoremove
    // keeps because other packages recommend them, and the tree could not be compared after the purge).
    const simulated = ok(inRoot(['apt-get', 'install', '-s', '-q', local]), 'apt-get install -s');
    for (const recommended of ['iputils-ping', 'kmod', 'systemd-resolved']) expect(simulated).toMatch(new RegExp(`^Inst ${recommended} `, 'm'));
    timed('apt-get install', () => ok(inRoot(['apt-get', 'install', '-y', '-q', '--no-install-recommends', local], 10 * minutes), 'apt-get install'));
    expect(ok(inRoot(['dpkg-query', '-W', '-f', '${Status} ${Version}', 'rmnetctl']), 'dpkg-query')).toBe(`install ok installed ${version}`);
    expect(inRoot(['dpkg-query', '-W', '-f', '${Status}', 'nodejs']).stdout).toBe('install ok installed');
    files = ok(inRoot(['dpkg-query', '-L', 'rmnetctl']), 'dpkg -L').split('\n');
    expect(files).toEqual(expect.arrayContaining(['/usr/bin/rmnetctl', '/usr/lib/systemd/system/rmnetctl@.service', '/usr/share/man/man8/rmnetctl.8.gz']));
  }, 12 * minutes);

  it('rmnetctl --version prints package.json\'s version', () => {
    expect(ok(inRoot(['rmnetctl', '--version']), 'rmnetctl --version')).toBe(version);
  });

  it('rmnetctl modems --json and links --json are JSON (the addon loads from /usr/lib/rmnetctl)', () => {
    const modems = JSON.parse(ok(inRoot(['rmnetctl', 'modems', '--json']), 'rmnetctl modems --json')) as { modems: unknown[] };
    expect(Array.isArray(modems.modems)).toBe(true);
    // links reads rtnetlink through the addon's socket; without the addon it still answers, with a warning
    // on stderr ("netlink unavailable ... native addon not built"), so stderr must be empty.
    const result = inRoot(['rmnetctl', 'links', '--json']);
    const links = JSON.parse(ok(result, 'rmnetctl links --json')) as { links: unknown[] };
    expect(Array.isArray(links.links)).toBe(true);
    expect(result.stderr).toBe('');
  });

  it('man -l renders both installed pages without a groff warning, and man finds them by name', () => {
    for (const page of ['/usr/share/man/man8/rmnetctl.8.gz', '/usr/share/man/man5/rmnetctl.conf.5.gz']) {
      const result = inRoot(['man', '--warnings', '-l', page]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^NAME\n\s+rmnetctl/m);
    }
    expect(ok(inRoot(['man', '-w', '8', 'rmnetctl']), 'man -w')).toBe('/usr/share/man/man8/rmnetctl.8.gz');
    expect(ok(inRoot(['man', '-w', '5', 'rmnetctl.conf']), 'man -w')).toBe('/usr/share/man/man5/rmnetctl.conf.5.gz');
  });

  it('bash-completion loads the installed completion by command name, and it completes a command', () => {
    // The loader finds completions/<command> on demand: a file under another name or directory never loads.
    const script = [
      'source /usr/share/bash-completion/bash_completion',
      '_comp_load rmnetctl 2>/dev/null || _completion_loader rmnetctl',
      'spec=$(complete -p rmnetctl) || exit 3',
      'fn=${spec#*-F }; fn=${fn%% *}',
      'COMP_WORDS=(rmnetctl u); COMP_CWORD=1; COMP_LINE="rmnetctl u"; COMP_POINT=${#COMP_LINE}',
      '"$fn" rmnetctl u rmnetctl',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const replies = ok(inRoot(['bash', '-c', script]), 'bash completion').split('\n');
    expect(replies).toContain('up');
    expect(replies.every((r) => r.startsWith('u'))).toBe(true);
  });

  it('zsh\'s compinit finds _rmnetctl in vendor-completions', () => {
    // -f: no rc files, so only the fpath Debian's zsh is built with (it includes vendor-completions).
    const found = inRoot(['zsh', '-fc', 'autoload -Uz compinit && compinit -u -d /tmp/zcompdump && print -r -- ${_comps[rmnetctl]}']);
    expect(ok(found, 'zsh compinit')).toBe('_rmnetctl');
  });

  it('systemd-analyze verify (the root\'s systemd) accepts the installed unit, and rejects a broken copy', () => {
    const result = timed('systemd-analyze verify', () => inRoot(['systemd-analyze', 'verify', 'rmnetctl@lte.service']));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // The check can fail: the same unit with an ExecStart that does not exist.
    const unit = readFileSync(join(merged, 'usr/lib/systemd/system/rmnetctl@.service'), 'utf8');
    mkdirSync(join(merged, 'tmp/units'), { recursive: true });
    writeFileSync(join(merged, 'tmp/units/broken@.service'), unit.replace('ExecStart=/usr/bin/rmnetctl', 'ExecStart=/usr/bin/rmnetctl-missing'));
    const broken = inRoot(['systemd-analyze', 'verify', '/tmp/units/broken@lte.service']);
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toContain('rmnetctl-missing');
  });

  it('apt-get purge --autoremove leaves no file of the package and the tree as it was before', () => {
    expect(files.length).toBeGreaterThan(0);
    timed('apt-get purge', () => ok(inRoot(['apt-get', 'purge', '-y', '-q', '--autoremove', 'rmnetctl'], 10 * minutes), 'apt-get purge'));
    expect(inRoot(['dpkg-query', '-W', '-f', '${Status}', 'rmnetctl']).stdout).not.toContain('installed');
    const after = new Set(tree());
    const mine = files.filter((f) => f.includes('rmnetctl'));
    expect(mine.filter((f) => after.has(f))).toEqual([]);
    const was = new Set(before);
    const added = [...after].filter((p) => !was.has(p));
    expect(added).toEqual([]);
  }, 12 * minutes);
});
