// docs/benchmarks.md is shared by every suite: each owns one section between markers and rewrites only that,
// so `npm run bench:qmap` keeps the start-up section (and, later, the lab suites' sections) as they were.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './paths.js';

const HEADER = `# Benchmarks

Written by \`npm run bench\` (all suites) or one suite at a time (\`npm run bench:qmap\`, \`npm run bench:startup\`);
each section below is rewritten only by its own suite. Every section records the machine and its load average:
this project is built on a shared 2-core machine, so compare numbers taken under similar load only. The plots
are generated SVG (bench/lib/svg.ts). How to add a suite: bench/README.md.
`;

/** Replaces (or appends) the section `id` of docs/benchmarks.md with `markdown`. */
export function writeSection(id: string, markdown: string): string {
  const path = join(repoRoot(), 'docs', 'benchmarks.md');
  const start = `<!-- bench:${id}:start -->`;
  const end = `<!-- bench:${id}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : HEADER;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from >= 0 && to > from) text = text.slice(0, from) + block + text.slice(to + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text.endsWith('\n') ? text : `${text}\n`);
  return path;
}

/** Writes docs/benchmarks/<name>.svg; returns the path relative to docs/ for the markdown link. */
export function writeSvg(name: string, svg: string): string {
  const dir = join(repoRoot(), 'docs', 'benchmarks');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.svg`), svg);
  return `benchmarks/${name}.svg`;
}

/** A markdown table. */
export function markdownTable(header: string[], rows: string[][], align?: Array<'l' | 'r'>): string {
  const sep = header.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
