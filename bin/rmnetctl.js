#!/usr/bin/env node
// rmnetctl's launcher. Start-up time is a feature (docs/benchmarks.md: within 1.2x of `node -e 0`), so:
// - a bare `--version` / `-V` answers from package.json without loading the CLI (src/version.ts is kept equal
//   to package.json by test/unit/version.test.ts, and commander prints the same single line; the start-up
//   bench checks both outputs);
// - everything else loads the esbuild bundle (dist/bundle/rmnetctl.mjs, `npm run build`), one file instead of a
//   tree of modules; command modules stay in lazily imported chunks;
// - without a bundle (only `tsc` ran) it falls back to the compiled tree in dist/src.
import { existsSync, readFileSync, writeSync } from 'node:fs';

const args = process.argv;
if (args.length === 3 && (args[2] === '--version' || args[2] === '-V')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  // writeSync: creating process.stdout (a stream) costs more than the rest of this path together.
  try {
    writeSync(1, `${version}\n`);
  } catch (error) {
    if (error?.code !== 'EPIPE') throw error; // the reader went away (`rmnetctl --version | true`): nothing to say
  }
} else {
  const bundle = new URL('../dist/bundle/rmnetctl.mjs', import.meta.url);
  const { main } = existsSync(bundle) ? await import(bundle.href) : await import('../dist/src/cli/main.js');
  process.exitCode = await main(args);
}
