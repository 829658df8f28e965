// Test doubles: a sysfs over a writable copy of a recorded tree that answers qmi_wwan's writes the way
// the kernel does (creating qmimux children with qmap/mux_id and upper/lower links), and an in-memory
// Netlink with rmnet links, MAC addresses, neighbours and the kernel's refusals.
import { cpSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, readFileSync, unlinkSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSysfs } from '../../../src/sysfs/sysfs.js';
import { Category } from '../../../src/errors.js';
import * as C from '../../../src/netlink/constants.js';
import { NetlinkError } from '../../../src/netlink/errors.js';
import type { Address, AddressSpec, Neighbour, NeighbourSpec, Netlink, RmnetLinkSpec, Route, RouteSpec } from '../../../src/netlink/rtnl.js';
import { parseIp } from '../../../src/ip-address.js';
import { formatLladdr, parseMac } from '../../../src/netlink/ip.js';
import type { Link, LinkRef } from '../../../src/netlink/link.js';

const errno = (code: string, message: string) => Object.assign(new Error(`${message}: ${code}`), { code });

export class QmiWwanSysfs extends FileSysfs {
  readonly writes: string[] = [];
  /** Called when add_mux creates a child (a Netlink double can learn the new interface). */
  onAddMux: ((name: string, ifindex: number) => void) | undefined;
  private nextIndex = 10;

  static copyOf(fixture: string): QmiWwanSysfs {
    const dir = mkdtempSync(join(tmpdir(), `rmnetctl-sysfs-${fixture}-`));
    cpSync(fileURLToPath(new URL(`../../fixtures/sysfs/${fixture}/sys`, import.meta.url)), join(dir, 'sys'), { recursive: true, verbatimSymlinks: true });
    return new QmiWwanSysfs(join(dir, 'sys'));
  }

  cleanup(): void {
    rmSync(join(this.root, '..'), { recursive: true, force: true });
  }

  override async write(path: string, value: string): Promise<void> {
    this.writes.push(`${path}=${value}`);
    const m = /^class\/net\/([^/]+)\/qmi\/(add_mux|del_mux|raw_ip|pass_through)$/.exec(path);
    if (!m) return super.write(path, value);
    const [, parent, attribute] = m as unknown as [string, string, string];
    const dev = join(this.root, 'class/net', parent);
    const read = (p: string) => readFileSync(join(dev, p), 'utf8').trim();
    if (attribute === 'raw_ip') {
      if ((Number(read('flags')) & 1) === 1) throw errno('EBUSY', 'write raw_ip');
      if (value === 'N' && read('qmi/pass_through') === 'Y') throw errno('EINVAL', 'write raw_ip');
      return super.write(path, `${value}\n`);
    }
    if (attribute === 'pass_through') {
      if (value === 'Y' && read('qmi/raw_ip') !== 'Y') throw errno('EINVAL', 'write pass_through');
      return super.write(path, `${value}\n`);
    }
    const id = Number(value);
    const children = readdirSync(dev).filter((e) => e.startsWith('upper_')).map((e) => e.slice(6));
    const muxOf = (child: string) => {
      try {
        return Number.parseInt(readFileSync(join(this.root, 'class/net', child, 'qmap/mux_id'), 'utf8'), 16);
      } catch {
        return 0; // qmi_wwan reads a non-qmimux upper device as mux id 0
      }
    };
    if (attribute === 'add_mux') {
      if (!(id >= 1 && id <= 254) || children.some((c) => muxOf(c) === id)) throw errno('EINVAL', 'write add_mux');
      let n = 0;
      while (readdirSync(join(this.root, 'class/net')).includes(`qmimux${n}`)) n++;
      const name = `qmimux${n}`;
      const child = join(this.root, 'devices/virtual/net', name);
      mkdirSync(join(child, 'qmap'), { recursive: true });
      writeFileSync(join(child, 'qmap/mux_id'), `0x${id.toString(16).padStart(2, '0')}\n`);
      const ifindex = this.nextIndex++;
      writeFileSync(join(child, 'ifindex'), `${ifindex}\n`);
      writeFileSync(join(child, 'mtu'), '1500\n');
      writeFileSync(join(child, 'flags'), '0x1090\n');
      symlinkSync(`../../devices/virtual/net/${name}`, join(this.root, 'class/net', name));
      // Relative targets, like the kernel's, so they resolve inside the copied tree.
      const parentReal = realpathSync(dev);
      symlinkSync(relative(child, parentReal), join(child, `lower_${parent}`));
      symlinkSync(relative(parentReal, child), join(parentReal, `upper_${name}`));
      this.onAddMux?.(name, ifindex);
      return;
    }
    const holder = children.find((c) => muxOf(c) === id);
    if (!holder) throw errno('EINVAL', 'write del_mux');
    unlinkSync(join(dev, `upper_${holder}`));
    unlinkSync(join(this.root, 'class/net', holder));
    rmSync(join(this.root, 'devices/virtual/net', holder), { recursive: true });
  }
}

