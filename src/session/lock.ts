// One lock per modem: operations on a modem are serialized across processes (flock on a file in the
// state directory); different modems never wait for each other.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { native } from '../io/native.js';
import { Category, RmnetError } from '../errors.js';

export interface ModemLock {
  release(): void;
}

/** Takes the modem's lock, polling (never blocking the event loop) until `timeoutMs`. */
export async function lockModem(stateDir: string, modemKey: string, timeoutMs = 30_000): Promise<ModemLock> {
  mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  const path = join(stateDir, `${modemKey}.lock`);
  const fd = openSync(path, 'a', 0o600);
  const addon = native();
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    if (addon.flock(fd, addon.LOCK_EX | addon.LOCK_NB)) break;
    if (Date.now() >= deadline) {
      closeSync(fd);
      throw new RmnetError('LOCK_TIMEOUT', `another rmnetctl holds ${path} for ${timeoutMs} ms; is one still running for ${modemKey}?`, Category.busy, { path, modem: modemKey });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      closeSync(fd); // closing the fd drops the flock
    },
  };
}
