#!/usr/bin/env node
// Writes the man pages and shell completions generated from the command table (src/cli/command-table.ts)
// and the config keys (src/session/config.ts), from the tsc output in dist/src (run after tsc: npm run build):
//   dist/man/rmnetctl.8  dist/man/rmnetctl.conf.5  dist/completions/rmnetctl.bash  dist/completions/_rmnetctl
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { renderManPage, renderConfigPage, parseExitTable } = await import(join(root, 'dist/src/cli/manpage.js'));
const { renderBash, renderZsh } = await import(join(root, 'dist/src/cli/completion.js'));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const errorCodes = parseExitTable(readFileSync(join(root, 'docs/exit-codes.md'), 'utf8'));

const outputs = {
  'dist/man/rmnetctl.8': renderManPage({ version, errorCodes }),
  'dist/man/rmnetctl.conf.5': renderConfigPage({ version }),
  'dist/completions/rmnetctl.bash': renderBash(),
  'dist/completions/_rmnetctl': renderZsh(),
};
for (const [path, text] of Object.entries(outputs)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