export class FakeNetlink implements Netlink {
  links: Link[] = [];
  rmnetLoaded = true;
  /** Set to make rmnet creation fail like a parent held by a bridge. */
  parentHeldBy: string | undefined;

  static link(partial: Partial<Link> & { index: number; name: string }): Link {
    return { flags: 0, up: false, lowerUp: false, mtu: 1500, minMtu: 0, maxMtu: 1500, kind: null, parentIndex: null, muxId: null, rmnetFlags: null, type: 65534, operstate: null, address: null, stats: null, ...partial };
  }

  private find(ref: LinkRef): Link | undefined {
    return this.links.find((l) => (typeof ref === 'number' ? l.index === ref : l.name === ref));
  }

  async listLinks(): Promise<Link[]> {
    return structuredClone(this.links);
  }
  async getLink(ref: LinkRef): Promise<Link> {
    const l = this.find(ref);
    if (!l) throw new NetlinkError('NO_SUCH_INTERFACE', `${String(ref)}: no such interface`, 'ENODEV', undefined, { interface: ref });
    return structuredClone(l);
  }
  async findLink(ref: LinkRef): Promise<Link | undefined> {
    return this.find(ref);
  }
  async createLink(): Promise<Link> {
    throw new Error('not modelled');
  }
  async createRmnetLink(spec: RmnetLinkSpec): Promise<Link> {
    const parent = await this.getLink(spec.parent);
    const what = `create rmnet link ${spec.name} on ${parent.name} with mux id ${spec.muxId}`;
    if (!this.rmnetLoaded) throw new NetlinkError('LINK_KIND_UNSUPPORTED', `${what}: the rmnet module is not loaded (modprobe rmnet)`, 'EOPNOTSUPP', 'Unknown device type');
    if (this.parentHeldBy) throw new NetlinkError('PARENT_BUSY', `${what}: ${parent.name} already has a receive handler (held by ${this.parentHeldBy})`, 'EBUSY', undefined);
    if (this.find(spec.name)) throw new NetlinkError('LINK_EXISTS', `${what}: exists`, 'EEXIST', undefined);
    const index = Math.max(...this.links.map((l) => l.index)) + 1;
    const link = FakeNetlink.link({ index, name: spec.name, kind: 'rmnet', parentIndex: parent.index, muxId: spec.muxId, rmnetFlags: spec.flags ? { ...spec.flags } : null, mtu: Math.min((parent.mtu ?? 1500) - 4, 16384), type: 519 });
    this.links.push(link);
    return structuredClone(link);
  }
  async deleteLink(ref: LinkRef): Promise<void> {
    const l = await this.getLink(ref);
    this.links = this.links.filter((x) => x.index !== l.index);
  }
  async setLinkUp(ref: LinkRef, up: boolean): Promise<void> {
    const l = this.find(ref);
    if (!l) throw new NetlinkError('NO_SUCH_INTERFACE', `${String(ref)}: no such interface`, 'ENODEV', undefined);
    l.up = up;
  }
  /** MTUs setMtu refuses with EDOM (as usbnet does for multiples of the max packet size), to test rollbacks. */
  refusedMtus: number[] = [];
  async setMtu(ref: LinkRef, mtu: number): Promise<void> {
    const l = this.find(ref);
    if (!l) throw new NetlinkError('NO_SUCH_INTERFACE', `${String(ref)}: no such interface`, 'ENODEV', undefined);
    if (this.refusedMtus.includes(mtu)) throw new NetlinkError('KERNEL_REFUSED', `set MTU ${mtu} on ${l.name}: EDOM`, 'EDOM', undefined);
    l.mtu = mtu;
  }
  /** The MAC becomes the link's address (lowercase), as the kernel reports it back. */
  async setLinkAddress(ref: LinkRef, mac: string): Promise<void> {
    const bytes = parseMac(mac);
    if (!bytes) throw new NetlinkError('BAD_MAC_ADDRESS', `set address ${mac} on ${String(ref)}: not a MAC address`, 'EINVAL', undefined, { interface: ref, mac }, Category.usage);
    const l = this.find(ref);
    if (!l) throw new NetlinkError('NO_SUCH_INTERFACE', `${String(ref)}: no such interface`, 'ENODEV', undefined);
    l.address = formatLladdr(bytes);
  }
  /** Addresses and routes as given (no kernel semantics beyond "the link must exist"). */
  addresses: AddressSpec[] = [];
  routes: RouteSpec[] = [];
  async listAddresses(): Promise<Address[]> {
    return this.addresses.map((a) => ({ index: this.find(a.link)?.index ?? -1, family: a.address.includes(':') ? 6 : 4, address: a.address, prefixLength: a.prefixLength, peer: null, scope: 0, flags: 0, label: null }));
  }
  async addAddress(spec: AddressSpec): Promise<void> {
    await this.getLink(spec.link);
    this.addresses.push(spec);
  }
  async deleteAddress(spec: AddressSpec): Promise<void> {
    this.addresses = this.addresses.filter((a) => a.address !== spec.address);
  }
  async listRoutes(family: 4 | 6): Promise<Route[]> {
    const familyOf = (r: RouteSpec) => r.family ?? (r.destination.includes(':') ? 6 : 4);
    return this.routes
      .filter((r) => familyOf(r) === family)
      .map((r) => ({ family, destination: r.destination, gateway: r.gateway ?? null, outputIndex: typeof r.link === 'number' ? r.link : (this.find(r.link ?? -1)?.index ?? null), metric: r.metric ?? null, table: r.table ?? 254, protocol: 3, scope: 0, type: 1, preferredSource: null }));
  }
  /** Refuse a second route of the same family, destination and metric with EEXIST, as the kernel does (opt-in). */
  exclusiveRoutes = false;
  async addRoute(spec: RouteSpec): Promise<void> {
    const family = (r: RouteSpec) => r.family ?? (r.destination.includes(':') ? 6 : 4);
    if (this.exclusiveRoutes && this.routes.some((r) => family(r) === family(spec) && r.destination === spec.destination && (r.metric ?? 0) === (spec.metric ?? 0))) {
      throw new NetlinkError('ROUTE_EXISTS', `add route ${spec.destination} metric ${spec.metric ?? 0}: already present: EEXIST`, 'EEXIST', undefined);
    }
    this.routes.push(spec);
  }
  async deleteRoute(spec: RouteSpec): Promise<void> {
    this.routes = this.routes.filter((r) => !(r.family === spec.family && r.link === spec.link && r.destination === spec.destination));
  }
  /** Neighbour entries, one per link and IP address (replace overwrites it, as the kernel does). */
  neighbours: Neighbour[] = [];
  async listNeighbours(link?: LinkRef): Promise<Neighbour[]> {
    const index = link === undefined ? undefined : (await this.getLink(link)).index;
    return structuredClone(this.neighbours.filter((n) => index === undefined || n.index === index));
  }
  async replaceNeighbour(spec: NeighbourSpec): Promise<void> {
    const ip = parseIp(spec.address);
    if (!ip) throw new NetlinkError('BAD_ADDRESS', `replace neighbour ${spec.address}: not an IPv4 or IPv6 address`, 'EINVAL', undefined, { address: spec.address }, Category.usage);
    const lladdr = parseMac(spec.lladdr);
    if (!lladdr) throw new NetlinkError('BAD_MAC_ADDRESS', `replace neighbour ${spec.address} lladdr ${spec.lladdr}: not a MAC address`, 'EINVAL', undefined, { mac: spec.lladdr }, Category.usage);
    const { index } = await this.getLink(spec.link);
    const state = spec.permanent === false ? C.NUD_REACHABLE : C.NUD_PERMANENT;
    this.neighbours = this.neighbours.filter((n) => !(n.index === index && n.address === spec.address));
    this.neighbours.push({ index, family: ip.family, address: spec.address, lladdr: formatLladdr(lladdr), state, flags: 0, permanent: state === C.NUD_PERMANENT, type: C.RTN_UNICAST, refcnt: 1 });
  }
  async deleteNeighbour(spec: { link: LinkRef; address: string }): Promise<void> {
    const { index } = await this.getLink(spec.link);
    if (!this.neighbours.some((n) => n.index === index && n.address === spec.address)) {
      throw new NetlinkError('NO_SUCH_NEIGHBOUR', `delete neighbour ${spec.address} dev ${String(spec.link)}: no such entry: ENOENT`, 'ENOENT', undefined);
    }
    this.neighbours = this.neighbours.filter((n) => !(n.index === index && n.address === spec.address));
  }
  close(): void {}
}

/** The kernel's links of the recorded rmnet tree, as `ip -d link` showed them (fixture-info.txt). */
export function recordedRmnetNetlink(): FakeNetlink {
  const nl = new FakeNetlink();
  nl.links = [
    FakeNetlink.link({ index: 1, name: 'lo', type: 772, mtu: 65536 }),
    FakeNetlink.link({ index: 2, name: 'wwan0', up: true, mtu: 1500, maxMtu: 1500 }),
    FakeNetlink.link({ index: 5, name: 'rmnet_data1', kind: 'rmnet', parentIndex: 2, muxId: 1, mtu: 1496, up: true, type: 519 }),
    FakeNetlink.link({ index: 6, name: 'rmnet_data5', kind: 'rmnet', parentIndex: 2, muxId: 5, mtu: 1496, up: true, type: 519 }),
  ];
  return nl;
}
