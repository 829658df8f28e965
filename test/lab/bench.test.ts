/**
 * `rmnetctl bench` on the lab's real kernel (lab/guest/scenarios/bench-rmnetctl.ts): it runs, measures
 * something for 1, 8 and 32 datagrams per transfer, refuses bad input with the right exit codes, and leaves
 * no namespace or link behind, also when interrupted. Correctness only: the numbers go to docs/, not here.
 * Skipped like test/lab/lab.test.ts when the lab cannot run here (unless RMNETCTL_LAB=1).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureLabCache, labAvailability, runScenario, type LabResult } from '../../lab/runner.js';

const availability = labAvailability();
const required = process.env.RMNETCTL_LAB === '1';
const scenarioTimeoutMs = 6 * 60_000;

function explain(result: LabResult): string {
  const failed = result.checks.filter((c) => !c.ok);
  return [
    `scenario ${result.scenario}: ${result.ok ? 'passed' : 'FAILED'} (${result.runDir})`,
    result.error ? `error: ${result.error}` : '',
    failed.length ? `failed checks:\n${failed.map((c) => `  ${c.name} ${JSON.stringify(c.detail)}`).join('\n')}` : '',
    result.ok ? '' : `guest dmesg (tail):\n${(result.dmesg ?? '').split('\n').slice(-40).join('\n')}`,
    result.ok ? '' : `console (tail):\n${result.consoleTail ?? ''}`,
  ]
    .filter(Boolean)
    .join('\n');
}

describe.skipIf(!availability.ok && !required)('rmnetctl bench in the lab (Debian kernel in QEMU)', () => {
  beforeAll(() => {
    if (!availability.ok) throw new Error(`the lab cannot run: ${availability.reason}`);
    ensureLabCache();
  }, 15 * 60_000);

  it('measures 1, 8 and 32 datagrams per transfer on rmnet over veth, refuses bad input, leaves nothing behind', async () => {
    const result = await runScenario({ scenario: 'bench-rmnetctl', timeoutMs: scenarioTimeoutMs - 30_000 });
    console.log(`lab ${JSON.stringify({ scenario: result.scenario, host: result.host, timings: result.timings })}`);
    expect(result.checks.filter((c) => !c.ok), explain(result)).toEqual([]);
    expect(result.ok, explain(result)).toBe(true);
    const report = result.data.report as { parent: string; cases: Array<{ datagrams: number; pps: number }> };
    expect(report.parent).toBe('veth');
    expect(report.cases.map((c) => c.datagrams)).toEqual([1, 8, 32]);
    for (const c of report.cases) expect(c.pps).toBeGreaterThan(0);
  }, scenarioTimeoutMs);
});
