// What every lab test file shares: whether the lab can or must run, and one scenario run with its checks
// asserted and, on failure, the failed checks, the guest's dmesg and console in the message.
import { expect } from 'vitest';
import { labAvailability, runScenario, type LabResult } from '../../lab/runner.js';

export const availability = labAvailability();
/** RMNETCTL_LAB=1 (CI, scripts/test.sh): the lab must run, so a missing QEMU or dist/ fails instead of skipping. */
export const labRequired = process.env.RMNETCTL_LAB === '1';
export const skipLab = !availability.ok && !labRequired;
export const scenarioTimeoutMs = 6 * 60_000;
export const setupTimeoutMs = 15 * 60_000;

export function explain(result: LabResult): string {
  const failed = result.checks.filter((c) => !c.ok);
  return [
    `scenario ${result.scenario}: ${result.ok ? 'passed' : 'FAILED'} (${result.runDir})`,
    result.error ? `error: ${result.error}` : '',
    failed.length ? `failed checks:\n${failed.map((c) => `  ${c.name} ${JSON.stringify(c.detail)}`).join('\n')}` : '',
    result.ok ? '' : `guest dmesg (tail):\n${(result.dmesg ?? '').split('\n').slice(-60).join('\n')}`,
    result.ok ? '' : `console (tail):\n${result.consoleTail ?? ''}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Runs one scenario in a fresh VM and asserts that every check passed. */
export async function expectScenario(scenario: string): Promise<LabResult> {
  const result = await runScenario({ scenario, timeoutMs: scenarioTimeoutMs - 30_000 });
  console.log(`lab ${JSON.stringify({ scenario, host: result.host, timings: result.timings })}`);
  expect(result.checks.filter((c) => !c.ok), explain(result)).toEqual([]);
  expect(result.ok, explain(result)).toBe(true);
  return result;
}
