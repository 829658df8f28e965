// Issue 15: under systemd, stderr lines carry syslog priorities ("<3>" error, "<4>" warning, "<6>" info) so
// the journal files them by level; anywhere else they are plain. systemd marks its stream by JOURNAL_STREAM
// (device:inode of fd 2), so a stale variable inherited by a shell must not turn prefixes on.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/rmnetctl.js', import.meta.url));

/** Runs the CLI with stderr going to a file, JOURNAL_STREAM pointing at that file or elsewhere. */
function stderrOf(args: string[], journal: 'this-file' | 'another' | 'unset'): string {
  const dir = mkdtempSync(join(tmpdir(), 'rmnetctl-journal-'));
  try {
    const file = join(dir, 'stderr');
    const fd = openSync(file, 'w');
    const st = statSync(file);
    const env = { ...process.env };
    delete env.JOURNAL_STREAM;
    if (journal === 'this-file') env.JOURNAL_STREAM = `${st.dev}:${st.ino}`;
    if (journal === 'another') env.JOURNAL_STREAM = `${st.dev}:${st.ino + 1}`;
    spawnSync(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', fd], env });
    closeSync(fd);
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('journald priorities', () => {
  const failing = ['links', '--sysfs-root', '/nonexistent-rmnetctl-root'];

  it('an error is "<3>rmnetctl: error: ..." when stderr is the journal', () => {
    expect(stderrOf(failing, 'this-file')).toMatch(/^<3>rmnetctl: error: .*nonexistent-rmnetctl-root/);
  });

  it('no prefix when JOURNAL_STREAM names another stream, or is unset', () => {
    expect(stderrOf(failing, 'another')).toMatch(/^rmnetctl: error: /);
    expect(stderrOf(failing, 'unset')).toMatch(/^rmnetctl: error: /);
  });
});
