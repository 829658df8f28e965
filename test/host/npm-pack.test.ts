// Issue 15: `npm pack` makes a tarball that `npm install -g` installs offline on a machine with a compiler
// (its install script builds the addon with node-gyp against /usr/include/node; commander is bundled), and
// the installed rmnetctl runs. The tarball carries what the CLI, the addon build and `man` need, no tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const project = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { version: string };

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${what} exited ${result.status}:\n${result.stderr}${result.stdout}`.slice(0, 4000));
  return result.stdout.trim();
}

let dir = '';
let tarball = '';
let prefix = '';

describe('npm pack, then npm install -g from the tarball', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rmnetctl-pack-'));
    // --ignore-scripts: prepack would rebuild dist/ under the other test files' feet; setup.sh built it.
    const packed = JSON.parse(
      ok(spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: project, encoding: 'utf8' }), 'npm pack'),
    ) as { filename: string }[];
    tarball = join(dir, packed[0]!.filename);
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('carries the launcher, bundle, man pages, completions and addon sources, and no tests', () => {
    const files = ok(spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }), 'tar -t').split('\n').map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining([
      'bin/rmnetctl.js', 'dist/bundle/rmnetctl.mjs', 'dist/man/rmnetctl.8', 'dist/man/rmnetctl.conf.5',
      'dist/completions/rmnetctl.bash', 'dist/completions/_rmnetctl', 'native/src/addon.c', 'binding.gyp',
      'systemd/rmnetctl@.service', 'node_modules/commander/package.json',
    ]));
    expect(files.filter((f) => /^(test|dist\/test|build|lab|bench|src|scripts)\//.test(f))).toEqual([]);
  });

  it('installs offline with its addon built, and runs', () => {
    prefix = join(dir, 'prefix');
    const install = spawnSync('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 300_000,
      // node-gyp takes Node's headers from /usr/include/node instead of downloading them.
      env: { ...process.env, npm_config_nodedir: '/usr' },
    });
    ok(install, 'npm install -g');
    const installed = join(prefix, 'lib', 'node_modules', 'rmnetctl');
    expect(existsSync(join(installed, 'build', 'Release', 'rmnetctl_native.node'))).toBe(true);
    const bin = join(prefix, 'bin', 'rmnetctl');
    expect(ok(spawnSync(bin, ['--version'], { encoding: 'utf8' }), 'rmnetctl --version')).toBe(version);
    const modems = JSON.parse(ok(spawnSync(bin, ['modems', '--json'], { encoding: 'utf8' }), 'rmnetctl modems --json')) as { modems: unknown[] };
    expect(Array.isArray(modems.modems)).toBe(true);
    // links reads rtnetlink through the addon the install script just built; without it, links still answers
    // but warns on stderr ("native addon not built"), so stderr must be empty.
    const linksRun = spawnSync(bin, ['links', '--json'], { encoding: 'utf8' });
    const links = JSON.parse(ok(linksRun, 'rmnetctl links --json')) as { links: unknown[] };
    expect(Array.isArray(links.links)).toBe(true);
    expect(linksRun.stderr).toBe('');
    // package.json "man": npm links the pages under the prefix, where `man` finds them.
    expect(readdirSync(join(prefix, 'share', 'man', 'man8'))).toContain('rmnetctl.8');
    expect(readdirSync(join(prefix, 'share', 'man', 'man5'))).toContain('rmnetctl.conf.5');
  }, 300_000);
});
