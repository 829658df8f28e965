// The kernel contract (test/contract/kernel.contract.ts) on the test kernel model: with and without the
// rmnet module, with a freshly bound qmi_wwan parent for the qmi_wwan section.
import { describe, expect, it } from 'vitest';
import { kernelContract, runKernelContract } from '../../contract/kernel.contract.js';
import { emptyKernel } from '../../support/kernel/index.js';

kernelContract('model with rmnet and a qmi_wwan parent', async () => {
  const k = emptyKernel();
  k.model.addQmiWwan('wwan0');
  return { netlink: k.netlink, rmnet: true, qmiWwan: { netlink: k.netlink, sysfs: k.sysfs, parent: 'wwan0', maxPacketSize: 512 }, close: () => k.netlink.close() };
});

kernelContract('model without rmnet', async () => {
  const k = emptyKernel();
  k.model.rmnetLoaded = false;
  return { netlink: k.netlink, rmnet: false, close: () => k.netlink.close() };
});

describe('the contract without a test runner (as the lab guest would run it)', () => {
  it('runs every test on the model and reports each one', async () => {
    const results = await runKernelContract('model', async () => {
      const k = emptyKernel();
      k.model.addQmiWwan('wwan0');
      return { netlink: k.netlink, rmnet: true, qmiWwan: { netlink: k.netlink, sysfs: k.sysfs, parent: 'wwan0', maxPacketSize: 512 }, close: () => k.netlink.close() };
    });
    expect(results.length).toBeGreaterThan(15);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results[0]!.test).toMatch(/^kernel contract: model > links > /);
  });

  it('reports a model that drifted from the kernel', async () => {
    const results = await runKernelContract('drifted model', async () => {
      const k = emptyKernel();
      // A model that refuses the second rmnet link with the wrong errno.
      k.model.fail({ match: /create rmnet rmk2/, errno: 'EINVAL' });
      return { netlink: k.netlink, rmnet: true, close: () => k.netlink.close() };
    });
    const failed = results.filter((r) => !r.ok);
    expect(failed.map((r) => r.test)).toContain('kernel contract: drifted model > rmnet > refuses a taken mux id (MUX_IN_USE) and a taken name (LINK_EXISTS) and leaves the first link alone');
    expect(failed.length).toBeLessThan(results.length / 4);
  });
});
