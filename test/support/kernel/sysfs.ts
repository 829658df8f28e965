// The model's sysfs view (src/sysfs's Sysfs): every net interface directory (class/net/<if>/..., the
// canonical devices/.../net/<if>/...) is answered from the model: ifindex, mtu, flags, type, operstate,
// address, qmi/{raw_ip,pass_through,add_mux,del_mux}, qmap/mux_id, upper_* and lower_* links. Writes follow
// qmi_wwan.c's store handlers on the SAME state that netlink changes (raw_ip is EBUSY while netlink has the
// parent up). Everything else (the USB device: idVendor, bInterfaceNumber, endpoints, speed, usbmisc) is read
// from a recorded tree under test/fixtures/sysfs, which is never written.
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as C from '../../../src/netlink/constants.js';
import { formatLladdr } from '../../../src/netlink/ip.js';
import { FileSysfs, errnoOf, resolve, type Sysfs } from '../../../src/sysfs/sysfs.js';
import { ARPHRD_RAWIP, KernelErrno, type KernelModel, type ModelInterface } from './model.js';

const sysError = (code: string, op: string, path: string) => Object.assign(new Error(`${code}: ${op} '${path}'`), { code, errno: code, syscall: op, path });

/** kstrtobool: y/Y/1/on and n/N/0/off. */
function kstrtobool(text: string): boolean | undefined {
  const t = text.replace(/\n$/, '');
  if (/^[yY1]/.test(t) || /^o[nN]/i.test(t)) return true;
  if (/^[nN0]/.test(t) || /^of/i.test(t)) return false;
  return undefined;
}

/** kstrtou8 with base 0 (129, 0x81, 0201), one trailing newline allowed. */
function kstrtou8(text: string): number | undefined {
  const t = text.replace(/\n$/, '');
  const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t.slice(2), 16) : /^0[0-7]*$/.test(t) ? Number.parseInt(t, 8) : /^[1-9]\d*$/.test(t) ? Number(t) : NaN;
  return Number.isInteger(n) && n <= 255 ? n : undefined;
}

const hex2 = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

export class ModelSysfs implements Sysfs {
  readonly root: string;
  private readonly fixture: FileSysfs | undefined;
  /** Every write that reached the view, as `path=value`, refused ones too. */
  readonly writes: string[] = [];

  constructor(private readonly model: KernelModel, fixtureRoot?: string) {
    this.root = fixtureRoot ?? '/model/sys';
    this.fixture = fixtureRoot ? new FileSysfs(fixtureRoot) : undefined;
  }

  /** The interface a path belongs to, and the rest of the path inside its directory. */
  private locate(path: string): { iface: ModelInterface; rest: string[] } | 'missing' | undefined {
    const parts = path.split('/').filter((p) => p.length > 0 && p !== '.');
    if (parts[0] === 'class' && parts[1] === 'net' && parts.length >= 3) {
      const iface = this.model.byName(parts[2]!);
      return iface ? { iface, rest: parts.slice(3) } : 'missing';
    }
    for (const iface of this.model.list()) {
      const base = iface.devicePath.split('/');
      if (parts.length >= base.length && base.every((p, i) => parts[i] === p)) return { iface, rest: parts.slice(base.length) };
    }
    // A netdev directory of the recorded tree whose interface is gone from the model.
    const net = parts.lastIndexOf('net');
    if (net >= 0 && net < parts.length - 1 && parts[net - 1] !== 'class') return 'missing';
    return undefined;
  }

  private attributes(i: ModelInterface): Record<string, () => string> {
    const m = this.model;
    const up = m.isUp(i);
    const attrs: Record<string, () => string> = {
      ifindex: () => String(i.index),
      mtu: () => String(i.mtu),
      // dev->flags: the volatile IFF_LOWER_UP/IFF_DORMANT/IFF_RUNNING are netlink's (dev_get_flags) only.
      flags: () => `0x${(i.flags & ~(C.IFF_LOWER_UP | 0x20000 | 0x40)).toString(16)}`,
      type: () => String(i.type),
      operstate: () => (up ? (i.qmi || i.kind === 'rmnet' || i.qmimuxParent !== null ? 'unknown' : 'up') : 'down'),
      address: () => (i.address ? (formatLladdr(i.address) ?? "") : ""),
    };
    if (i.qmi) {
      const muxList = () => m.uppers(i).map((c) => hex2(c.qmimuxParent === i.index ? (c.muxId ?? 0) : 0)).join('\n');
      attrs['qmi/raw_ip'] = () => (i.qmi!.rawIp ? 'Y' : 'N');
      attrs['qmi/pass_through'] = () => (i.qmi!.passThrough ? 'Y' : 'N');
      attrs['qmi/add_mux'] = muxList;
      attrs['qmi/del_mux'] = muxList;
    }
    if (i.qmimuxParent !== null) attrs['qmap/mux_id'] = () => hex2(i.muxId ?? 0);
    return attrs;
  }

