// One kernel for tests: a model with two views of one state. `kernel()` gives the model, its netlink view
// wrapped in production's RtNetlink, and its sysfs view (optionally over a recorded tree's USB device).
import { RtNetlink } from '../../../src/netlink/rtnl.js';
import { KernelModel } from './model.js';
import { ModelSocket } from './netlink.js';
import { loadFixture, ModelSysfs } from './sysfs.js';

export { KernelModel, KernelErrno, type Fault, type KernelStep, type ModelInterface } from './model.js';
export { ModelSocket } from './netlink.js';
export { ModelSysfs, fixtureRoot, loadFixture } from './sysfs.js';

export interface TestKernel {
  model: KernelModel;
  socket: ModelSocket;
  /** Production's RtNetlink over the model's request socket. */
  netlink: RtNetlink;
  sysfs: ModelSysfs;
}

/** An empty kernel (only lo), no recorded tree. */
export function emptyKernel(): TestKernel {
  const model = new KernelModel();
  const socket = new ModelSocket(model);
  return { model, socket, netlink: new RtNetlink({ socket }), sysfs: new ModelSysfs(model) };
}

/** The interfaces of a recorded tree (test/fixtures/sysfs/<fixture>), its USB device behind the sysfs view. */
export function fixtureKernel(fixture: string, options: { fixturesDir?: string } = {}): TestKernel {
  const model = new KernelModel();
  const root = loadFixture(model, fixture, options.fixturesDir);
  const socket = new ModelSocket(model);
  return { model, socket, netlink: new RtNetlink({ socket }), sysfs: new ModelSysfs(model, root) };
}
