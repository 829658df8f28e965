// A directory tree shaped like /proc for src/session/peers.ts: <pid>/comm and <pid>/fd/<n> symbolic links
// to what the process has open (the targets need not exist, as for a real process's /proc/<pid>/fd).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class FakeProc {
  readonly root = mkdtempSync(join(tmpdir(), 'rmnetctl-proc-'));

  /** A process named `name` (as /proc/<pid>/comm spells it) with descriptors 0.. open on `open`. */
  add(pid: number, name: string, open: readonly string[] = []): void {
    const dir = join(this.root, String(pid));
    mkdirSync(join(dir, 'fd'), { recursive: true });
    writeFileSync(join(dir, 'comm'), `${name}\n`);
    open.forEach((target, fd) => symlinkSync(target, join(dir, 'fd', String(fd))));
  }

  /** The process exited. */
  remove(pid: number): void {
    rmSync(join(this.root, String(pid)), { recursive: true, force: true });
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
