// The state directory and the files in it, handled as sshd and systemd handle theirs: the directory is
// rmnetctl's own (created 0700, owned by root, not a symlink, writable by nobody else), and no file in it
// is opened through a symlink or created over something already there. A local user who can plant a link
// in /run/rmnetctl must not be able to make root write or truncate another file.
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Category, RmnetError } from '../errors.js';

const insecure = (path: string, why: string, fix: string) =>
  new RmnetError('INSECURE_STATE_DIR', `state directory ${path} ${why}: ${fix}`, Category.permission, { path });

/** rmnetctl's files are root's: it changes links and sysfs, so it runs as root (cli/ checks that first). */
const owner = () => 0;

/** Creates the state directory (0700) when it is missing, and refuses one that is not safely rmnetctl's. */
export function ensureStateDir(path: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') mkdirSync(path, { recursive: true, mode: 0o700 });
    else if (code !== 'EEXIST') throw error;
  }
  const st = lstatSync(path);
  if (st.isSymbolicLink()) throw insecure(path, 'is a symbolic link', `remove it (rm ${path}); rmnetctl creates the directory itself`);
  if (!st.isDirectory()) throw insecure(path, 'is not a directory', `remove it; rmnetctl creates the directory itself`);
  if (st.uid !== owner()) throw insecure(path, `is owned by uid ${st.uid}`, `chown root:root ${path}`);
  if ((st.mode & 0o022) !== 0) throw insecure(path, `is writable by group or others (mode ${(st.mode & 0o777).toString(8)})`, `chmod 700 ${path}`);
}

/** Reads a file without following a symlink; undefined when it does not exist. */
export function readNoFollow(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new RmnetError('INSECURE_STATE_DIR', `${path} is a symbolic link: remove it`, Category.permission, { path });
    throw error;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new RmnetError('INSECURE_STATE_DIR', `${path} is not a regular file: remove it`, Category.permission, { path });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` atomically: a temp file created exclusively (never through a link), then rename. The
 * temp name may be given (node_exporter's textfile collector ignores names starting with a dot).
 */
export function writeAtomically(path: string, content: string, options: { mode?: number; temp?: string } = {}): void {
  const temp = options.temp ?? `${path}.${process.pid}.tmp`;
  rmSync(temp, { force: true }); // a leftover of this pid's crash; rm does not follow a link
  try {
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, options.mode ?? 0o600);
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Opens a lock file: created exclusively when missing; an existing one is opened without following a link
 * and must be a regular file of ours. Returns the fd.
 */
export function openLockFile(path: string): number {
  try {
    return openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new RmnetError('INSECURE_STATE_DIR', `lock file ${path} is a symbolic link: remove it`, Category.permission, { path });
    throw error;
  }
  const st = fstatSync(fd);
  if (!st.isFile() || st.uid !== owner()) {
    closeSync(fd);
    throw new RmnetError('INSECURE_STATE_DIR', `lock file ${path} is not a regular file of uid ${owner()}: remove it`, Category.permission, { path });
  }
  return fd;
}
