// One in-memory model of the kernel for tests: interfaces (qmi_wwan parents, qmimux and rmnet children,
// dummy/veth, lo), addresses, routes and neighbours, with the kernel's rules and refusals as documented in
// KERNEL.md and docs/kernel.md (measured on 6.1 in the lab, 6.18 on the host). It is only reached through
// two views of the SAME state: `ModelSocket` (RtNetlink's RequestSocket: real rtnetlink bytes in, real
// answers and NLMSG_ERROR with extack out) and `ModelSysfs` (src/sysfs's Sysfs). test/contract runs one
// suite against this model and against the real kernel, so the two cannot drift apart unnoticed.
import * as C from '../../../src/netlink/constants.js';

/** A refusal, as the kernel gives it: an errno name and, where the kernel sends one, its extack text. */
export class KernelErrno extends Error {
  constructor(readonly errno: string, readonly extack?: string) {
    super(extack ? `${extack} (${errno})` : errno);
  }
}

const refuse = (errno: string, extack?: string): never => {
  throw new KernelErrno(errno, extack);
};

export const ARPHRD_ETHER = 1;
export const ARPHRD_RAWIP = 519;
export const ARPHRD_LOOPBACK = 772;
export const ARPHRD_NONE = 65534;
/** rmnet's QMAP header: a child needs parent MTU >= child MTU + 4. */
export const RMNET_HEADROOM = 4;
export const RMNET_MAX_PACKET_SIZE = 16384;

/** qmi_wwan + usbnet state of a parent. */
export interface QmiWwanState {
  rawIp: boolean;
  passThrough: boolean;
  /** Bulk-in max packet size (512 high speed, 1024 SuperSpeed): usbnet refuses MTU + header multiples (EDOM). */
  maxPacketSize: number;
  /** usbnet's dev->hard_mtu and rx_urb_size. */
  hardMtu: number;
  urbSize: number;
  /** max_mtu after the raw_ip Y -> N switch, on a kernel that keeps usbnet's cap there (default: 65535). */
  cappedMaxMtu?: number;
}

export interface ModelInterface {
  index: number;
  name: string;
  /** IFLA_INFO_KIND; null for drivers without rtnl link ops (qmi_wwan, qmimux, lo). */
  kind: string | null;
  flags: number;
  mtu: number;
  minMtu: number;
  maxMtu: number;
  type: number;
  /** IFLA_LINK: rmnet's real device; veth's peer. */
  parentIndex: number | null;
  /** rmnet: IFLA_RMNET_MUX_ID and flags; qmimux: qmap/mux_id. */
  muxId: number | null;
  rmnetFlags: { flags: number; mask: number } | null;
  /** qmimux: the qmi_wwan parent (lower device). */
  qmimuxParent: number | null;
  address: Uint8Array | null;
  qmi: QmiWwanState | null;
  /** Canonical sysfs path (root-relative) of the netdev directory. */
  devicePath: string;
  /** Set when another rx handler (a bridge, ...) holds the device: rmnet refuses it with EBUSY. */
  rxHandler: string | null;
  /** struct rtnl_link_stats64 by field name, reported as IFLA_STATS64 (the fields not set read 0); tests move
   *  the packet and byte counters with `count`, or set any field. */
  stats: LinkCounters;
}

export interface LinkCounters extends Record<string, number> {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
}

export interface ModelAddress {
  index: number;
  family: 4 | 6;
  /** Address bytes (4 or 16). */
  bytes: Uint8Array;
  prefixLength: number;
  flags: number;
}

export interface ModelRoute {
  family: 4 | 6;
  destination: Uint8Array;
  prefixLength: number;
  gateway: Uint8Array | null;
  outputIndex: number | null;
  metric: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  /** RTA_MULTIPATH (IPv4 ECMP): then outputIndex and gateway are null. */
  nexthops?: Array<{ outputIndex: number; weight: number }>;
}

export interface ModelNeighbour {
  index: number;
  family: 4 | 6;
  bytes: Uint8Array;
  lladdr: Uint8Array | null;
  state: number;
}

