// A benchmark suite: one section of docs/benchmarks.md, plus its plots. Suites that need something this
// machine may not have (the QEMU lab, root, a real modem) say so in `needs`; run.ts skips them with the reason.
import type { MachineInfo } from './machine.js';

export interface SuiteOptions {
  /** Fewer samples and smaller pools: a smoke run, not numbers to publish. */
  quick: boolean;
  /** Print only; leave docs/ untouched. */
  dryRun: boolean;
}

export interface SuiteResult {
  /** The markdown of the suite's section (a level-2 heading first). */
  markdown: string;
  /** SVG plots by file name (docs/benchmarks/<name>.svg); link them as benchmarks/<name>.svg. */
  svgs: Record<string, string>;
  /** One line per headline number, for the console. */
  summary: string[];
}

export interface BenchSuite {
  id: string;
  title: string;
  /** Returns why the suite cannot run here (missing lab, addon, privileges), or undefined when it can. */
  unavailable?(): string | undefined;
  run(options: SuiteOptions, machineBefore: MachineInfo): Promise<SuiteResult>;
}
