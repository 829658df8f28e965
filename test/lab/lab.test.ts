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
import { ensureLabCache } from '../../lab/runner.js';
import { availability, expectScenario, labKernelList, scenarioTimeoutMs, setupTimeoutMs, skipLab } from './support.js';


describe.skipIf(skipLab).each(labKernelList)('%s: virtual modem lab (Debian kernel in QEMU)', (kernel) => {
  beforeAll(() => {
    if (!availability.ok) throw new Error(`the lab cannot run: ${availability.reason}`);
    ensureLabCache(undefined, kernel); // downloads and builds on a cold cache (about a minute), else returns at once
  }, setupTimeoutMs);

  it('1. attach: qmi_wwan binds the emulated EC25 on interface 4, cdc-wdm exposes the QMI port', async () => {
    const result = await expectScenario('attach', kernel);
    expect(result.data.mtu).toBe('1500');
  }, scenarioTimeoutMs);

  it('5. libqmi: qmicli talks to the emulated modem through the real cdc-wdm driver', async () => {
    await expectScenario('libqmi', kernel);
  }, scenarioTimeoutMs);

  it('2. qmimux: two mux ids, mapping from the kernel, QMAP frames on the right link, ping through each', async () => {
    await expectScenario('qmimux', kernel);
  }, scenarioTimeoutMs);

  it('4. aggregation: 1, 8 and 32 datagrams arrive whole at the granted size; default size drops them whole', async () => {
    const result = await expectScenario('aggregation', kernel);
    expect((result.data.deviceStats as { inOverflows: number }).inOverflows).toBe(3);
  }, scenarioTimeoutMs);

  it('3. rmnet: pass-through, two rmnet links, the 16384 MTU rule, ping through each', async () => {
    await expectScenario('rmnet', kernel);
  }, scenarioTimeoutMs);
});