/** One kernel step as it reached a view: what the fault hook matches on, and the log. */
export interface KernelStep {
  /** 1-based count of mutating steps since the model was made. */
  number: number;
  /** "RTM_NEWLINK wwan0 mtu 16385", "write class/net/wwan0/qmi/raw_ip Y". */
  what: string;
}

export interface Fault {
  /** Fail the n-th mutating step counted from when the fault was set (1 = the next one). */
  at?: number;
  /** Or every step whose description matches. */
  match?: RegExp | ((step: KernelStep) => boolean);
  errno: string;
  extack?: string;
  /** How many times it fires (default 1 with `at`, unlimited with `match`). */
  times?: number;
}

interface ArmedFault extends Fault {
  atStep?: number;
  remaining: number;
}

const sameBytes = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
  a === b || (a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]));

function inPrefix(address: Uint8Array, prefix: Uint8Array, length: number): boolean {
  if (address.length !== prefix.length) return false;
  for (let bit = 0; bit < length; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((address[bit >> 3]! & mask) !== (prefix[bit >> 3]! & mask)) return false;
  }
  return true;
}

export class KernelModel {
  private readonly interfaces = new Map<number, ModelInterface>();
  addresses: ModelAddress[] = [];
  routes: ModelRoute[] = [];
  neighbours: ModelNeighbour[] = [];
  /** Loaded link kinds (rtnl_link_ops): without 'rmnet', RTM_NEWLINK kind rmnet is "Unknown device type". */
  readonly linkKinds = new Set(['rmnet', 'dummy', 'veth']);
  /** Every mutating step that reached the model, in order (refused ones too). */
  readonly log: KernelStep[] = [];
  private nextIndex = 1;
  private stepCount = 0;
  private faults: ArmedFault[] = [];

  constructor() {
    this.add({ name: 'lo', kind: null, flags: C.IFF_UP | C.IFF_LOOPBACK | C.IFF_LOWER_UP, mtu: 65536, type: ARPHRD_LOOPBACK });
  }

  get rmnetLoaded(): boolean {
    return this.linkKinds.has('rmnet');
  }
  set rmnetLoaded(loaded: boolean) {
    if (loaded) this.linkKinds.add('rmnet');
    else this.linkKinds.delete('rmnet');
  }

  // ---- the fault hook ------------------------------------------------------------------------------

  /** Arms a fault: the chosen kernel step is refused with `errno` (and `extack`) instead of being applied. */
  fail(fault: Fault): void {
    this.faults.push({ ...fault, ...(fault.at !== undefined ? { atStep: this.stepCount + fault.at } : {}), remaining: fault.times ?? (fault.at !== undefined ? 1 : Infinity) });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Called by the views before each mutating step: logs it and fires an armed fault. */
  step(what: string): void {
    const step = { number: ++this.stepCount, what };
    this.log.push(step);
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      const hit = f.atStep !== undefined ? f.atStep === step.number : f.match instanceof RegExp ? f.match.test(what) : f.match ? f.match(step) : false;
      if (hit) {
        f.remaining--;
        refuse(f.errno, f.extack);
      }
    }
  }

  // ---- state, for setting up and asserting -----------------------------------------------------------

  /** Adds an interface as it would be after its driver bound (test setup; not a kernel step). */
  add(spec: Partial<ModelInterface> & { name: string }): ModelInterface {
    if (this.byName(spec.name)) throw new Error(`model: ${spec.name} exists`);
    const index = spec.index ?? this.nextIndex;
    if (this.interfaces.has(index)) throw new Error(`model: ifindex ${index} is taken`);
    this.nextIndex = Math.max(this.nextIndex, index + 1);
    const iface: ModelInterface = {
      kind: null, flags: 0, mtu: 1500, minMtu: 0, maxMtu: 0, type: ARPHRD_ETHER, parentIndex: null, muxId: null, rmnetFlags: null,
      qmimuxParent: null, address: null, qmi: null, devicePath: `devices/virtual/net/${spec.name}`, rxHandler: null,
      stats: { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0 },
      ...spec,
      index,
    };
    this.interfaces.set(index, iface);
    return iface;
  }

