// The kernel contract (test/contract/kernel.contract.ts) on this machine's kernel, one throwaway network
// namespace per test. rmnet runs only where the module loads (`modprobe rmnet`); the qmi_wwan section needs
// a modem and runs in the lab.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RtNetlink } from '../../../src/netlink/rtnl.js';
import { kernelContract } from '../../contract/kernel.contract.js';
import { createNetns, deleteNetns } from './netns.js';

const rmnet = await promisify(execFile)('modprobe', ['rmnet']).then(() => true, () => false);

kernelContract(`this host's kernel (${rmnet ? 'with' : 'without'} rmnet)`, async () => {
  const ns = await createNetns('rmnetctl-contract');
  const netlink = new RtNetlink({ netns: ns.path });
  return {
    netlink,
    rmnet,
    async close() {
      netlink.close();
      await deleteNetns(ns.name);
    },
  };
});
