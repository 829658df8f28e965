// `rmnetctl doctor --json` through the built CLI (bin/rmnetctl.js; `npm run build` first) on the recorded
// raw-ip tree: one document of verdicts, exit 0 when none fails, 12 (unhealthy) when one does (here: a
// record whose link the kernel does not have). This host has no /dev/cdc-wdm0: the radio checks warn.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../support/run.js';
import { StateStore, type ModemRecord } from '../../src/session/state.js';

const bin = fileURLToPath(new URL('../../bin/rmnetctl.js', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/sysfs/rawip/sys', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function stateDir(record?: ModemRecord): string {
  const dir = mkdtempSync(join(tmpdir(), 'rmnetctl-doctor-'));
  dirs.push(dir);
  if (record) new StateStore(dir).write('cdc-wdm0', record);
  return dir;
}

const doctor = (dir: string) => run(process.execPath, [bin, 'doctor', '--sysfs-root', fixture, '--state-dir', dir, '--no-proxy', '--interval', '0', '--json'], 30_000);

const stale: ModemRecord = {
  version: 1, device: '/dev/cdc-wdm0', netInterface: 'wwan0',
  pdns: [{ request: { muxId: 2, apn: 'internet', ipType: '4', auth: 'none', backend: 'auto', noIp: false }, state: 'up', backend: 'qmimux', link: { name: 'qmimux0', ifindex: 50, created: true }, clients: [{ family: 4, clientId: 9 }], addresses: [], routes: [], dns: [], startedAt: new Date(0).toISOString() }],
};

describe.skipIf(existsSync('/dev/cdc-wdm0'))('rmnetctl doctor --json (built CLI, recorded tree)', () => {
  it('a document of checks with verdict, evidence and fix; exit 0 when none fails', async () => {
    const result = await doctor(stateDir());
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(Object.keys(doc)).toEqual(['root', 'checks', 'summary']);
    for (const check of doc.checks) {
      expect(Object.keys(check).slice(0, 6)).toEqual(['check', 'subject', 'verdict', 'summary', 'evidence', 'fix']);
      expect(['ok', 'warn', 'fail']).toContain(check.verdict);
      expect(check.evidence.length).toBeGreaterThan(0);
    }
    expect(doc.checks.find((c: { check: string }) => c.check === 'driver')).toMatchObject({ verdict: 'ok', subject: '/dev/cdc-wdm0', summary: expect.stringContaining('qmi_wwan binds wwan0 on USB interface 1-1:0') });
    expect(doc.checks.find((c: { check: string }) => c.check === 'qmi-wwan-mode')).toMatchObject({ verdict: 'ok', evidence: [`${fixture}/class/net/wwan0/qmi/raw_ip: Y`, `${fixture}/class/net/wwan0/qmi/pass_through: N`] });
    expect(doc.checks.find((c: { check: string }) => c.check === 'radio')).toMatchObject({ verdict: 'warn', summary: expect.stringContaining('cannot open /dev/cdc-wdm0') });
    expect(doc.summary.fail).toBe(0);
    expect(doc.summary.ok + doc.summary.warn).toBe(doc.checks.length);
  });

  it('exit 12 (unhealthy) when a check fails: the record names a link the kernel does not have', async () => {
    const result = await doctor(stateDir(stale));
    expect(result.code, result.stderr).toBe(12);
    const doc = JSON.parse(result.stdout);
    expect(doc.error).toBeUndefined(); // the report, not an error document
    expect(doc.checks.filter((c: { verdict: string }) => c.verdict === 'fail')).toEqual([
      expect.objectContaining({ check: 'leftovers', subject: '/dev/cdc-wdm0 mux 2', summary: 'recorded up, but the kernel has no link with mux id 2', fix: 'rmnetctl down -d /dev/cdc-wdm0 --mux 2' }),
    ]);
    expect(doc.summary.fail).toBe(1);
  });

  it('--interval takes seconds in 0..60 (usage error 2 otherwise)', async () => {
    const result = await run(process.execPath, [bin, 'doctor', '--interval', 'soon', '--json'], 30_000);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'BAD_ARGUMENT', option: '--interval' });
  });
});
