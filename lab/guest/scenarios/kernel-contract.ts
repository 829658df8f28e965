/**
 * The kernel contract (test/contract/kernel.contract.ts) on THIS guest's kernel: the same assertions the test
 * kernel model passes, here with the real rmnet module and a real qmi_wwan parent bound to the emulated modem.
 * This is the run that keeps the model's qmi_wwan and rmnet rules honest; the host can run neither.
 * Every contract test becomes one check, named as in vitest; a skipped one is recorded as skipped with its
 * reason (and test/lab asserts that nothing is skipped here).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RtNetlink } from '../../../src/netlink/rtnl.js';
import { FileSysfs } from '../../../src/sysfs/sysfs.js';
import { runKernelContract } from '../../../test/contract/kernel.contract.js';
import { attachModem, type Recorder } from '../harness.js';

/** The bulk-IN endpoint's wMaxPacketSize, from sysfs (the EDOM rule is in multiples of it). */
function bulkInPacketSize(usbInterface: string): number {
  for (const ep of readdirSync(usbInterface).filter((d) => /^ep_[89a-f][0-9a-f]$/.test(d))) {
    const type = readFileSync(join(usbInterface, ep, 'type'), 'utf8').trim();
    if (type === 'Bulk') return Number.parseInt(readFileSync(join(usbInterface, ep, 'wMaxPacketSize'), 'utf8').trim(), 16);
  }
  throw new Error(`${usbInterface}: no bulk-IN endpoint`);
}

/** The names the contract's tests create; the guest is throwaway, but each test must start from none. */
const CONTRACT_LINKS = ['rmk1', 'rmk2', 'ka0', 'kb0', 'kc0'];

export async function kernelContractScenario(rec: Recorder): Promise<void> {
  const modem = await attachModem(rec);
  const maxPacketSize = bulkInPacketSize(modem.usbInterface);
  rec.data.maxPacketSize = maxPacketSize;
  // The lab loads rmnet.ko (in-tree or built out of tree by lab/setup) at boot; test/lab asserts it did.
  const rmnet = existsSync('/sys/module/rmnet');
  rec.data.rmnet = rmnet;
  const results = await runKernelContract(`lab kernel ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}`, async () => {
    // One namespace (the guest's own): the qmi_wwan parent lives here, and the guest runs nothing else.
    const netlink = new RtNetlink();
    return {
      netlink,
      rmnet,
      qmiWwan: { netlink, sysfs: new FileSysfs(), parent: modem.wwan, maxPacketSize },
      async close() {
        for (const name of CONTRACT_LINKS) {
          if (await netlink.findLink(name)) await netlink.deleteLink(name).catch(() => undefined);
        }
        netlink.close();
      },
    };
  });
  for (const r of results) {
    if (r.skipped) rec.check(`${r.test} (skipped: ${r.skipped})`, true, { skipped: r.skipped });
    else rec.check(r.test, r.ok, r.error);
  }
  rec.data.contract = results;
}
