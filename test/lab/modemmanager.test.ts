/**
 * ModemManager beside rmnetctl in the virtual modem lab (issue #12): Debian's ModemManager 1.20.4 runs in the
 * guest (system D-Bus, systemd-udevd with its rules, `ModemManager --debug`, its log in the run directory)
 * against the emulated EC25 on the real qmi_wwan/cdc-wdm/rmnet drivers (lab/guest/modemmanager.ts,
 * lab/guest/scenarios/mm-*.ts). Under RMNETCTL_LAB=1 a missing QEMU, dist/ or ModemManager fails, never skips
 * (the guest scenario throws when /usr/sbin/ModemManager is absent).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureLabCache } from '../../lab/runner.js';
import { availability, expectScenario, labKernelList, scenarioTimeoutMs, setupTimeoutMs, skipLab } from './support.js';

// ModemManager runs on one kernel: the first under test (bookworm in CI); its behaviour is the userland's.
const kernel = labKernelList[0]!;

describe.skipIf(skipLab)('ModemManager in the lab (issue #12)', () => {
  beforeAll(() => {
    if (!availability.ok) throw new Error(`the lab cannot run: ${availability.reason}`);
    ensureLabCache(undefined, kernel);
  }, setupTimeoutMs);

  it('ModemManager probes, enables, registers and connects with multiplex=requested; ping through its link', async () => {
    const result = await expectScenario('mm-connect', kernel);
    const asked = result.data.asked as Record<string, number>;
    // What ModemManager's probing and enabling used of the firmware model (not only what rmnetctl needs).
    for (const message of ['dms:Get Capabilities', 'uim:Get Card Status', 'nas:Get System Info', 'nas:Register Indications', 'wds:Get Profile List', 'wds:Bind Mux Data Port', 'wds:Start Network']) {
      expect(asked[message] ?? 0, message).toBeGreaterThan(0);
    }
    expect((result.data.mmChose as { backend?: string }).backend).toBe('rmnet');
  }, scenarioTimeoutMs);

  it('rmnetctl beside a registered ModemManager: up, status, down through qmi-proxy; refused beside its own bearer', async () => {
    const result = await expectScenario('mm-coexist', kernel);
    expect((result.data.aUp as { dataFormat: { via: string } }).dataFormat.via).toBe('qmi-proxy');
    const refused = result.data.bRefused as { code: number; error: { code: string; pid: number; links: string[] } };
    expect(refused.code).toBe(10);
    expect(refused.error.code).toBe('MODEM_MANAGER_BEARER');
    expect(refused.error.links.length).toBeGreaterThan(0);
    expect(refused.error.pid).toBe(result.data.mmPidAtEnd);
  }, scenarioTimeoutMs);

  it('ModemManager killed and started again under rmnetctl\'s PDN: status tells the truth, down --all cleans up', async () => {
    await expectScenario('mm-restart', kernel);
  }, scenarioTimeoutMs);

  it('ModemManager killed and started again under rmnetctl run: the PDN passes traffic again untouched (drift repaired or reconnected)', async () => {
    const result = await expectScenario('mm-restart-run', kernel);
    expect(result.timings['kill to ping']).toBeGreaterThan(0);
    expect(result.data.runLines as string[]).toContainEqual(expect.stringMatching(/kernel mode drift on wwan0: .*\(ModemManager, pid \d+, may have reset it\); repair: |every session is gone/));
  }, scenarioTimeoutMs);

  // The side-by-side benchmark, one round in CI (the 5-round figures are docs/benchmarks.md's): both paths
  // connect and ping with 1 and 2 PDNs, and what each asked of the modem is read back from the QMI trace.
  it('bench-mm, one round: ModemManager and rmnetctl each connect 1 and 2 PDNs and ping; their data formats and sizes recorded', async () => {
    const result = await expectScenario('bench-mm-once', kernel);
    const samples = result.data.samples as Array<{ tool: string; pdns: number; ok: boolean; connectedMs: number; firstPacketMs: number; urb?: number; parentMtu?: number }>;
    expect(samples.map((s) => `${s.tool}/${s.pdns}`).sort()).toEqual(['mm/1', 'mm/2', 'rmnetctl/1', 'rmnetctl/2']);
    for (const sample of samples) {
      expect(sample.ok, `${sample.tool} ${sample.pdns}`).toBe(true);
      expect(sample.firstPacketMs).toBeGreaterThanOrEqual(sample.connectedMs);
      expect(sample.parentMtu ?? 0, `${sample.tool} parent MTU`).toBeGreaterThan(1500);
    }
    const summary = result.data.summary as Record<string, { connectedMs: { ratio: number } }>;
    expect(summary['1pdn']!.connectedMs.ratio).toBeGreaterThan(0);
  }, scenarioTimeoutMs * 2);
});
