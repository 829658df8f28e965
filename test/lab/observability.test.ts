/**
 * Issue 13 item 5 in the virtual modem lab: `rmnetctl doctor` and `rmnetctl metrics` on the real qmi_wwan,
 * cdc-wdm and rmnet drivers against the emulated EC25 (lab/guest/scenarios/observability.ts):
 *   observability     healthy (all ok), metrics with traffic (parsed by prometheus_client), a silent downlink
 *                     (rx-stall), the parent MTU below the grant (receive-size), rmnet unloaded
 *   observability-mm  ModemManager beside the modem, then with its own bearer
 * One kernel (the first under test, bookworm in CI): doctor and metrics read what every kernel shows the same
 * way; the kernel-facing differences are the session scenarios'.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureLabCache } from '../../lab/runner.js';
import { availability, expectScenario, labKernelList, scenarioTimeoutMs, setupTimeoutMs, skipLab } from './support.js';

const kernel = labKernelList[0]!;
const checkNames = (checks: Array<{ name: string }>, prefix: string) => checks.filter((c) => c.name.startsWith(prefix)).length;

describe.skipIf(skipLab)('doctor and metrics in the lab (issue 13)', () => {
  beforeAll(() => {
    if (!availability.ok) throw new Error(`the lab cannot run: ${availability.reason}`);
    ensureLabCache(undefined, kernel);
  }, setupTimeoutMs);

  it('doctor: healthy, stalled downlink, parent MTU too small, rmnet unloaded; metrics on a live PDN', async () => {
    const result = await expectScenario('observability', kernel);
    for (const prefix of ['a.', 'b.', 'c.', 'd.', 'e.']) expect(checkNames(result.checks, prefix), `checks ${prefix}`).toBeGreaterThan(3);
    expect((result.data.aDoctor as { summary: { fail: number; warn: number } }).summary).toMatchObject({ fail: 0, warn: 0 });
    expect(result.data.bRatio as number).toBeGreaterThan(1);
  }, scenarioTimeoutMs);

  it('doctor beside ModemManager: names it, then its own bearer', async () => {
    const result = await expectScenario('observability-mm', kernel);
    expect(checkNames(result.checks, 'f.')).toBeGreaterThan(5);
  }, scenarioTimeoutMs);
});
