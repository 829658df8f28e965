// One lock per modem: operations on a modem are serialized across processes (flock on a file in the
// state directory); different modems never wait for each other.
import { closeSync, fstatSync, lstatSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { native } from '../io/native.js';
import { Category, RmnetError } from '../errors.js';
import { ensureStateDir, openLockFile } from './files.js';

export interface ModemLock {
  /** `remove`: nothing is left for this modem, so the lock file goes too (under the lock, see below). */
  release(options?: { remove?: boolean }): void;
}

/** Takes the modem's lock, polling (never blocking the event loop) until `timeoutMs`. */
export async function lockModem(stateDir: string, modemKey: string, timeoutMs = 30_000): Promise<ModemLock> {
  ensureStateDir(stateDir);
  const path = join(stateDir, `${modemKey}.lock`);
  const addon = native();
  const deadline = Date.now() + timeoutMs;
  let fd = openLockFile(path);
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    if (addon.flock(fd, addon.LOCK_EX | addon.LOCK_NB)) {
      // A holder that finished may have removed the file we locked: then it locks nothing; start again.
      if (sameFile(fd, path)) break;
      closeSync(fd);
      fd = openLockFile(path);
      continue;
    }
    if (Date.now() >= deadline) {
      closeSync(fd);
      throw new RmnetError('LOCK_TIMEOUT', `another rmnetctl holds ${path} for ${timeoutMs} ms; is one still running for ${modemKey}?`, Category.busy, { path, modem: modemKey });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  let released = false;
  return {
    release(options = {}) {
      if (released) return;
      released = true;
      // Unlinked while still held: a waiter that then gets the flock sees another inode at the path and retries.
      if (options.remove) unlinkSync(path);
      closeSync(fd); // closing the fd drops the flock
    },
  };
}

function sameFile(fd: number, path: string): boolean {
  try {
    const held = fstatSync(fd);
    const now = lstatSync(path);
    return held.ino === now.ino && held.dev === now.dev;
  } catch {
    return false;
  }
}
