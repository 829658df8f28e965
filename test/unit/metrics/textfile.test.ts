// DIR/rmnetctl.prom for node_exporter: replaced whole, readable by another user, and a failure that names the
// file, leaves no temporary behind and has the category its errno calls for.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTextfile } from '../../../src/metrics/textfile.js';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rmnetctl-textfile-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('textfile', () => {
  it('replaces an older file with the new content, 0644, nothing else left in the directory', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'rmnetctl.prom'), 'old\n');
    expect(writeTextfile(dir, 'rmnetctl_modems 1\n')).toBe(join(dir, 'rmnetctl.prom'));
    expect(readFileSync(join(dir, 'rmnetctl.prom'), 'utf8')).toBe('rmnetctl_modems 1\n');
    expect(statSync(join(dir, 'rmnetctl.prom')).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['rmnetctl.prom']);
  });

  it('says what failed when rmnetctl.prom is a directory, and removes its temporary file', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'rmnetctl.prom'));
    expect(() => writeTextfile(dir, 'x\n')).toThrow(expect.objectContaining({ code: 'TEXTFILE_WRITE_FAILED', category: 'failure', message: expect.stringContaining(join(dir, 'rmnetctl.prom')) }));
    expect(readdirSync(dir)).toEqual(['rmnetctl.prom']);
  });

  it('calls a directory that is gone notFound', () => {
    const dir = join(fresh(), 'gone');
    expect(() => writeTextfile(dir, 'x\n')).toThrow(expect.objectContaining({ code: 'TEXTFILE_DIR_NOT_FOUND', category: 'notFound' }));
  });
});
