// The kernel contract (test/contract/kernel.contract.ts) on the test kernel model: with and without the
// rmnet module, with a freshly bound qmi_wwan parent for the qmi_wwan section.
import { kernelContract } from '../../contract/kernel.contract.js';
import { emptyKernel } from '../../support/kernel/index.js';

kernelContract('model with rmnet and a qmi_wwan parent', async () => {
  const k = emptyKernel();
  k.model.addQmiWwan('wwan0');
  return { netlink: k.netlink, rmnet: true, qmiWwan: { sysfs: k.sysfs, parent: 'wwan0', maxPacketSize: 512 }, close: () => k.netlink.close() };
});

kernelContract('model without rmnet', async () => {
  const k = emptyKernel();
  k.model.rmnetLoaded = false;
  return { netlink: k.netlink, rmnet: false, close: () => k.netlink.close() };
});
