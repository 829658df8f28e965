// The ping prober: an argument vector bound to the link, and any reply is enough.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pingArguments, pingProber, probeAny, type Prober } from '../../../src/health/probe.js';

const dir = mkdtempSync(join(tmpdir(), 'rmnetctl-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for ping that records its argv, one per line, and exits with `code`. */
function fakePing(code: number): { command: string; argv: () => string[] } {
  const out = join(dir, `argv-${code}`);
  const command = join(dir, `ping-${code}`);
  writeFileSync(command, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${out}'\nexit ${code}\n`);
  chmodSync(command, 0o755);
  return { command, argv: () => readFileSync(out, 'utf8').trimEnd().split('\n') };
}

describe('ping prober', () => {
  it('runs ping -n -c 1 -W <s> -I <ifname> <target> as an argument vector (no shell)', async () => {
    expect(pingArguments('wwan0.1', '192.0.2.1', 2)).toEqual(['-n', '-c', '1', '-W', '2', '-I', 'wwan0.1', '192.0.2.1']);
    const ok = fakePing(0);
    // A name a shell would expand stays one argument.
    expect(await pingProber(ok.command).probe('rmnet$(id)', '2001:db8::1', 1)).toBe(true);
    expect(ok.argv()).toEqual(['-n', '-c', '1', '-W', '1', '-I', 'rmnet$(id)', '2001:db8::1']);
  });

  it('reads exit 1 (no reply) and 2 (an error on this path) as a failure, a ping that cannot run as no probe', async () => {
    expect(await pingProber(fakePing(1).command).probe('wwan0', '192.0.2.1', 1)).toBe(false);
    expect(await pingProber(fakePing(2).command).probe('wwan0', '192.0.2.1', 1)).toBe(false);
    // No ping on the host must not make every PDN unhealthy (and reset the modem).
    expect(await pingProber(join(dir, 'no-such-ping')).probe('wwan0', '192.0.2.1', 1)).toBeUndefined();
    expect(await probeAny(pingProber(join(dir, 'no-such-ping')), 'wwan0', ['192.0.2.1', '192.0.2.2'], 1)).toBeUndefined();
  });

  it('stops at the first target that answers', async () => {
    const asked: string[] = [];
    const prober: Prober = { probe: async (_i, target) => (asked.push(target), target === 'b') };
    expect(await probeAny(prober, 'wwan0', ['a', 'b', 'c'], 1)).toBe(true);
    expect(asked).toEqual(['a', 'b']);
    expect(await probeAny(prober, 'wwan0', ['a', 'c'], 1)).toBe(false);
    const partly: Prober = { probe: async (_i, target) => (target === 'a' ? undefined : false) };
    expect(await probeAny(partly, 'wwan0', ['a', 'c'], 1)).toBe(false);
  });
});
