/**
 * `rmnetctl bench` on the lab's real kernel (lab/guest/scenarios/bench-rmnetctl.ts): it runs, measures
 * something for 1, 8 and 32 datagrams per transfer, refuses bad input with the right exit codes, and leaves
 * no namespace or link behind, also when interrupted. Correctness only: the numbers go to docs/, not here.
 * Skipped like test/lab/lab.test.ts when the lab cannot run here (unless RMNETCTL_LAB=1).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureLabCache } from '../../lab/runner.js';
import { availability, expectScenario, labKernelList, scenarioTimeoutMs, setupTimeoutMs, skipLab } from './support.js';


describe.skipIf(skipLab).each(labKernelList)('%s: rmnetctl bench in the lab (Debian kernel in QEMU)', (kernel) => {
  beforeAll(() => {
    if (!availability.ok) throw new Error(`the lab cannot run: ${availability.reason}`);
    ensureLabCache(undefined, kernel);
  }, setupTimeoutMs);

  it('measures 1, 8 and 32 datagrams per transfer on rmnet over veth, refuses bad input, leaves nothing behind', async () => {
    const result = await expectScenario('bench-rmnetctl', kernel);
    const report = result.data.report as { parent: string; cases: Array<{ datagrams: number; pps: number }> };
    expect(report.parent).toBe('veth');
    expect(report.cases.map((c) => c.datagrams)).toEqual([1, 8, 32]);
    for (const c of report.cases) expect(c.pps).toBeGreaterThan(0);
  }, scenarioTimeoutMs);
});