  /**
   * A qmi_wwan interface freshly bound (6.1): 802.3, maxmtu 1500 (usbnet cuts it after bind), URBs of MTU + 14.
   * `state` overrides for a parent some earlier setup left behind.
   */
  addQmiWwan(name: string, options: { index?: number; devicePath?: string; maxPacketSize?: number; rawIp?: boolean; passThrough?: boolean; up?: boolean; mtu?: number; maxMtu?: number; urbSize?: number; cappedMaxMtu?: number } = {}): ModelInterface {
    const rawIp = options.rawIp ?? false;
    const mtu = options.mtu ?? 1500;
    const hardMtu = mtu + (rawIp ? 0 : 14);
    return this.add({
      name,
      ...(options.index !== undefined ? { index: options.index } : {}),
      ...(options.devicePath ? { devicePath: options.devicePath } : {}),
      kind: null,
      flags: (rawIp ? C.IFF_POINTOPOINT | C.IFF_NOARP | C.IFF_MULTICAST : C.IFF_BROADCAST | C.IFF_MULTICAST) | (options.up ? C.IFF_UP | C.IFF_LOWER_UP : 0),
      type: rawIp ? ARPHRD_NONE : ARPHRD_ETHER,
      mtu,
      maxMtu: options.maxMtu ?? 1500,
      address: rawIp ? null : Uint8Array.from([0x02, 0x50, 0xf3, 0x00, 0x00, 0x00]),
      qmi: { rawIp, passThrough: options.passThrough ?? false, maxPacketSize: options.maxPacketSize ?? 512, hardMtu, urbSize: options.urbSize ?? hardMtu, ...(options.cappedMaxMtu !== undefined ? { cappedMaxMtu: options.cappedMaxMtu } : {}) },
    });
  }

  /** Traffic through a link (test setup; not a kernel step): packets counted, 100 bytes each unless given. */
  count(ref: number | string, traffic: { rxPackets?: number; txPackets?: number; rxBytes?: number; txBytes?: number }): void {
    const s = this.get(ref).stats;
    s.rxPackets += traffic.rxPackets ?? 0;
    s.txPackets += traffic.txPackets ?? 0;
    s.rxBytes += traffic.rxBytes ?? 100 * (traffic.rxPackets ?? 0);
    s.txBytes += traffic.txBytes ?? 100 * (traffic.txPackets ?? 0);
  }

  list(): ModelInterface[] {
    return [...this.interfaces.values()].sort((a, b) => a.index - b.index);
  }

  byIndex(index: number): ModelInterface | undefined {
    return this.interfaces.get(index);
  }

  byName(name: string): ModelInterface | undefined {
    return [...this.interfaces.values()].find((i) => i.name === name);
  }

  /** The interface or ENODEV. */
  get(ref: number | string): ModelInterface {
    return (typeof ref === 'number' ? this.byIndex(ref) : this.byName(ref)) ?? refuse('ENODEV');
  }

  isUp(i: ModelInterface): boolean {
    return (i.flags & C.IFF_UP) !== 0;
  }

  /** Devices stacked on `i` (upper_* in sysfs): its qmimux and rmnet children. */
  uppers(i: ModelInterface): ModelInterface[] {
    return this.list().filter((c) => c.qmimuxParent === i.index || (c.kind === 'rmnet' && c.parentIndex === i.index));
  }

  /** The device `i` sits on (lower_* in sysfs). */
  lower(i: ModelInterface): ModelInterface | undefined {
    const index = i.qmimuxParent ?? (i.kind === 'rmnet' ? i.parentIndex : null);
    return index === null ? undefined : this.byIndex(index);
  }

  // ---- links (the rules both views share) ------------------------------------------------------------

  setUp(i: ModelInterface, up: boolean): void {
    if (up === this.isUp(i)) return;
    if (up) {
      // qmimux_open: a child cannot open while its qmi_wwan parent is down.
      const lower = i.qmimuxParent !== null ? this.byIndex(i.qmimuxParent) : undefined;
      if (lower && !this.isUp(lower)) refuse('ENETDOWN');
      i.flags |= C.IFF_UP | C.IFF_LOWER_UP;
      return;
    }
    i.flags &= ~(C.IFF_UP | C.IFF_LOWER_UP);
    // As the plan tests' former FakeKernel: qmimux children go down with their parent.
    for (const child of this.uppers(i)) if (child.qmimuxParent === i.index) child.flags &= ~(C.IFF_UP | C.IFF_LOWER_UP);
  }

