// The one door to sysfs. Every path is relative to a root (default /sys), so tests run on recorded
// trees (test/fixtures/sysfs/*/sys), the lab VM runs the real thing, and a test double can fail on cue.
import { promises as fs } from 'node:fs';
import { join, posix } from 'node:path';

/** Minimal sysfs access: paths are relative to the root, e.g. `class/net/wwan0/qmi/raw_ip`. */
export interface Sysfs {
  /** The root this instance reads under (for messages). */
  readonly root: string;
  /** An attribute's content with the trailing newline removed. Throws the system error (code = errno name). */
  read(path: string): Promise<string>;
  /** Writes an attribute in one write(2), as the kernel expects. Throws the system error. */
  write(path: string, value: string): Promise<void>;
  /** Entry names of a directory (following symlinks), sorted. */
  list(path: string): Promise<string[]>;
  /** The raw target of a symlink (the kernel's relative path). Throws EINVAL when not a link. */
  readlink(path: string): Promise<string>;
}

/** Sysfs over the file system under `root`. */
export class FileSysfs implements Sysfs {
  constructor(readonly root = '/sys') {}

  private abs(path: string): string {
    return join(this.root, path);
  }

  async read(path: string): Promise<string> {
    const text = await fs.readFile(this.abs(path), 'utf8');
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  }

  async write(path: string, value: string): Promise<void> {
    // One write call: sysfs store handlers see exactly this buffer. 'r+' never creates files.
    const handle = await fs.open(this.abs(path), 'r+');
    try {
      await handle.write(value);
    } finally {
      await handle.close();
    }
  }

  async list(path: string): Promise<string[]> {
    return (await fs.readdir(this.abs(path))).sort();
  }

  async readlink(path: string): Promise<string> {
    return fs.readlink(this.abs(path));
  }
}

/** The errno name of a thrown system error, or undefined. */
export function errnoOf(error: unknown): string | undefined {
  if (error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string') {
    return (error as { code: string }).code;
  }
  return undefined;
}

/** Reads an attribute, or undefined when it does not exist (ENOENT/ENOTDIR). Other errors propagate. */
export async function readOptional(sysfs: Sysfs, path: string): Promise<string | undefined> {
  try {
    return await sysfs.read(path);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** Lists a directory, or [] when it does not exist. */
export async function listOptional(sysfs: Sysfs, path: string): Promise<string[]> {
  try {
    return await sysfs.list(path);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}

/** The last component of a symlink's target (e.g. the driver name from `.../driver`), or undefined. */
export async function linkName(sysfs: Sysfs, path: string): Promise<string | undefined> {
  try {
    return posix.basename(await sysfs.readlink(path));
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'EINVAL' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * Resolves every symlink in a root-relative path, lexically, through `readlink` only: the result is the
 * canonical root-relative path (e.g. `devices/platform/.../net/wwan0`). Works the same on the real /sys,
 * on a recorded tree and on a test double. Returns undefined if a component is missing.
 */
export async function resolve(sysfs: Sysfs, path: string): Promise<string | undefined> {
  const pending = path.split('/').filter((p) => p.length > 0 && p !== '.');
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, part].join('/');
    let target: string | undefined;
    try {
      target = await sysfs.readlink(candidate);
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'EINVAL') {
        done.push(part);
        continue;
      }
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
    if (++hops > 40) return undefined; // ELOOP
    const targetParts = target.split('/').filter((p) => p.length > 0 && p !== '.');
    if (target.startsWith('/')) done.length = 0;
    pending.unshift(...targetParts);
  }
  return done.join('/');
}
