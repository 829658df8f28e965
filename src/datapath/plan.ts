// The kernel mode switch and the receive size as a pure planner: the parent's current state + the
// backend + the granted downlink aggregation size -> ordered steps, each with its undo. The orders are
// the ones measured on 6.1 (docs/receive-size.md, KERNEL.md):
//  - maxmtu is 1500 after bind until a raw_ip Y -> N switch (which also resets the MTU to 1500);
//  - raw_ip can only change while the parent is down (EBUSY), and not be cleared under pass_through;
//  - usbnet refuses (EDOM) an MTU whose MTU + header length is a multiple of the bulk max packet size;
//  - the receive URB follows the MTU (+14 in 802.3) and survives the switch back to raw-ip;
//  - rmnet links cannot be created while parent MTU - 4 > 16384: create small, then raise.
import { Category, RmnetError } from '../errors.js';
import type { BackendKind, MuxLink } from './backend.js';
import { checkMuxIdFree } from './mux-id.js';

/** 802.3 header length qmi_wwan uses before the raw-ip switch. */
export const ETHERNET_HEADER = 14;
/** The largest MTU usbnet accepts (max_mtu after the Y -> N switch). */
export const MAX_MTU = 65535;
/** rmnet refuses to attach to a parent whose MTU minus the QMAP header exceeds this. */
export const RMNET_MAX_PARENT_MTU_AT_CREATE = 16384 + 4;
/** Created rmnet links are at most this big. */
export const RMNET_MAX_LINK_MTU = 16384;

export type Action =
  | { op: 'none' }
  | { op: 'set-up'; link: string; up: boolean }
  | { op: 'set-raw-ip'; link: string; value: boolean }
  | { op: 'set-pass-through'; link: string; value: boolean }
  | { op: 'set-mtu'; link: string; mtu: number }
  | { op: 'create-link'; backend: BackendKind; parent: string; muxId: number; name?: string }
  | { op: 'delete-link'; backend: BackendKind; parent: string; muxId: number }
  | { op: 'set-mux-link-up'; backend: BackendKind; parent: string; muxId: number; up: boolean };

export interface Step {
  action: Action;
  /** What restores the state before `action` ran (null: nothing to undo). */
  undo: Action | null;
  /** Why the step is there, for logs. */
  why: string;
}

export interface ParentState {
  name: string;
  rawIp: boolean;
  passThrough: boolean;
  up: boolean;
  mtu: number;
  /** IFLA_MAX_MTU; null when unknown (treated as 1500, the value after bind). */
  maxMtu: number | null;
  /** Links already on the parent (both backends). */
  links: MuxLink[];
}

export interface DatapathRequest {
  backend: BackendKind;
  /** The DL data aggregation max size the modem granted (bytes); null: no aggregation, leave sizes alone. */
  grantedDlSize: number | null;
  /** The bulk IN max packet size (512 high speed, 1024 SuperSpeed; 512 when unknown covers both). */
  maxPacketSize: number;
  /** Links to create, mux ids already allocated. */
  create: Array<{ muxId: number; name?: string }>;
}

export interface ReceiveSize {
  granted: number;
  /** Parent MTU at the end of the plan. */
  parentMtu: number;
  /** The receive URB size usbnet ends up with (>= granted). */
  urbSize: number;
  maxPacketSize: number;
}

export interface Plan {
  steps: Step[];
  receiveSize: ReceiveSize | null;
  notes: string[];
}

/** The smallest size >= `size` such that size + header is not a multiple of the max packet size (EDOM). */
export function nearestAllowedMtu(size: number, header: number, maxPacketSize: number): number {
  let mtu = size;
  while ((mtu + header) % maxPacketSize === 0) mtu++;
  return mtu;
}

export function describeAction(a: Action): string {
  switch (a.op) {
    case 'none': return 'nothing';
    case 'set-up': return `set ${a.link} ${a.up ? 'up' : 'down'}`;
    case 'set-raw-ip': return `${a.link} raw_ip=${a.value ? 'Y' : 'N'}`;
    case 'set-pass-through': return `${a.link} pass_through=${a.value ? 'Y' : 'N'}`;
    case 'set-mtu': return `${a.link} mtu ${a.mtu}`;
    case 'create-link': return `create ${a.backend} mux id ${a.muxId} on ${a.parent}${a.name ? ` as ${a.name}` : ''}`;
    case 'delete-link': return `delete ${a.backend} mux id ${a.muxId} on ${a.parent}`;
    case 'set-mux-link-up': return `set ${a.backend} mux id ${a.muxId} on ${a.parent} ${a.up ? 'up' : 'down'}`;
  }
}

