// Every error code the sources can throw is documented in docs/exit-codes.md (scripts depend on them).
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Category, RmnetError } from '../../src/errors.js';
import { ExitCode, errorDocument, exitCodeOf } from '../../src/cli/exit-codes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('exit codes documentation', () => {
  it('names every error code thrown under src/', () => {
    const codes = new Set<string>();
    for (const file of sources(join(root, 'src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/(?:RmnetError|NetlinkError|withContext)\(\s*'([A-Z][A-Z0-9_]+)'/g)) codes.add(match[1]!);
    }
    expect(codes.size).toBeGreaterThan(40);
    const doc = readFileSync(join(root, 'docs/exit-codes.md'), 'utf8');
    expect([...codes].filter((code) => !doc.includes(`\`${code}\``)).sort()).toEqual([]);
  });

  it('maps every category to the exit code of the same name in the documented table', () => {
    const doc = readFileSync(join(root, 'docs/exit-codes.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| *(\d+) \| `(\w+)` \|/gm)].map((m) => [m[2]!, Number(m[1])] as const);
    expect(Object.fromEntries(rows)).toEqual(ExitCode);
    for (const category of Object.values(Category)) {
      const error = new RmnetError('X', 'x', category);
      expect(exitCodeOf(error)).toBe(ExitCode[category]);
      expect(errorDocument(error)).toMatchObject({ code: 'X', category, exitCode: ExitCode[category] });
    }
    expect(exitCodeOf(new Error('not ours'))).toBe(ExitCode.failure);
  });
});
