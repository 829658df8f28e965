#!/usr/bin/env node
// The scenario x kernel table of docs/lab.md, from the lines test/lab/support.ts appends to
// $RMNETCTL_LAB_RESULTS (one JSON object per scenario run): pass or FAIL, boot and scenario seconds.
//   node scripts/lab-table.mjs .lab-results.jsonl
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node scripts/lab-table.mjs RESULTS.jsonl\n');
  process.exit(2);
}
const runs = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
const kernels = [...new Map(runs.map((r) => [r.suite, r.release])).entries()];
const scenarios = [...new Set(runs.map((r) => r.scenario))];
const seconds = (ms) => (typeof ms === 'number' ? (ms / 1000).toFixed(1) : '?');
const cell = (scenario, suite) => {
  const mine = runs.filter((r) => r.scenario === scenario && r.suite === suite);
  if (mine.length === 0) return 'not run';
  return mine.map((r) => `${r.ok ? 'pass' : 'FAIL'} (${seconds(r.bootMs)} + ${seconds(r.scenarioMs)} s)`).join(', ');
};
const header = `| scenario | ${kernels.map(([suite, release]) => `${suite} ${release}`).join(' | ')} |`;
const rule = `| --- | ${kernels.map(() => '---').join(' | ')} |`;
const rows = scenarios.map((s) => `| ${s} | ${kernels.map(([suite]) => cell(s, suite)).join(' | ')} |`);
process.stdout.write(`${[header, rule, ...rows].join('\n')}\n`);