  private links(i: ModelInterface): Record<string, string> {
    const out: Record<string, string> = {};
    for (const upper of this.model.uppers(i)) out[`upper_${upper.name}`] = posix.relative(i.devicePath, upper.devicePath);
    const lower = this.model.lower(i);
    if (lower) out[`lower_${lower.name}`] = posix.relative(i.devicePath, lower.devicePath);
    return out;
  }

  async read(path: string): Promise<string> {
    const at = this.locate(path);
    if (at === 'missing') throw sysError('ENOENT', 'open', path);
    if (at) {
      const attr = this.attributes(at.iface)[at.rest.join('/')];
      if (attr) return attr();
      const [first] = at.rest;
      // The directory itself, qmi/ or qmap/, or an upper_/lower_ link (to a directory): EISDIR, as read(2) says.
      if (at.rest.length <= 1 && (first === undefined || first === 'qmi' || first === 'qmap' || first in this.links(at.iface))) throw sysError('EISDIR', 'read', path);
      // Anything else the model does not hold: the recorded tree's file for a USB netdev, nothing for a virtual one.
      if (first === 'qmi' || first === 'qmap' || at.iface.devicePath.startsWith('devices/virtual/')) throw sysError('ENOENT', 'open', path);
    }
    if (!this.fixture) throw sysError('ENOENT', 'open', path);
    return this.fixture.read(path);
  }

  async write(path: string, value: string): Promise<void> {
    this.writes.push(`${path}=${value}`);
    const at = this.locate(path);
    if (at === 'missing' || (at && !(at.rest.join('/') in this.attributes(at.iface)))) throw sysError('ENOENT', 'open', path);
    const attribute = at ? at.rest.join('/') : undefined;
    const writable = ['qmi/raw_ip', 'qmi/pass_through', 'qmi/add_mux', 'qmi/del_mux', 'mtu'];
    if (!at || !writable.includes(attribute!)) throw sysError('EACCES', 'open', path);
    const m = this.model;
    const i = at.iface;
    try {
      m.step(`write ${path} ${value.trim()}`);
      switch (attribute) {
        case 'qmi/raw_ip':
        case 'qmi/pass_through': {
          const enable = kstrtobool(value);
          if (enable === undefined) throw new KernelErrno('EINVAL');
          if (attribute === 'qmi/raw_ip') m.setRawIp(i, enable);
          else m.setPassThrough(i, enable);
          return;
        }
        case 'qmi/add_mux':
        case 'qmi/del_mux': {
          const muxId = kstrtou8(value);
          if (muxId === undefined) throw new KernelErrno('EINVAL');
          if (attribute === 'qmi/add_mux') m.addMux(i, muxId);
          else m.delMux(i, muxId);
          return;
        }
        case 'mtu': {
          const mtu = Number(value.trim());
          if (!Number.isInteger(mtu)) throw new KernelErrno('EINVAL');
          m.setMtu(i, mtu);
          return;
        }
      }
    } catch (error) {
      if (error instanceof KernelErrno) throw sysError(error.errno, 'write', path);
      throw error;
    }
  }