export function planDatapath(state: ParentState, request: DatapathRequest): Plan {
  const parent = state.name;
  const { backend, grantedDlSize: granted, maxPacketSize } = request;
  const steps: Step[] = [];
  const notes: string[] = [];
  const cur = { rawIp: state.rawIp, passThrough: state.passThrough, up: state.up, mtu: state.mtu, maxMtu: state.maxMtu ?? 1500 };
  const push = (action: Action, undo: Action | null, why: string) => steps.push({ action, undo, why });

  if (!Number.isInteger(maxPacketSize) || maxPacketSize <= 0) throw new RmnetError('BAD_ARGUMENT', `${parent}: bad bulk max packet size ${maxPacketSize}`, Category.usage);
  const other = state.links.filter((l) => l.backend !== backend);
  if (other.length > 0) {
    throw new RmnetError('BACKEND_CONFLICT', `${parent}: ${backend} requested but ${other.map((l) => `${l.name} (${l.backend} mux id ${l.muxId})`).join(', ')} already sit on it; delete them first`, Category.conflict, { interface: parent, links: other.map((l) => l.name) });
  }
  const taken = [...state.links];
  for (const [i, c] of request.create.entries()) {
    checkMuxIdFree(taken, parent, c.muxId);
    taken.push({ muxId: c.muxId, name: `(this request #${i + 1})`, backend, parent, ifindex: null, up: false, mtu: null });
  }

  const wantPassThrough = backend === 'rmnet';
  const modeChange = !cur.rawIp || cur.passThrough !== wantPassThrough;

  // ---- receive size targets
  let needSize = false;
  let mtuIn8023 = 0; // the MTU set in 802.3 mode (URB = + 14)
  let raiseTo: number | null = null; // rmnet: raw-ip MTU after the links exist
  let receiveSize: ReceiveSize | null = null;
  if (granted !== null) {
    if (!Number.isInteger(granted) || granted <= 0) throw new RmnetError('BAD_ARGUMENT', `${parent}: bad granted DL size ${granted}`, Category.usage);
    const limit = backend === 'qmimux' ? MAX_MTU + ETHERNET_HEADER : MAX_MTU;
    if (granted > limit) {
      throw new RmnetError('RECEIVE_SIZE_TOO_LARGE', `${parent}: the modem granted ${granted}-byte DL transfers but usbnet receives at most ${limit} with ${backend}; request a smaller DL aggregation size`, Category.conflict, { interface: parent, granted });
    }
    // The URB follows the MTU, so an MTU at or above the grant already covers it (65535 is the ceiling).
    needSize = granted > cur.mtu && cur.mtu < MAX_MTU;
    if (!needSize) notes.push(`${parent}: MTU ${cur.mtu} already covers the granted ${granted}-byte transfers; sizes left as they are`);
  }
  // rmnet cannot create links on a parent above 16388. With no links yet and an MTU that raw-ip cannot
  // take back (a multiple of the max packet size, left by an 802.3-mode setting), go through 802.3.
  const shrinkForRmnet = backend === 'rmnet' && request.create.length > 0 && state.mtu > RMNET_MAX_PARENT_MTU_AT_CREATE;
  let target = granted;
  if (shrinkForRmnet && state.links.length === 0 && state.mtu % maxPacketSize === 0) {
    target = Math.min(MAX_MTU, Math.max(granted ?? 0, state.mtu));
    needSize = true;
    notes.push(`${parent}: MTU ${state.mtu} cannot be set back in raw-ip (EDOM) after the rmnet links are created; going through 802.3`);
  }
  if (target !== null && needSize) {
    const direct = nearestAllowedMtu(Math.max(target - ETHERNET_HEADER, 1500), ETHERNET_HEADER, maxPacketSize);
    if (backend === 'qmimux' || direct <= RMNET_MAX_PARENT_MTU_AT_CREATE) {
      // One MTU in 802.3 whose URB (MTU + 14) covers the grant; it stays across the switch back to raw-ip.
      mtuIn8023 = nearestAllowedMtu(Math.min(Math.max(target, 1500), MAX_MTU), ETHERNET_HEADER, maxPacketSize);
      if (backend === 'rmnet' && mtuIn8023 > RMNET_MAX_PARENT_MTU_AT_CREATE) mtuIn8023 = direct;
      receiveSize = { granted: target, parentMtu: mtuIn8023, urbSize: mtuIn8023 + ETHERNET_HEADER, maxPacketSize };
      if ((target + ETHERNET_HEADER) % maxPacketSize === 0 && mtuIn8023 === target + 1) {
        notes.push(`${parent}: MTU ${mtuIn8023} instead of ${target}: ${target} + 14 is a multiple of the ${maxPacketSize}-byte max packet size (EDOM)`);
      }
    } else {
      // rmnet with a big grant: links are created at 16384, then the parent grows in raw-ip (URB follows).
      mtuIn8023 = nearestAllowedMtu(16384, ETHERNET_HEADER, maxPacketSize);
      if (mtuIn8023 > RMNET_MAX_PARENT_MTU_AT_CREATE) mtuIn8023 = 16384 - 1;
      raiseTo = nearestAllowedMtu(target, 0, maxPacketSize);
      if (raiseTo > MAX_MTU) throw new RmnetError('RECEIVE_SIZE_TOO_LARGE', `${parent}: no raw-ip MTU >= ${target} avoids EDOM below ${MAX_MTU}`, Category.conflict, { interface: parent, granted: target });
      receiveSize = { granted: target, parentMtu: raiseTo, urbSize: raiseTo, maxPacketSize };
      if (raiseTo !== target) notes.push(`${parent}: raw-ip MTU ${raiseTo} instead of ${target}: ${target} is a multiple of the ${maxPacketSize}-byte max packet size (EDOM)`);
    }
  }

  const toggle = needSize && (cur.maxMtu < Math.max(mtuIn8023, raiseTo ?? 0) || modeChange || !cur.rawIp);
  if ((toggle || modeChange) && state.links.length > 0) {
    throw new RmnetError('LINKS_PRESENT', `${parent}: changing the kernel mode${needSize ? ' or the receive size' : ''} needs the parent free, but ${state.links.map((l) => l.name).join(', ')} sit on it`, Category.conflict, { interface: parent, links: state.links.map((l) => l.name) });
  }
  const wasUp = cur.up;
  if ((toggle || modeChange) && cur.up) {
    push({ op: 'set-up', link: parent, up: false }, { op: 'set-up', link: parent, up: true }, 'raw_ip can only change while the parent is down (EBUSY otherwise)');
    cur.up = false;
  }
  if (toggle) {
    // The Y -> N switch resets the MTU to 1500, so a rollback must put the old one back, in a mode where
    // usbnet takes it: after undoing a first N -> Y (the MTU was an 802.3 one), or, for a raw-ip parent,
    // in 802.3 right before the switch back to raw-ip (how our own plans set it), unless that is EDOM.
    const restore: Step = { action: { op: 'none' }, undo: { op: 'set-mtu', link: parent, mtu: state.mtu }, why: 'restore point for the original MTU' };
    const restoreIn8023 = state.rawIp && (state.mtu + ETHERNET_HEADER) % maxPacketSize !== 0;
    if (!restoreIn8023) steps.push(restore);
    if (cur.passThrough) {
      push({ op: 'set-pass-through', link: parent, value: false }, { op: 'set-pass-through', link: parent, value: true }, 'raw_ip cannot be cleared while pass_through is set');
      cur.passThrough = false;
    }
    if (!cur.rawIp) {
      push({ op: 'set-raw-ip', link: parent, value: true }, { op: 'set-raw-ip', link: parent, value: false }, 'enter raw-ip so that the switch back restores maxmtu');
      cur.rawIp = true;
    }
    push({ op: 'set-raw-ip', link: parent, value: false }, { op: 'set-raw-ip', link: parent, value: true }, 'the raw_ip Y -> N switch restores maxmtu 65535 (1500 after bind)');
    if (restoreIn8023) steps.push(restore);
    cur.rawIp = false;
    cur.mtu = 1500;
    cur.maxMtu = MAX_MTU;
    push({ op: 'set-mtu', link: parent, mtu: mtuIn8023 }, { op: 'set-mtu', link: parent, mtu: cur.mtu }, `802.3 MTU ${mtuIn8023}: receive URBs of ${mtuIn8023 + ETHERNET_HEADER} bytes`);
    cur.mtu = mtuIn8023;
  } else if (needSize && raiseTo === null) {
    // maxmtu already allows it and the mode is right: a raw-ip MTU that avoids EDOM.
    const mtu = nearestAllowedMtu(Math.min(target!, MAX_MTU), 0, maxPacketSize);
    receiveSize = { granted: target!, parentMtu: mtu, urbSize: mtu, maxPacketSize };
    if (backend === 'rmnet' && mtu > RMNET_MAX_PARENT_MTU_AT_CREATE && request.create.length > 0) raiseTo = mtu;
    else {
      push({ op: 'set-mtu', link: parent, mtu }, { op: 'set-mtu', link: parent, mtu: cur.mtu }, `raw-ip MTU ${mtu} so receive URBs cover ${target}-byte transfers`);
      cur.mtu = mtu;
    }
  }
  if (cur.passThrough && !wantPassThrough) {
    push({ op: 'set-pass-through', link: parent, value: false }, { op: 'set-pass-through', link: parent, value: true }, 'qmimux needs pass_through off');
    cur.passThrough = false;
  }
  if (!cur.rawIp) {
    push({ op: 'set-raw-ip', link: parent, value: true }, { op: 'set-raw-ip', link: parent, value: false }, 'QMAP needs raw-ip (the MTU and receive URBs stay)');
    cur.rawIp = true;
  }
  if (wantPassThrough && !cur.passThrough) {
    push({ op: 'set-pass-through', link: parent, value: true }, { op: 'set-pass-through', link: parent, value: false }, 'rmnet receives through the pass_through rx handler');
    cur.passThrough = true;
  }
  if (backend === 'rmnet' && request.create.length > 0 && cur.mtu > RMNET_MAX_PARENT_MTU_AT_CREATE) {
    // rmnet refuses to create a link while parent MTU - headroom > 16384 ("Invalid MTU on real dev"):
    // step down for the creation (never below an existing link's MTU + 4: EPERM), then back up.
    const header = cur.rawIp ? 0 : ETHERNET_HEADER;
    const floor = Math.max(0, ...state.links.map((l) => (l.mtu ?? 0) + 4));
    let low = RMNET_MAX_PARENT_MTU_AT_CREATE;
    while ((low + header) % maxPacketSize === 0) low--;
    if (low < floor) {
      throw new RmnetError('LINKS_PRESENT', `${parent}: rmnet can only add a link while the parent MTU is at most ${RMNET_MAX_PARENT_MTU_AT_CREATE}, but existing links need ${floor}`, Category.conflict, { interface: parent, links: state.links.map((l) => l.name) });
    }
    // Back to the same size afterwards; if raw-ip cannot take it (EDOM), one byte more.
    const back = nearestAllowedMtu(cur.mtu, header, maxPacketSize);
    if (back !== cur.mtu) notes.push(`${parent}: MTU ${back} instead of ${cur.mtu} after the link creation: ${cur.mtu} is EDOM in raw-ip`);
    push({ op: 'set-mtu', link: parent, mtu: low }, { op: 'set-mtu', link: parent, mtu: back }, `rmnet creates links only while the parent MTU - 4 <= ${RMNET_MAX_LINK_MTU}`);
    raiseTo = raiseTo ?? back;
    cur.mtu = low;
  }
  for (const c of request.create) {
    push({ op: 'create-link', backend, parent, muxId: c.muxId, ...(c.name ? { name: c.name } : {}) }, { op: 'delete-link', backend, parent, muxId: c.muxId }, `${backend} link for mux id ${c.muxId}`);
  }
  if (!cur.up && (wasUp || request.create.length > 0 || toggle || modeChange)) {
    push({ op: 'set-up', link: parent, up: true }, { op: 'set-up', link: parent, up: false }, 'links cannot open while the parent is down (ENETDOWN)');
    cur.up = true;
  }
  for (const c of request.create) {
    push({ op: 'set-mux-link-up', backend, parent, muxId: c.muxId, up: true }, { op: 'set-mux-link-up', backend, parent, muxId: c.muxId, up: false }, `bring mux id ${c.muxId} up`);
  }
  if (raiseTo !== null) {
    // Undo to the nearest MTU raw-ip takes: the 16384 the links were created at (set in 802.3) is EDOM here.
    const undoMtu = nearestAllowedMtu(cur.mtu, cur.rawIp ? 0 : ETHERNET_HEADER, maxPacketSize);
    push({ op: 'set-mtu', link: parent, mtu: raiseTo }, { op: 'set-mtu', link: parent, mtu: undoMtu }, `raw-ip MTU ${raiseTo} now that the rmnet links exist: receive URBs of ${raiseTo} bytes`);
    cur.mtu = raiseTo;
  }
  return { steps, receiveSize, notes };
}

