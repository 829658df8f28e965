// The rmnet backend: the generic QMAP driver over rtnetlink. Mux ids are read back from
// IFLA_RMNET_MUX_ID; the parent is matched by IFLA_LINK (ifindex), never by name.
import { Category, RmnetError } from '../errors.js';
import type { Netlink } from '../netlink/rtnl.js';
import type { Link } from '../netlink/link.js';
import { RMNET_FLAGS } from '../netlink/constants.js';
import { isValidInterfaceName } from '../sysfs/names.js';
import type { CreateOptions, LinkBackend, MuxLink } from './backend.js';
import { checkMuxIdFree } from './mux-id.js';

function toMuxLink(link: Link, parent: string): MuxLink {
  return { muxId: link.muxId ?? 0, name: link.name, backend: 'rmnet', parent, ifindex: link.index, up: link.up, mtu: link.mtu };
}

/** Default rmnet link name: `<parent>.<muxId>` (unique per parent), shortened when over 15 bytes. */
export function defaultRmnetName(parent: string, parentIndex: number, muxId: number): string {
  const preferred = `${parent}.${muxId}`;
  return isValidInterfaceName(preferred) ? preferred : `rmnet${parentIndex}.${muxId}`;
}

export class RmnetBackend implements LinkBackend {
  readonly kind = 'rmnet' as const;

  constructor(private readonly netlink: Netlink) {}

  async list(parent: string): Promise<MuxLink[]> {
    const links = await this.netlink.listLinks();
    const parentLink = links.find((l) => l.name === parent);
    if (!parentLink) return [];
    return links
      .filter((l) => l.kind === 'rmnet' && l.parentIndex === parentLink.index && l.muxId !== null)
      .map((l) => toMuxLink(l, parent))
      .sort((a, b) => a.muxId - b.muxId);
  }

  /** Every rmnet link, its parent named by IFLA_LINK ('?' when the kernel reports none). */
  async listAll(): Promise<MuxLink[]> {
    const links = await this.netlink.listLinks();
    const byIndex = new Map(links.map((l) => [l.index, l.name]));
    return links
      .filter((l) => l.kind === 'rmnet' && l.muxId !== null)
      .map((l) => toMuxLink(l, l.parentIndex === null ? '?' : (byIndex.get(l.parentIndex) ?? `ifindex ${l.parentIndex}`)));
  }

  async create(parent: string, muxId: number, options: CreateOptions = {}): Promise<MuxLink> {
    const parentLink = await this.netlink.getLink(parent);
    checkMuxIdFree(await this.list(parent), parent, muxId);
    const name = options.name ?? defaultRmnetName(parent, parentLink.index, muxId);
    const link = await this.netlink.createRmnetLink({ name, parent: parentLink.index, muxId, ...(options.flags ? { flags: options.flags } : {}) });
    if (link.muxId !== muxId) {
      throw new RmnetError('LINK_NOT_FOUND', `${parent}: created ${link.name} but the kernel reports mux id ${String(link.muxId)} instead of ${muxId}`, Category.kernel, { interface: parent, muxId, link: link.name });
    }
    return toMuxLink(link, parent);
  }

  async delete(parent: string, muxId: number): Promise<void> {
    const link = (await this.list(parent)).find((l) => l.muxId === muxId);
    if (!link || link.ifindex === null) {
      throw new RmnetError('MUX_NOT_FOUND', `${parent}: no rmnet link with mux id ${muxId}`, Category.notFound, { interface: parent, muxId });
    }
    await this.netlink.deleteLink(link.ifindex);
  }
}

/** The QMAP flavour WDA granted, as rmnet needs to know it. */
export type QmapFormat = 'qmap' | 'qmapv4' | 'qmapv5';

/**
 * IFLA_RMNET_FLAGS for a granted QMAP format: deaggregation always (aggregated transfers carry several
 * frames), checksum offload headers for v4 (MAP checksum v4) and v5. The mask covers every data-format
 * bit, so flags left over from an earlier link on the same port are cleared (the format is per port).
 */
export function rmnetFlagsFor(format: QmapFormat): { flags: number; mask: number } {
  const F = RMNET_FLAGS;
  const mask = F.ingressDeaggregation | F.ingressMapCommands | F.ingressMapChecksumV4 | F.egressMapChecksumV4 | F.ingressMapChecksumV5 | F.egressMapChecksumV5;
  const checksum = format === 'qmapv5' ? F.ingressMapChecksumV5 | F.egressMapChecksumV5 : format === 'qmapv4' ? F.ingressMapChecksumV4 | F.egressMapChecksumV4 : 0;
  return { flags: F.ingressDeaggregation | checksum, mask };
}
