// Where things are, from wherever this code runs: bench/lib (vitest, tsx), dist/bench (tsc) or
// dist/bench-bundle (esbuild, `npm run bench:*`). Walks up to the directory holding package.json.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function repoRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp'))) {
      root = dir;
      return dir;
    }
    dir = dirname(dir);
  }
  throw new Error('bench: cannot find the rmnetctl package root above ' + fileURLToPath(import.meta.url));
}