/** qmi_wwan's mode and the parent MTU, as `up` found them (the record's kernelBefore). */
export interface KernelMode {
  rawIp: boolean;
  passThrough: boolean;
  mtu: number;
}

/**
 * The way back: the steps that put a parent without links back into `before`, in the kernel's orders
 * (the same rules as the way up): the parent down for a mode change; pass_through cleared before raw_ip
 * and set after it; the raw_ip Y -> N switch resets the MTU to 1500 (and maxmtu to 65535); an MTU
 * raw-ip refuses (EDOM: a multiple of the max packet size) or maxmtu forbids is set in 802.3 right
 * before the switch to raw-ip, the way up's plans set it; the parent up again if it was. No undos:
 * this is the undo. `maxPacketSize` null: not usbnet (mhi_net), no EDOM rule.
 */
export function planRestore(state: ParentState, before: KernelMode, maxPacketSize: number | null): Plan {
  const parent = state.name;
  const steps: Step[] = [];
  const notes: string[] = [];
  const cur = { rawIp: state.rawIp, passThrough: state.passThrough, up: state.up, mtu: state.mtu, maxMtu: state.maxMtu ?? 1500 };
  const push = (action: Action, why: string) => steps.push({ action, undo: null, why });
  const edom = (mtu: number, header: number) => maxPacketSize !== null && (mtu + header) % maxPacketSize === 0;

  const modeChange = cur.rawIp !== before.rawIp || cur.passThrough !== before.passThrough;
  const through8023 = before.rawIp && before.mtu !== cur.mtu && before.mtu <= MAX_MTU && (edom(before.mtu, 0) || before.mtu > cur.maxMtu) && !edom(before.mtu, ETHERNET_HEADER);
  const needDown = modeChange || through8023;
  if (needDown && state.links.length > 0) {
    throw new RmnetError('LINKS_PRESENT', `${parent}: restoring the kernel mode needs the parent free, but ${state.links.map((l) => l.name).join(', ')} sit on it`, Category.conflict, { interface: parent, links: state.links.map((l) => l.name) });
  }
  const wasUp = cur.up;
  if (needDown && cur.up) {
    push({ op: 'set-up', link: parent, up: false }, 'raw_ip and pass_through can only change while the parent is down');
    cur.up = false;
  }
  if (cur.passThrough && (!before.passThrough || through8023)) {
    push({ op: 'set-pass-through', link: parent, value: false }, 'raw_ip cannot be cleared while pass_through is set');
    cur.passThrough = false;
  }
  if (cur.rawIp && (!before.rawIp || through8023)) {
    push({ op: 'set-raw-ip', link: parent, value: false }, 'back to 802.3 (the switch resets the MTU to 1500 and maxmtu to 65535)');
    cur.rawIp = false;
    cur.mtu = 1500;
    cur.maxMtu = MAX_MTU;
  }
  if (!cur.rawIp && before.rawIp) {
    if (through8023 && cur.mtu !== before.mtu) {
      push({ op: 'set-mtu', link: parent, mtu: before.mtu }, `MTU ${before.mtu} in 802.3: raw-ip refuses it (EDOM) or maxmtu forbids it, and it survives the switch to raw-ip`);
      cur.mtu = before.mtu;
    }
    push({ op: 'set-raw-ip', link: parent, value: true }, 'back to raw-ip (the MTU stays)');
    cur.rawIp = true;
  }
  if (!cur.passThrough && before.passThrough) {
    push({ op: 'set-pass-through', link: parent, value: true }, 'back to pass_through (needs raw_ip)');
    cur.passThrough = true;
  }
  if (cur.mtu !== before.mtu) {
    const header = cur.rawIp ? 0 : ETHERNET_HEADER;
    const mtu = maxPacketSize !== null && edom(before.mtu, header) ? nearestAllowedMtu(before.mtu, header, maxPacketSize) : before.mtu;
    if (mtu !== before.mtu) notes.push(`${parent}: MTU ${mtu} instead of ${before.mtu}: ${before.mtu} is EDOM in ${cur.rawIp ? 'raw-ip' : '802.3'}`);
    if (mtu !== cur.mtu) {
      push({ op: 'set-mtu', link: parent, mtu }, `the MTU it had (${before.mtu})`);
      cur.mtu = mtu;
    }
  }
  if (needDown && wasUp) push({ op: 'set-up', link: parent, up: true }, 'it was up');
  return { steps, receiveSize: null, notes };
}
