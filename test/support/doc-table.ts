// A table in a docs page that a test measures (docs/faults.md's matrices): the test holds the page to what
// it measured, between two marker comments; RMNETCTL_WRITE_FAULTS=1 rewrites the section instead.
import { readFileSync, writeFileSync } from 'node:fs';

/** Markdown table rows from a header and cells. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** What the page holds between `begin` and `end` (trimmed), after rewriting it with `text` when asked to. */
export function measuredSection(doc: string, begin: string, end: string, text: string): string {
  if (process.env.RMNETCTL_WRITE_FAULTS === '1') {
    const page = readFileSync(doc, 'utf8');
    writeFileSync(doc, `${page.slice(0, page.indexOf(begin) + begin.length)}\n${text}\n${page.slice(page.indexOf(end))}`);
  }
  const page = readFileSync(doc, 'utf8');
  return page.slice(page.indexOf(begin) + begin.length, page.indexOf(end)).trim();
}
