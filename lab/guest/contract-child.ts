/**
 * The kernel contract in a process of its own: `node dist/lab/guest/contract-child.js <parent> <maxPacketSize>`
 * prints one JSON line with every test's result. Why a child: taking the parent down makes usbnet kill its
 * URBs inside the netlink syscall, and vhci completes those only when the USB/IP server answers the unlink;
 * the server is the emulated modem in the scenario's own event loop, which a syscall of that same process
 * would block (the guest hung with a kworker "blocked for more than 120 seconds" the first time).
 */
import { existsSync, readFileSync } from 'node:fs';
import { RtNetlink } from '../../src/netlink/rtnl.js';
import { FileSysfs } from '../../src/sysfs/sysfs.js';
import { runKernelContract } from '../../test/contract/kernel.contract.js';

/** The names the contract's tests create; the guest is throwaway, but each test must start from none. */
const CONTRACT_LINKS = ['rmk1', 'rmk2', 'ka0', 'kb0', 'kc0'];

async function main(): Promise<void> {
  const [parent = '', packet = ''] = process.argv.slice(2);
  const maxPacketSize = Number(packet);
  // The lab loads rmnet.ko (in-tree or built out of tree by lab/setup) at boot; test/lab asserts it did.
  const rmnet = existsSync('/sys/module/rmnet');
  const release = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  const results = await runKernelContract(`lab kernel ${release}`, async () => {
    // One namespace (the guest's own): the qmi_wwan parent lives here, and the guest runs nothing else.
    const netlink = new RtNetlink();
    return {
      netlink,
      rmnet,
      qmiWwan: { netlink, sysfs: new FileSysfs(), parent, maxPacketSize },
      async close() {
        for (const name of CONTRACT_LINKS) {
          if (await netlink.findLink(name)) await netlink.deleteLink(name).catch(() => undefined);
        }
        netlink.close();
      },
    };
  });
  process.stdout.write(`${JSON.stringify({ rmnet, results })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
