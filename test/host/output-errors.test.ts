// Issue 15: `rmnetctl modems | true`, `--help | head -1` and `> /dev/full` printed Node stack traces. The
// built CLI (bin/rmnetctl.js, what users run) with real pipes and a real full device.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/rmnetctl.js', import.meta.url));
const tree = fileURLToPath(new URL('../fixtures/sysfs/two-modems/sys', import.meta.url));

function run(args: string[], stdout: 'closed-pipe' | number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', stdout === 'closed-pipe' ? 'pipe' : stdout, 'pipe'] });
    if (stdout === 'closed-pipe') child.stdout!.destroy(); // the reader goes away at once, like `| true`
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe('output errors', () => {
  for (const args of [['--help'], ['modems', '--sysfs-root', tree], ['links', '--sysfs-root', tree, '--json']]) {
    it(`a closed pipe ends "rmnetctl ${args[0]}" quietly`, async () => {
      const result = await run(args, 'closed-pipe');
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });
  }

  it('a write error on stdout (ENOSPC, /dev/full) is one line and exit 1', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const result = await run(['modems', '--sysfs-root', tree], full);
      expect(result.stderr).toBe('rmnetctl: error: writing the output: ENOSPC\n');
      expect(result.code).toBe(1);
    } finally {
      closeSync(full);
    }
  });
});
