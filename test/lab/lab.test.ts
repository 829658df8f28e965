/**
 * The virtual modem lab in CI: each scenario boots Debian's kernel under QEMU, attaches the emulated EC25 over
 * USB/IP and runs its checks against the real qmi_wwan, cdc-wdm, usbnet and rmnet drivers (lab/runner.ts,
 * lab/guest/scenarios/). Needs `RMNETCTL_LAB=1 bash scripts/setup.sh` and `npm run build` (the guest runs
 * dist/). lab/setup runs here first and is a no-op once lab/.cache/<abi>/ is complete.
 *
 * One file on purpose: the scenarios boot one VM each, one after the other (TCG on a shared 2-core machine).
 * Without QEMU or dist/ the suite is skipped, unless RMNETCTL_LAB=1 says the lab must run (CI): then it fails.
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
    result.ok ? '' : `guest dmesg (tail):\n${(result.dmesg ?? '').split('\n').slice(-60).join('\n')}`,
    result.ok ? '' : `console (tail):\n${result.consoleTail ?? ''}`,
  ]
    .filter(Boolean)
    .join('\n');
}

async function expectScenario(scenario: string): Promise<LabResult> {
  const result = await runScenario({ scenario, timeoutMs: scenarioTimeoutMs - 30_000 });
  const summary = { scenario, host: result.host, timings: result.timings };
  console.log(`lab ${JSON.stringify(summary)}`);
  expect(result.checks.filter((c) => !c.ok), explain(result)).toEqual([]);
  expect(result.ok, explain(result)).toBe(true);
  return result;
}

describe.skipIf(!availability.ok && !required)('virtual modem lab (Debian kernel in QEMU)', () => {
  beforeAll(() => {
    if (!availability.ok) throw new Error(`the lab cannot run: ${availability.reason}`);
    ensureLabCache(); // downloads and builds on a cold cache (about a minute), else returns at once
  }, 15 * 60_000);

  it('1. attach: qmi_wwan binds the emulated EC25 on interface 4, cdc-wdm exposes the QMI port', async () => {
    const result = await expectScenario('attach');
    expect(result.data.mtu).toBe('1500');
  }, scenarioTimeoutMs);

  it('5. libqmi: qmicli talks to the emulated modem through the real cdc-wdm driver', async () => {
    await expectScenario('libqmi');
  }, scenarioTimeoutMs);

  it('2. qmimux: two mux ids, mapping from the kernel, QMAP frames on the right link, ping through each', async () => {
    await expectScenario('qmimux');
  }, scenarioTimeoutMs);

  it('4. aggregation: 1, 8 and 32 datagrams arrive whole at the granted size; default size drops them whole', async () => {
    const result = await expectScenario('aggregation');
    expect((result.data.deviceStats as { inOverflows: number }).inOverflows).toBe(3);
  }, scenarioTimeoutMs);

  it('3. rmnet: pass-through, two rmnet links, the 16384 MTU rule, ping through each', async () => {
    await expectScenario('rmnet');
  }, scenarioTimeoutMs);
});
