// DNS per link (issue 16): systemd-resolved when it runs, else resolvconf when installed (servers on stdin,
// removed on revert), else not applied; never /etc/resolv.conf. The programs are a recording runner here.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemDns, type Runner } from '../../../src/session/dns.js';

function machine(has: { resolved?: boolean; resolvconf?: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'rmnetctl-dns-'));
  const socket = join(dir, 'io.systemd.Resolve');
  const tool = join(dir, 'resolvconf');
  if (has.resolved) writeFileSync(socket, '');
  if (has.resolvconf) writeFileSync(tool, '');
  const calls: Array<{ file: string; args: string[]; input: string | undefined }> = [];
  const run: Runner = async (file, args, input) => void calls.push({ file, args, input });
  const dns = systemDns({ run, resolvedSocket: socket, resolvconfPaths: [join(dir, 'nowhere'), tool] });
  return { dns, calls, tool, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('DNS per link', () => {
  it('uses systemd-resolved when it runs, with -- before the link', async () => {
    const m = machine({ resolved: true, resolvconf: true });
    expect(await m.dns.apply('wwan0.1', ['10.0.0.53', 'fd00::53'])).toBe('systemd-resolved');
    await m.dns.revert('wwan0.1');
    expect(m.calls).toEqual([
      { file: 'resolvectl', args: ['dns', '--', 'wwan0.1', '10.0.0.53', 'fd00::53'], input: undefined },
      { file: 'resolvectl', args: ['revert', '--', 'wwan0.1'], input: undefined },
    ]);
    m.cleanup();
  });

  it('uses resolvconf without resolved: nameserver lines on stdin, -d on revert', async () => {
    const m = machine({ resolvconf: true });
    expect(await m.dns.apply('wwan0.1', ['10.0.0.53', '10.0.0.54'])).toBe('resolvconf');
    await m.dns.revert('wwan0.1');
    expect(m.calls).toEqual([
      { file: m.tool, args: ['-a', 'wwan0.1'], input: 'nameserver 10.0.0.53\nnameserver 10.0.0.54\n' },
      { file: m.tool, args: ['-d', 'wwan0.1'], input: undefined },
    ]);
    m.cleanup();
  });

  it('applies nothing when neither is there, and runs nothing', async () => {
    const m = machine({});
    expect(await m.dns.apply('wwan0.1', ['10.0.0.53'])).toBe('not applied');
    await m.dns.revert('wwan0.1');
    expect(m.calls).toEqual([]);
    m.cleanup();
  });
});
