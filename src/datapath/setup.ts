// Putting it together for the session layer: read the parent's state from the kernel, plan (mode
// switch, receive size, links; or the way back) and execute on the caller's undo stacks.
import { Category, RmnetError } from '../errors.js';
import type { Netlink } from '../netlink/rtnl.js';
import { bulkInMaxPacketSize } from '../sysfs/discovery.js';
import { checkInterfaceName } from '../sysfs/names.js';
import { notQmiWwan, readQmiWwanMode } from '../sysfs/qmi-wwan.js';
import type { Sysfs } from '../sysfs/sysfs.js';
import type { BackendKind, MuxLink } from './backend.js';
import { executePlan, executeWithRollback, SystemDatapath, type ExecuteOptions } from './execute.js';
import { readMuxMap } from './mux.js';
import { planDatapath, planRestore, type KernelMode, type ParentState, type Plan } from './plan.js';

export interface ParentInfo {
  state: ParentState;
  /** False for parents that are not qmi_wwan (mhi_net): no mode switch, no usbnet receive size. */
  qmiWwan: boolean;
}

/** The parent's state from kernel truth: netlink (up, MTU, maxmtu), sysfs (raw_ip, pass_through), its mux links. */
export async function readParentState(sysfs: Sysfs, netlink: Netlink, parent: string): Promise<ParentInfo> {
  checkInterfaceName(parent);
  const link = await netlink.getLink(parent);
  const mode = await readQmiWwanMode(sysfs, parent);
  const links = await readMuxMap(sysfs, netlink, parent);
  return {
    qmiWwan: mode !== undefined,
    state: {
      name: parent,
      // A parent without qmi_wwan's switches (mhi_net) already delivers what rmnet wants.
      rawIp: mode?.rawIp ?? true,
      passThrough: mode?.passThrough ?? true,
      up: link.up,
      mtu: link.mtu ?? 1500,
      maxMtu: link.maxMtu,
      links,
    },
  };
}

export interface SetUpRequest {
  parent: string;
  backend: BackendKind;
  /** Granted DL aggregation max size from WDA (the response, not the request); null without aggregation. */
  grantedDlSize: number | null;
  /** One mux id per link to create (checked free by the planner). */
  muxIds: number[];
  /** rmnet link names, by position in muxIds (default `<parent>.<muxId>`). */
  names?: Array<string | undefined>;
  rmnetFlags?: { flags: number; mask: number };
}

export interface SetUpResult {
  plan: Plan;
  created: MuxLink[];
}

/** Reads the parent and plans its data path; touches nothing (`up --dry-run` prints this). */
export async function planSetUp(sysfs: Sysfs, netlink: Netlink, request: SetUpRequest): Promise<Plan> {
  const { parent, backend } = request;
  const info = await readParentState(sysfs, netlink, parent);
  if (!info.qmiWwan && backend === 'qmimux') throw notQmiWwan(parent, sysfs);
  if (backend === 'qmimux' && request.names?.some((n) => n !== undefined)) {
    throw new RmnetError('BAD_ARGUMENT', `${parent}: qmimux links are named by the kernel; names apply to rmnet only`, Category.usage, { interface: parent });
  }
  const create = request.muxIds.map((muxId, i) => {
    const name = request.names?.[i];
    return { muxId, ...(name ? { name } : {}) };
  });
  const maxPacketSize = info.qmiWwan ? (await bulkInMaxPacketSize(sysfs, parent)).size : 512;
  const plan = planDatapath(info.state, { backend, grantedDlSize: info.qmiWwan ? request.grantedDlSize : null, maxPacketSize, create });
  if (!info.qmiWwan && request.grantedDlSize !== null) plan.notes.push(`${parent}: not a qmi_wwan device; the receive size is the driver's own`);
  return plan;
}

/** Plans and executes, each step's undo on the caller's stack(s) (options.undo) before it runs. */
export async function setUpDatapath(sysfs: Sysfs, netlink: Netlink, request: SetUpRequest, options: ExecuteOptions): Promise<SetUpResult> {
  const plan = await planSetUp(sysfs, netlink, request);
  const kernel = new SystemDatapath(sysfs, netlink, request.rmnetFlags);
  await executePlan(plan, kernel, options);
  return { plan, created: kernel.created };
}

/**
 * Puts a parent without links back into `before` through the planner (down's last step). A failure
 * stops there (nothing is rolled back: this is the rollback) and says at which step.
 */
export async function restoreKernelMode(sysfs: Sysfs, netlink: Netlink, parent: string, before: KernelMode, log?: (line: string) => void): Promise<Plan> {
  const info = await readParentState(sysfs, netlink, parent);
  // Not qmi_wwan (mhi_net): nothing but the MTU to put back.
  const target = info.qmiWwan ? before : { ...before, rawIp: info.state.rawIp, passThrough: info.state.passThrough };
  const maxPacketSize = info.qmiWwan ? (await bulkInMaxPacketSize(sysfs, parent)).size : null;
  const plan = planRestore(info.state, target, maxPacketSize);
  await executeWithRollback(plan, new SystemDatapath(sysfs, netlink), { log });
  return plan;
}