  async list(path: string): Promise<string[]> {
    const parts = path.split('/').filter((p) => p.length > 0 && p !== '.');
    if (parts.length === 2 && parts[0] === 'class' && parts[1] === 'net') return this.model.list().map((i) => i.name).sort();
    const at = this.locate(path);
    if (at === 'missing') throw sysError('ENOENT', 'scandir', path);
    if (at) {
      const rest = at.rest.join('/');
      const names = new Set<string>();
      for (const key of Object.keys(this.attributes(at.iface))) {
        if (rest === '' ) names.add(key.split('/')[0]!);
        else if (key.startsWith(`${rest}/`)) names.add(key.slice(rest.length + 1).split('/')[0]!);
      }
      if (rest === '') for (const key of Object.keys(this.links(at.iface))) names.add(key);
      if (this.fixture && !at.iface.devicePath.startsWith('devices/virtual/')) {
        for (const entry of await this.fixture.list(path).catch(() => [] as string[])) {
          if (!/^(upper|lower)_/.test(entry) && !(entry === 'qmi' && !at.iface.qmi)) names.add(entry);
        }
      }
      if (names.size === 0) throw sysError('ENOENT', 'scandir', path);
      return [...names].sort();
    }
    // <usb interface>/net: the model's interfaces whose directory is there.
    if (parts.at(-1) === 'net') {
      const prefix = `${parts.join('/')}/`;
      const resolved = this.fixture ? ((await resolve(this.fixture, path)) ?? parts.join('/')) : parts.join('/');
      const here = this.model.list().filter((i) => i.devicePath.startsWith(prefix) || i.devicePath.startsWith(`${resolved}/`)).map((i) => i.name);
      if (here.length > 0 || !this.fixture) return here.sort();
      const recorded = await this.fixture.list(path).catch((error: unknown) => {
        if (errnoOf(error) === 'ENOENT') return undefined;
        throw error;
      });
      if (recorded === undefined) throw sysError('ENOENT', 'scandir', path);
      return [];
    }
    if (!this.fixture) throw sysError('ENOENT', 'scandir', path);
    return this.fixture.list(path);
  }

  async readlink(path: string): Promise<string> {
    const parts = path.split('/').filter((p) => p.length > 0 && p !== '.');
    if (parts.length === 3 && parts[0] === 'class' && parts[1] === 'net') {
      const iface = this.model.byName(parts[2]!);
      if (!iface) throw sysError('ENOENT', 'readlink', path);
      return posix.relative('class/net', iface.devicePath);
    }
    const at = this.locate(path);
    if (at === 'missing') throw sysError('ENOENT', 'readlink', path);
    if (at) {
      if (at.rest.length === 0) throw sysError('EINVAL', 'readlink', path);
      const target = this.links(at.iface)[at.rest[0]!];
      if (target !== undefined && at.rest.length === 1) return target;
      if (at.rest[0]!.startsWith('upper_') || at.rest[0]!.startsWith('lower_')) throw sysError('ENOENT', 'readlink', path);
      if (at.rest.join('/') in this.attributes(at.iface) || at.rest[0] === 'qmi' || at.rest[0] === 'qmap') throw sysError('EINVAL', 'readlink', path);
      if (at.iface.devicePath.startsWith('devices/virtual/')) throw sysError('ENOENT', 'readlink', path);
    }
    if (!this.fixture) {
      if (parts.length <= 2) throw sysError('EINVAL', 'readlink', path);
      throw sysError('ENOENT', 'readlink', path);
    }
    return this.fixture.readlink(path);
  }
}

/** test/fixtures/sysfs (a bundle that moves this file passes its own). */
export const defaultFixturesDir = (): string => fileURLToPath(new URL('../../fixtures/sysfs', import.meta.url));

/** The root of a recorded (or synthesized) tree: test/fixtures/sysfs/<name>/sys. */
export function fixtureRoot(name: string, fixturesDir = defaultFixturesDir()): string {
  return join(fixturesDir, name, 'sys');
}

interface RecordedLink {
  maxMtu?: number;
  rmnetMuxId?: number;
  parentName?: string;
}

/** `ip -d link show X` blocks of fixture-info.txt: maxmtu, and the rmnet mux ids (netlink only). */
function recordedLinks(name: string, fixturesDir: string): Map<string, RecordedLink> {
  const out = new Map<string, RecordedLink>();
  let text = '';
  try {
    text = readFileSync(join(fixturesDir, name, 'fixture-info.txt'), 'utf8');
  } catch {
    return out;
  }
  for (const block of text.split(/^\$ /m)) {
    const head = /^ip -d link show (\S+)/.exec(block);
    if (!head) continue;
    const info: RecordedLink = {};
    const maxMtu = /maxmtu (\d+)/.exec(block);
    if (maxMtu) info.maxMtu = Number(maxMtu[1]);
    const mux = /rmnet mux_id (\d+)/.exec(block);
    if (mux) info.rmnetMuxId = Number(mux[1]);
    const parent = new RegExp(`^\\d+: ${head[1]}@(\\S+?):`, 'm').exec(block);
    if (parent) info.parentName = parent[1];
    out.set(head[1]!, info);
  }
  return out;
}

