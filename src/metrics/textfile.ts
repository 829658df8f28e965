// node_exporter's textfile collector reads DIR/*.prom: the file is replaced atomically (a temp file whose
// name does not end in .prom, then rename), so a reader never sees half a scrape. 0644: node_exporter runs
// as its own user, not as root.
import { writeAtomically } from '../session/files.js';
import { join } from 'node:path';
import { Category, RmnetError } from '../errors.js';

export const TEXTFILE_NAME = 'rmnetctl.prom';

function writeError(dir: string, error: NodeJS.ErrnoException): RmnetError {
  const code = error.code ?? 'EIO';
  const details = { path: join(dir, TEXTFILE_NAME), errno: code };
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new RmnetError('TEXTFILE_NOT_WRITABLE', `cannot write ${join(dir, TEXTFILE_NAME)}: ${code} (the directory must be writable by this user)`, Category.permission, details);
  }
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new RmnetError('TEXTFILE_DIR_NOT_FOUND', `cannot write ${join(dir, TEXTFILE_NAME)}: ${dir} is not a directory (${code})`, Category.notFound, details);
  }
  return new RmnetError('TEXTFILE_WRITE_FAILED', `cannot write ${join(dir, TEXTFILE_NAME)}: ${code}`, Category.failure, details);
}

/** Replaces DIR/rmnetctl.prom with `content`; returns its path. */
export function writeTextfile(dir: string, content: string): string {
  const path = join(dir, TEXTFILE_NAME);
  try {
    // 0644: node_exporter runs as its own user.
    writeAtomically(path, content, { mode: 0o644, temp: join(dir, `.${TEXTFILE_NAME}.${process.pid}.tmp`) });
  } catch (error) {
    throw writeError(dir, error as NodeJS.ErrnoException);
  }
  return path;
}