  /** dev_set_mtu: core range check, rmnet's veto on a real device, then the driver's own rule. */
  setMtu(i: ModelInterface, mtu: number): void {
    if (mtu === i.mtu) return;
    if (i.maxMtu > 0 && mtu > i.maxMtu) refuse('EINVAL', 'mtu greater than device maximum');
    if (mtu < i.minMtu) refuse('EINVAL', 'mtu less than device minimum');
    // rmnet's NETDEV_PRECHANGEMTU notifier on the real device: no child may exceed the new MTU.
    if (this.uppers(i).some((c) => c.kind === 'rmnet' && c.mtu + RMNET_HEADROOM > mtu)) refuse('EPERM');
    if (i.kind === 'rmnet') {
      const real = i.parentIndex !== null ? this.byIndex(i.parentIndex) : undefined;
      if (mtu < 0 || mtu > RMNET_MAX_PACKET_SIZE || (real && mtu > real.mtu - RMNET_HEADROOM)) refuse('EINVAL');
    }
    if (i.qmi) {
      // usbnet_change_mtu: EDOM when MTU + header is a multiple of the bulk max packet size; the receive URB
      // follows the MTU only while it still equals the old hard MTU.
      const hardMtu = mtu + (i.qmi.rawIp ? 0 : 14);
      if (hardMtu % i.qmi.maxPacketSize === 0) refuse('EDOM');
      if (i.qmi.urbSize === i.qmi.hardMtu) i.qmi.urbSize = hardMtu;
      i.qmi.hardMtu = hardMtu;
    }
    i.mtu = mtu;
  }

  setAddress(i: ModelInterface, mac: Uint8Array): void {
    if (i.type === ARPHRD_ETHER && ((mac[0]! & 1) === 1 || mac.every((b) => b === 0))) refuse('EADDRNOTAVAIL');
    i.address = Uint8Array.from(mac);
  }

  /** RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL. */
  createLink(spec: { name: string; kind: string; parentIndex?: number; mtu?: number; up?: boolean; muxId?: number; rmnetFlags?: { flags: number; mask: number }; peerName?: string }): ModelInterface {
    if (this.byName(spec.name)) refuse('EEXIST');
    if (!this.linkKinds.has(spec.kind)) refuse('EOPNOTSUPP', 'Unknown device type');
    let made: ModelInterface;
    switch (spec.kind) {
      case 'rmnet': {
        if (spec.parentIndex === undefined) refuse('EINVAL');
        const real = this.byIndex(spec.parentIndex!) ?? refuse('ENODEV');
        if (spec.muxId === undefined) refuse('EINVAL', 'MUX ID not specified');
        if (spec.muxId! > 254) refuse('ERANGE');
        if (real.rxHandler) refuse('EBUSY');
        if (this.uppers(real).some((c) => c.kind === 'rmnet' && c.muxId === spec.muxId)) refuse('EBUSY', 'MUX ID already exists');
        if (real.mtu - RMNET_HEADROOM > RMNET_MAX_PACKET_SIZE) refuse('EINVAL', 'Invalid MTU on real dev');
        made = this.add({
          name: spec.name, kind: 'rmnet', type: ARPHRD_RAWIP, flags: C.IFF_NOARP, maxMtu: 0,
          mtu: Math.min(real.mtu - RMNET_HEADROOM, RMNET_MAX_PACKET_SIZE), parentIndex: real.index, muxId: spec.muxId!,
          rmnetFlags: spec.rmnetFlags ? { ...spec.rmnetFlags } : { flags: 0, mask: 0 },
        });
        // The data format lives on the parent port: the last link created sets it for every link.
        if (spec.rmnetFlags) for (const c of this.uppers(real)) if (c.kind === 'rmnet') c.rmnetFlags = { ...spec.rmnetFlags };
        break;
      }
      case 'dummy':
        made = this.add({ name: spec.name, kind: 'dummy', flags: C.IFF_BROADCAST | C.IFF_NOARP, maxMtu: 0, address: Uint8Array.from([0x02, 0, 0, 0, 0, this.nextIndex & 0xff]) });
        break;
      case 'veth': {
        const peerName = spec.peerName ?? refuse('EINVAL');
        if (this.byName(peerName)) refuse('EEXIST');
        made = this.add({ name: spec.name, kind: 'veth', flags: C.IFF_BROADCAST | C.IFF_MULTICAST, minMtu: 68, maxMtu: 65535, address: Uint8Array.from([0x02, 0, 0, 0, 1, this.nextIndex & 0xff]) });
        const peer = this.add({ name: peerName, kind: 'veth', flags: C.IFF_BROADCAST | C.IFF_MULTICAST, minMtu: 68, maxMtu: 65535, parentIndex: made.index, address: Uint8Array.from([0x02, 0, 0, 0, 1, this.nextIndex & 0xff]) });
        made.parentIndex = peer.index;
        break;
      }
      default:
        refuse('EOPNOTSUPP', 'Unknown device type');
    }
    if (spec.mtu !== undefined) this.setMtu(made!, spec.mtu);
    if (spec.up) this.setUp(made!, true);
    return made!;
  }

