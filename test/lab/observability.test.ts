/**
 * Issue 13 item 5 in the virtual modem lab: `rmnetctl doctor` and `rmnetctl metrics` on the real qmi_wwan,
 * cdc-wdm and rmnet drivers against the emulated EC25 (lab/guest/scenarios/observability.ts):
 *   observability         healthy and idle (all ok), metrics with traffic (parsed by prometheus_client),
 *                         capture on the live PDN (pcapng read back by python3-dpkt)
 *   observability-faults  a silent downlink (rx-stall), the parent MTU below the grant (receive-size, its fix
 *                         applied), rmnet unloaded
 *   observability-mm      ModemManager beside the modem, then with its own bearer
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

  it('doctor healthy and idle, metrics and capture on a live PDN', async () => {
    const result = await expectScenario('observability', kernel);
    for (const prefix of ['a.', 'b.']) expect(checkNames(result.checks, prefix), `checks ${prefix}`).toBeGreaterThan(3);
    expect((result.data.aDoctor as { summary: { fail: number; warn: number } }).summary).toMatchObject({ fail: 0, warn: 0 });
    expect(result.data.bRatio as number).toBeGreaterThan(1);
    expect((result.data.capture as { transfers: number }).transfers).toBe(4);
  }, scenarioTimeoutMs);

  it('doctor with the downlink stalled, the parent MTU below the grant (and its fix applied), rmnet unloaded', async () => {
    const result = await expectScenario('observability-faults', kernel);
    for (const prefix of ['c.', 'd.', 'e.']) expect(checkNames(result.checks, prefix), `checks ${prefix}`).toBeGreaterThan(3);
  }, scenarioTimeoutMs);

  it('doctor beside ModemManager: names it, then its own bearer', async () => {
    const result = await expectScenario('observability-mm', kernel);
    expect(checkNames(result.checks, 'f.')).toBeGreaterThan(5);
  }, scenarioTimeoutMs);
});
