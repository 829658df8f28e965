// `rmnetctl links` on recorded trees (qmimux links come from sysfs; this host has no rmnet links).
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { cli } from '../../support/cli.js';

const root = (name: string) => fileURLToPath(new URL(`../../fixtures/sysfs/${name}/sys`, import.meta.url));

const run = cli;

describe('rmnetctl links', () => {
  it('maps mux ids to qmimux links for one modem, as JSON', async () => {
    const r = await run('links', '--sysfs-root', root('qmimux'), '-d', '/dev/cdc-wdm0', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      links: [
        { muxId: 1, link: 'qmimux0', backend: 'qmimux', parent: 'wwan0', state: 'up', mtu: 1500, ifindex: 3 },
        { muxId: 5, link: 'qmimux1', backend: 'qmimux', parent: 'wwan0', state: 'up', mtu: 1500, ifindex: 4 },
      ],
    });
  });

  it('prints a table', async () => {
    const r = await run('links', '--sysfs-root', root('two-modems'));
    expect(r.stdout.split('\n')).toEqual(['MUX  LINK     BACKEND  PARENT  STATE  MTU', '1    qmimux0  qmimux   wwan0   up     1500', '5    qmimux1  qmimux   wwan0   up     1500', '']);
  });

  it('fails with exit code 3 naming an unknown control port', async () => {
    const r = await run('links', '--sysfs-root', root('qmimux'), '-d', '/dev/cdc-wdm7', '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'NO_SUCH_MODEM', message: '/dev/cdc-wdm7: no QMI modem with this control port' } });
  });

  it('accepts a network interface and names one that does not exist', async () => {
    expect(JSON.parse((await run('links', '--sysfs-root', root('qmimux'), '-d', 'wwan0', '--json')).stdout).links).toHaveLength(2);
    const r = await run('links', '--sysfs-root', root('qmimux'), '-d', 'nosuch9');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('rmnetctl: error: nosuch9: no such interface\n');
  });

  // Issue 16: a root that does not exist used to exit 0 with "nothing found".
  it('refuses a --sysfs-root that does not exist or is not a directory, for links and modems alike', async () => {
    const missing = await run('links', '--sysfs-root', '/nonexistent', '--json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--sysfs-root /nonexistent: no such directory');
    const file = await run('modems', '--sysfs-root', fileURLToPath(import.meta.url));
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/--sysfs-root .*cli-links\.test\.ts: not a directory/);
  });
});
