/**
 * The kernel contract (test/contract/kernel.contract.ts) on THIS guest's kernel: the same assertions the test
 * kernel model passes, here with the real rmnet module and a real qmi_wwan parent bound to the emulated modem.
 * This is the run that keeps the model's qmi_wwan and rmnet rules honest; the host can run neither.
 * The contract runs in a child process (lab/guest/contract-child.ts says why). Every contract test becomes
 * one check, named as in vitest; a skipped one is recorded as skipped with its reason (test/lab asserts which).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachModem, run, type Recorder } from '../harness.js';

/** The bulk-IN endpoint's wMaxPacketSize, from sysfs (the EDOM rule is in multiples of it). */
function bulkInPacketSize(usbInterface: string): number {
  for (const ep of readdirSync(usbInterface).filter((d) => /^ep_[89a-f][0-9a-f]$/.test(d))) {
    const type = readFileSync(join(usbInterface, ep, 'type'), 'utf8').trim();
    if (type === 'Bulk') return Number.parseInt(readFileSync(join(usbInterface, ep, 'wMaxPacketSize'), 'utf8').trim(), 16);
  }
  throw new Error(`${usbInterface}: no bulk-IN endpoint`);
}

export async function kernelContractScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec);
  const maxPacketSize = bulkInPacketSize(modem.usbInterface);
  rec.data.maxPacketSize = maxPacketSize;
  const child = await rec.time('contract', () => run(process.execPath, [join(project, 'dist', 'lab', 'guest', 'contract-child.js'), modem.wwan, String(maxPacketSize)], 240_000));
  if (!rec.check('the contract ran to the end', child.code === 0, child.code === 0 ? undefined : child.stderr.slice(-2000))) return;
  const { rmnet, results } = JSON.parse(child.stdout) as { rmnet: boolean; results: Array<{ test: string; ok: boolean; skipped?: string; error?: string }> };
  for (const r of results) {
    if (r.skipped) rec.check(`${r.test} (skipped: ${r.skipped})`, true, { skipped: r.skipped });
    else rec.check(r.test, r.ok, r.error);
  }
  rec.data.rmnet = rmnet;
  rec.data.contract = results;
}
