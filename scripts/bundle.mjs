#!/usr/bin/env node
// Bundles TypeScript entry points with esbuild (types are checked by `tsc`, not here).
//
//   node scripts/bundle.mjs          the CLI: dist/bundle/rmnetctl.mjs (+ one chunk per lazily imported module)
//   node scripts/bundle.mjs bench    the benchmarks: dist/bench-bundle/run.mjs
//
// Why a bundle: `rmnetctl --version` must start within 1.2x of `node -e 0`. Loading ~10 ES modules from
// dist/src plus commander's CommonJS files costs a resolution and a file read each; one file costs one.
// `splitting` keeps every `await import()` (command modules, the native addon's users) in its own chunk, so
// commands stay lazy. Chunks sit beside the entry: src/io/native.ts walks up from its own file to find
// build/Release, and dist/bundle/ is two levels below the package root.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { rmSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// commander is CommonJS and calls require('node:events') etc.; an ESM bundle needs a real `require` for that.
const requireShim = "import { createRequire as __rmnetctlCreateRequire } from 'node:module';\n" +
  'const require = __rmnetctlCreateRequire(import.meta.url);';

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  banner: { js: requireShim },
  legalComments: 'none',
  logLevel: 'warning',
};

const targets = {
  async cli() {
    const outdir = join(root, 'dist', 'bundle');
    rmSync(outdir, { recursive: true, force: true });
    await build({
      ...common,
      entryPoints: { rmnetctl: 'src/cli/main.ts' },
      outdir,
      splitting: true,
      chunkNames: '[name]-[hash]',
      // Short start-up matters more than a few KiB; minifying whitespace only keeps stack traces readable.
      minifyWhitespace: true,
      sourcemap: 'linked',
    });
  },
  async bench() {
    await build({
      ...common,
      // bringup-*: the bring-up suite's modem process and rmnetctl process (bench/bringup/), spawned by run.mjs
      entryPoints: {
        run: 'bench/run.ts',
        'bringup-modem': 'bench/bringup/modem-process.ts',
        'bringup-rmnetctl': 'bench/bringup/rmnetctl-process.ts',
      },
      outdir: join(root, 'dist', 'bench-bundle'),
      sourcemap: 'linked',
    });
  },
};

const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : ['cli']) {
  const target = targets[name];
  if (!target) {
    process.stderr.write(`bundle: unknown target "${name}" (known: ${Object.keys(targets).join(', ')})\n`);
    process.exit(2);
  }
  await target();
}
