// What every lab test file shares: whether the lab can or must run, and one scenario run with its checks
// asserted and, on failure, the failed checks, the guest's dmesg and console in the message.
import { appendFileSync } from 'node:fs';
import { expect } from 'vitest';
import { labAvailability, labKernels, runScenario, type LabKernel, type LabResult } from '../../lab/runner.js';

export const availability = labAvailability();
/** RMNETCTL_LAB=1 (CI, scripts/test.sh): the lab must run, so a missing QEMU or dist/ fails instead of skipping. */
export const labRequired = process.env.RMNETCTL_LAB === '1';
export const skipLab = !availability.ok && !labRequired;
export const scenarioTimeoutMs = 6 * 60_000;
export const setupTimeoutMs = 15 * 60_000;

/**
 * The kernels every lab test file runs on, one after the other: RMNETCTL_LAB_KERNELS (comma-separated,
 * e.g. "trixie"), else RMNETCTL_LAB_KERNEL, else all three under RMNETCTL_LAB=1 (CI, scripts/test.sh), else
 * bookworm alone (a developer's machine downloads one kernel, not three).
 */
export function kernelsUnderTest(env: NodeJS.ProcessEnv = process.env): LabKernel[] {
  const list = env.RMNETCTL_LAB_KERNELS ?? env.RMNETCTL_LAB_KERNEL ?? (env.RMNETCTL_LAB === '1' ? labKernels.join(',') : 'bookworm');
  const kernels = list.split(',').map((k) => k.trim()).filter(Boolean);
  for (const k of kernels) {
    if (!(labKernels as readonly string[]).includes(k)) throw new Error(`unknown lab kernel '${k}' (known: ${labKernels.join(', ')})`);
  }
  if (kernels.length === 0) throw new Error('RMNETCTL_LAB_KERNELS names no kernel');
  return kernels as LabKernel[];
}
export const labKernelList = kernelsUnderTest();

export function explain(result: LabResult): string {
  const failed = result.checks.filter((c) => !c.ok);
  return [
    `scenario ${result.scenario} on ${result.kernel.suite} ${result.kernel.booted ?? `(${result.kernel.release} did not report)`}: ${result.ok ? 'passed' : 'FAILED'} (${result.runDir})`,
    result.error ? `error: ${result.error}` : '',
    failed.length ? `failed checks:\n${failed.map((c) => `  ${c.name} ${JSON.stringify(c.detail)}`).join('\n')}` : '',
    result.ok ? '' : `guest dmesg (tail):\n${(result.dmesg ?? '').split('\n').slice(-60).join('\n')}`,
    result.ok ? '' : `console (tail):\n${result.consoleTail ?? ''}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Runs one scenario in a fresh VM on one kernel and asserts that every check passed and that kernel ran. */
export async function expectScenario(scenario: string, kernel: LabKernel): Promise<LabResult> {
  const result = await runScenario({ scenario, kernel, timeoutMs: scenarioTimeoutMs - 30_000 });
  console.log(`lab ${JSON.stringify({ scenario, kernel: result.kernel, host: result.host, timings: result.timings })}`);
  recordResult(result);
  expect(result.kernel.suite).toBe(kernel);
  expect(result.kernel.booted, explain(result)).toBe(result.kernel.release);
  expect(result.checks.filter((c) => !c.ok), explain(result)).toEqual([]);
  expect(result.ok, explain(result)).toBe(true);
  return result;
}

/**
 * Appends one line per run to $RMNETCTL_LAB_RESULTS (scripts/test.sh sets it): scenario, kernel, pass, boot
 * and scenario times. scripts/lab-table.mjs turns it into the scenario x kernel table of docs/lab.md.
 */
function recordResult(result: LabResult): void {
  const file = process.env.RMNETCTL_LAB_RESULTS;
  if (!file) return;
  const line = {
    scenario: result.scenario,
    suite: result.kernel.suite,
    release: result.kernel.booted ?? result.kernel.release,
    ok: result.ok,
    bootMs: result.host.bootMs,
    scenarioMs: result.host.scenarioMs,
    wallMs: result.host.wallMs,
    data: result.scenario.startsWith('bench') || result.scenario === 'kernel-facts' ? result.data : undefined,
  };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}
