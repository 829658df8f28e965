/**
 * Issue #5 in the virtual modem lab: the real CLI (`node bin/rmnetctl.js up / status / down / run`) as root in
 * the guest, against the emulated EC25 over USB/IP and the real qmi_wwan, cdc-wdm and rmnet drivers
 * (lab/guest/scenarios/session*.ts). Four VM boots:
 *   session          1-4: up (rmnet + QMAPv5), a second dual-stack PDN, status and a dropped session, down --all
 *   session-qmimux   5: the same on qmimux (QMAP v1)
 *   session-failure  6: Start Network failure and its rollback; Ctrl-C during up; 8: up killed half-way, then down --mux 1
 *   session-run      7: the supervisor: READY=1, recovery after a modem reset, SIGTERM
 *   firmware-profiles  issue 10: up / status / down --all on the ec25-e-qmap-v1 and sdx55-qmapv5 profiles
 * Needs `RMNETCTL_LAB=1 bash scripts/setup.sh` and `npm run build`; skipped without QEMU or dist/ unless
 * RMNETCTL_LAB=1 (then it fails), like test/lab/lab.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureLabCache, type LabResult } from '../../lab/runner.js';
import { availability, expectScenario, labKernelList, scenarioTimeoutMs, setupTimeoutMs, skipLab } from './support.js';


const checkNames = (result: LabResult, prefix: string) => result.checks.filter((c) => c.name.startsWith(prefix)).map((c) => c.name);

describe.skipIf(skipLab).each(labKernelList)('%s: rmnetctl up / down / status / run in the lab (issue #5)', (kernel) => {
  beforeAll(() => {
    if (!availability.ok) throw new Error(`the lab cannot run: ${availability.reason}`);
    ensureLabCache(undefined, kernel);
  }, setupTimeoutMs);

  it('1-4. up on rmnet + QMAPv5, a second dual-stack PDN, status with a dropped session, down --all', async () => {
    const result = await expectScenario('session', kernel);
    for (const prefix of ['1.', '2.', '3.', '4']) expect(checkNames(result, prefix).length, `checks ${prefix}`).toBeGreaterThan(2);
    expect((result.data.up1 as { dataFormat: { aggregation: string } }).dataFormat.aggregation).toBe('qmapv5');
  }, scenarioTimeoutMs);

  it('5. up / ping / down on qmimux (QMAP v1)', async () => {
    const result = await expectScenario('session-qmimux', kernel);
    expect(checkNames(result, '5.').length).toBeGreaterThan(10);
  }, scenarioTimeoutMs);

  it('6, 8. a Start Network failure rolls back; Ctrl-C during up rolls back; an up killed half-way is cleaned up by down --mux', async () => {
    const result = await expectScenario('session-failure', kernel);
    expect(checkNames(result, '6').length).toBeGreaterThan(5);
    expect(checkNames(result, 'Ctrl-C').length).toBeGreaterThan(5);
    expect(checkNames(result, '8').length).toBeGreaterThan(5);
  }, scenarioTimeoutMs);

  it('7. run: READY=1, recovery after a modem reset, everything down on SIGTERM', async () => {
    const result = await expectScenario('session-run', kernel);
    expect(checkNames(result, '7.').length).toBeGreaterThan(15);
  }, scenarioTimeoutMs);

  it('firmware profiles: ec25-e-qmap-v1 on rmnet+qmap at 10 / 4096, sdx55-qmapv5 on rmnet+qmapv5 at 32 / 32768', async () => {
    const result = await expectScenario('firmware-profiles', kernel);
    for (const profile of ['ec25-e-qmap-v1', 'sdx55-qmapv5']) expect(checkNames(result, `${profile}:`).length, profile).toBeGreaterThan(12);
    expect((result.data['ec25-e-qmap-v1.up'] as { dataFormat: { rung: string } }).dataFormat.rung).toBe('rmnet+qmap');
    expect((result.data['sdx55-qmapv5.up'] as { dataFormat: { rung: string } }).dataFormat.rung).toBe('rmnet+qmapv5');
  }, scenarioTimeoutMs);
});