/** The bulk-in max packet size of the recorded USB interface (ep_XX/wMaxPacketSize, else the speed), as usbnet has it. */
function recordedMaxPacketSize(usbInterface: string): number {
  const entries = (() => { try { return readdirSync(usbInterface); } catch { return []; } })();
  for (const entry of entries) {
    if (!/^ep_[0-9a-f]{2}$/i.test(entry) || (Number.parseInt(entry.slice(3), 16) & 0x80) === 0) continue;
    const type = readText(join(usbInterface, entry, 'type'));
    if (type !== undefined && type !== 'Bulk') continue;
    const size = Number.parseInt(readText(join(usbInterface, entry, 'wMaxPacketSize')) ?? '', 16);
    if (size > 0) return size & 0x7ff;
  }
  const speed = Number(readText(join(usbInterface, '..', 'speed')));
  return speed >= 5000 ? 1024 : speed > 0 && speed < 480 ? 64 : 512;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

/**
 * Loads the net interfaces of a recorded tree into the model (ifindex, MTU, flags, mode, qmimux children with
 * their mux ids, rmnet links from fixture-info's `ip -d link`) and returns the tree's root for `ModelSysfs`.
 */
export function loadFixture(model: KernelModel, name: string, fixturesDir = defaultFixturesDir()): string {
  const root = fixtureRoot(name, fixturesDir);
  const realRoot = realpathSync(root);
  const recorded = recordedLinks(name, fixturesDir);
  const names = readdirSync(join(root, 'class/net')).sort();
  const made = new Map<string, ModelInterface>();
  for (const ifname of names) {
    const dir = realpathSync(join(root, 'class/net', ifname));
    const devicePath = posix.relative(realRoot, dir);
    const read = (attribute: string) => readText(join(dir, attribute));
    const index = Number(read('ifindex'));
    const mtu = Number(read('mtu'));
    const flags = Number(read('flags'));
    const type = Number(read('type'));
    const info = recorded.get(ifname) ?? {};
    const raw = read('qmi/raw_ip');
    if (raw !== undefined) {
      const usbInterface = (() => { try { return realpathSync(join(dir, 'device')); } catch { return join(dir, 'device'); } })();
      const iface = model.addQmiWwan(ifname, { index, devicePath, maxPacketSize: recordedMaxPacketSize(usbInterface), rawIp: raw === 'Y', passThrough: read('qmi/pass_through') === 'Y', mtu, maxMtu: info.maxMtu ?? 1500 });
      // sysfs `flags` is dev->flags; netlink adds IFF_LOWER_UP for a running device with carrier.
      iface.flags = flags & 1 ? flags | C.IFF_LOWER_UP : flags;
      iface.type = type;
      made.set(ifname, iface);
      continue;
    }
    const mac = read('address');
    made.set(ifname, model.add({ name: ifname, index, devicePath, mtu, flags: flags & 1 ? flags | C.IFF_LOWER_UP : flags, type, maxMtu: info.maxMtu ?? 0, kind: null, address: mac && type === 1 ? Uint8Array.from(mac.split(':').map((h) => Number.parseInt(h, 16))) : null }));
  }
  for (const ifname of names) {
    const iface = made.get(ifname)!;
    const dir = join(root, 'class/net', ifname);
    const lower = readdirSync(dir).find((e) => e.startsWith('lower_'))?.slice('lower_'.length);
    const muxText = readText(join(dir, 'qmap/mux_id'));
    const info = recorded.get(ifname) ?? {};
    if (muxText !== undefined && lower) {
      iface.qmimuxParent = made.get(lower)?.index ?? null;
      iface.muxId = Number.parseInt(muxText.replace(/^0x/, ''), 16);
    } else if (iface.type === ARPHRD_RAWIP && (lower ?? info.parentName)) {
      iface.kind = 'rmnet';
      iface.parentIndex = made.get((lower ?? info.parentName)!)?.index ?? null;
      iface.muxId = info.rmnetMuxId ?? null;
      iface.rmnetFlags = { flags: 0, mask: 0 };
    }
  }
  return root;
}
