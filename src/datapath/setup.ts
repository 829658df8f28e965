// Putting it together for the session layer: read the parent's state from the kernel, allocate mux ids,
// plan (mode switch, receive size, links) and execute with rollback.
import { Category, RmnetError } from '../errors.js';
import type { Netlink } from '../netlink/rtnl.js';
import { bulkInMaxPacketSize } from '../sysfs/discovery.js';
import { checkInterfaceName } from '../sysfs/names.js';
import { notQmiWwan, readQmiWwanMode } from '../sysfs/qmi-wwan.js';
import type { Sysfs } from '../sysfs/sysfs.js';
import type { BackendKind, MuxLink } from './backend.js';
import { executePlan, SystemDatapath } from './execute.js';
import { allocateMuxId, readMuxMap } from './mux.js';
import { planDatapath, type ParentState, type Plan } from './plan.js';

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
  /** One entry per link to create: a mux id, or undefined for the first free one. */
  muxIds: Array<number | undefined>;
  /** rmnet link names, by position in muxIds (default `<parent>.<muxId>`). */
  names?: Array<string | undefined>;
  rmnetFlags?: { flags: number; mask: number };
  /** Plan only: return the plan without touching anything. */
  dryRun?: boolean;
  log?: (line: string) => void;
}

export interface SetUpResult {
  plan: Plan;
  created: MuxLink[];
}

export async function setUpDatapath(sysfs: Sysfs, netlink: Netlink, request: SetUpRequest): Promise<SetUpResult> {
  const { parent, backend } = request;
  const info = await readParentState(sysfs, netlink, parent);
  if (!info.qmiWwan && backend === 'qmimux') throw notQmiWwan(parent, sysfs);
  const taken = [...info.state.links];
  const create: Array<{ muxId: number; name?: string }> = [];
  request.muxIds.forEach((requested, i) => {
    const muxId = allocateMuxId(taken, parent, requested);
    taken.push({ muxId, name: `(this request #${i + 1})`, backend, parent, ifindex: null, up: false, mtu: null });
    const name = request.names?.[i];
    create.push({ muxId, ...(name ? { name } : {}) });
  });
  if (backend === 'qmimux' && request.names?.some((n) => n !== undefined)) {
    throw new RmnetError('BAD_ARGUMENT', `${parent}: qmimux links are named by the kernel; names apply to rmnet only`, Category.usage, { interface: parent });
  }
  const maxPacketSize = info.qmiWwan ? (await bulkInMaxPacketSize(sysfs, parent)).size : 512;
  const plan = planDatapath(info.state, { backend, grantedDlSize: info.qmiWwan ? request.grantedDlSize : null, maxPacketSize, create });
  if (!info.qmiWwan && request.grantedDlSize !== null) plan.notes.push(`${parent}: not a qmi_wwan device; the receive size is the driver's own`);
  if (request.dryRun) return { plan, created: [] };
  const kernel = new SystemDatapath(sysfs, netlink, request.rmnetFlags);
  await executePlan(plan, kernel, request.log);
  return { plan, created: kernel.created };
}