  /** RTM_DELLINK: only devices with rtnl link ops; stacked devices go with their real device. */
  deleteLink(i: ModelInterface): void {
    if (i.kind === null) refuse('EOPNOTSUPP');
    this.remove(i);
    if (i.kind === 'veth' && i.parentIndex !== null) {
      const peer = this.byIndex(i.parentIndex);
      if (peer) this.remove(peer);
    }
  }

  private remove(i: ModelInterface): void {
    for (const child of this.uppers(i)) this.remove(child);
    this.interfaces.delete(i.index);
    this.addresses = this.addresses.filter((a) => a.index !== i.index);
    // A multipath route dies with any of its nexthops' devices (fib_sync_down_dev on unregister).
    this.routes = this.routes.filter((r) => r.outputIndex !== i.index && !r.nexthops?.some((nh) => nh.outputIndex === i.index));
    this.neighbours = this.neighbours.filter((n) => n.index !== i.index);
  }

  // ---- qmi_wwan sysfs (qmi_wwan.c) ------------------------------------------------------------------

  qmiOf(i: ModelInterface): QmiWwanState {
    return i.qmi ?? refuse('ENOENT');
  }

  setRawIp(i: ModelInterface, enable: boolean): void {
    const q = this.qmiOf(i);
    if (enable === q.rawIp) return;
    if (!enable && q.passThrough) refuse('EINVAL');
    if (this.isUp(i)) refuse('EBUSY');
    q.rawIp = enable;
    if (enable) {
      i.type = ARPHRD_NONE;
      i.flags = (i.flags & (C.IFF_UP | C.IFF_LOWER_UP)) | C.IFF_POINTOPOINT | C.IFF_NOARP | C.IFF_MULTICAST;
    } else {
      // qmi_wwan_netdev_setup's 802.3 branch (raw -> 802.3 only): ether_setup, MTU 1500, maxmtu 65535. The
      // URB size and hard MTU stay as they were (the lab: "the MTU stays, URBs stay").
      i.type = ARPHRD_ETHER;
      i.flags = (i.flags & (C.IFF_UP | C.IFF_LOWER_UP)) | C.IFF_BROADCAST | C.IFF_MULTICAST;
      i.mtu = 1500;
      // A kernel whose usbnet cap is not lifted here (c7159e960f14 without qmi_wwan restoring ETH_MAX_MTU):
      // `cappedMaxMtu` models it; the kernels the lab runs all restore 65535 (test/lab/kernels.test.ts).
      i.maxMtu = q.cappedMaxMtu ?? 65535;
    }
  }

  setPassThrough(i: ModelInterface, enable: boolean): void {
    const q = this.qmiOf(i);
    if (enable === q.passThrough) return;
    if (enable && !q.rawIp) refuse('EINVAL');
    q.passThrough = enable;
  }

  /** add_mux: 1..254, unique among the parent's children; the child is named qmimux%d (lowest free). */
  addMux(parent: ModelInterface, muxId: number): ModelInterface {
    this.qmiOf(parent);
    if (!(Number.isInteger(muxId) && muxId >= 1 && muxId <= 254)) refuse('EINVAL');
    // qmi_wwan reads every upper device as a qmimux child; an rmnet link reads as mux id 0.
    if (this.uppers(parent).some((c) => (c.qmimuxParent === parent.index ? c.muxId : 0) === muxId)) refuse('EINVAL');
    let n = 0;
    while (this.byName(`qmimux${n}`)) n++;
    return this.add({ name: `qmimux${n}`, kind: null, type: ARPHRD_NONE, flags: C.IFF_POINTOPOINT | C.IFF_NOARP | C.IFF_MULTICAST, mtu: 1500, maxMtu: 0, muxId, qmimuxParent: parent.index });
  }

  delMux(parent: ModelInterface, muxId: number): void {
    this.qmiOf(parent);
    const child = this.uppers(parent).find((c) => c.qmimuxParent === parent.index && c.muxId === muxId) ?? refuse('EINVAL');
    this.remove(child);
  }

  // ---- addresses, routes, neighbours ---------------------------------------------------------------

  addAddress(a: ModelAddress): void {
    this.get(a.index);
    const v = a.family === 4 ? 'ipv4' : 'ipv6';
    if (this.addresses.some((x) => x.index === a.index && sameBytes(x.bytes, a.bytes) && (a.family === 6 || x.prefixLength === a.prefixLength))) refuse('EEXIST', a.family === 4 ? `${v}: Address already assigned` : undefined);
    this.addresses.push({ ...a, bytes: Uint8Array.from(a.bytes) });
  }

  deleteAddress(a: Pick<ModelAddress, 'index' | 'family' | 'bytes' | 'prefixLength'>): void {
    this.get(a.index);
    const at = this.addresses.findIndex((x) => x.index === a.index && x.family === a.family && sameBytes(x.bytes, a.bytes));
    if (at < 0) refuse('EADDRNOTAVAIL', a.family === 4 ? 'ipv4: Address not found' : undefined);
    this.addresses.splice(at, 1);
  }

  /** `replace`: NLM_F_REPLACE, the route of the same destination and metric is swapped in place (or created). */
  addRoute(r: ModelRoute, replace = false): void {
    if (r.outputIndex !== null) this.get(r.outputIndex);
    for (const nh of r.nexthops ?? []) this.get(nh.outputIndex);
    if (r.gateway) {
      // fib_check_nh: the gateway must be on a prefix of the output device (or of some device).
      const reachable = this.addresses.some((a) => (r.outputIndex === null || a.index === r.outputIndex) && inPrefix(r.gateway!, a.bytes, a.prefixLength));
      if (!reachable) refuse('ENETUNREACH', 'Nexthop has invalid gateway');
    }
    const same = this.routes.findIndex((x) => x.family === r.family && x.table === r.table && x.prefixLength === r.prefixLength && sameBytes(x.destination, r.destination) && x.metric === r.metric);
    if (same >= 0 && replace) this.routes[same] = r;
    else if (same >= 0) refuse('EEXIST');
    else this.routes.push(r);
  }

  deleteRoute(r: Pick<ModelRoute, 'family' | 'table' | 'prefixLength' | 'destination'> & { gateway: Uint8Array | null; outputIndex: number | null; metric: number | null }): void {
    const at = this.routes.findIndex((x) => x.family === r.family && x.table === r.table && x.prefixLength === r.prefixLength && sameBytes(x.destination, r.destination)
      && (r.metric === null || x.metric === r.metric) && (r.outputIndex === null || x.outputIndex === r.outputIndex) && (r.gateway === null || sameBytes(x.gateway, r.gateway)));
    if (at < 0) refuse('ESRCH');
    this.routes.splice(at, 1);
  }

  replaceNeighbour(n: ModelNeighbour): void {
    this.get(n.index);
    this.neighbours = this.neighbours.filter((x) => !(x.index === n.index && sameBytes(x.bytes, n.bytes)));
    this.neighbours.push(n);
  }

  deleteNeighbour(n: Pick<ModelNeighbour, 'index' | 'bytes'>): void {
    this.get(n.index);
    if (!this.neighbours.some((x) => x.index === n.index && sameBytes(x.bytes, n.bytes))) refuse('ENOENT');
    this.neighbours = this.neighbours.filter((x) => !(x.index === n.index && sameBytes(x.bytes, n.bytes)));
  }
}
