// The qmimux backend: qmi_wwan's own muxing through sysfs (qmi/add_mux, qmi/del_mux). The new link is
// found by reading every upper_* child's qmap/mux_id (qmimux names follow creation order, globally).
import { Category, RmnetError } from '../errors.js';
import { addMux, delMux, readQmiWwanMode, notQmiWwan } from '../sysfs/qmi-wwan.js';
import { discoverModems } from '../sysfs/discovery.js';
import { qmimuxMuxId, readInterface, upperDevices } from '../sysfs/topology.js';
import type { Sysfs } from '../sysfs/sysfs.js';
import type { LinkBackend, MuxLink } from './backend.js';
import { checkMuxIdFree } from './mux-id.js';

export class QmimuxBackend implements LinkBackend {
  readonly kind = 'qmimux' as const;

  constructor(private readonly sysfs: Sysfs) {}

  async list(parent: string): Promise<MuxLink[]> {
    const links: MuxLink[] = [];
    for (const child of await upperDevices(this.sysfs, parent)) {
      const muxId = await qmimuxMuxId(this.sysfs, child);
      if (muxId === undefined) continue;
      const state = await readInterface(this.sysfs, child);
      links.push({ muxId, name: child, backend: 'qmimux', parent, ifindex: state?.ifindex ?? null, up: state?.up ?? false, mtu: state?.mtu ?? null });
    }
    return links.sort((a, b) => a.muxId - b.muxId);
  }

  /** The qmimux children of every modem's network interfaces. */
  async listAll(): Promise<MuxLink[]> {
    const links: MuxLink[] = [];
    for (const modem of await discoverModems(this.sysfs)) for (const parent of modem.netInterfaces) links.push(...(await this.list(parent)));
    return links;
  }

  /** Upper devices that are not qmimux children (rmnet links, a bridge...): qmi_wwan would mistake them. */
  private async foreignUppers(parent: string): Promise<string[]> {
    const foreign: string[] = [];
    for (const child of await upperDevices(this.sysfs, parent)) {
      if ((await qmimuxMuxId(this.sysfs, child)) === undefined) foreign.push(child);
    }
    return foreign;
  }

  async create(parent: string, muxId: number): Promise<MuxLink> {
    const mode = await readQmiWwanMode(this.sysfs, parent);
    if (!mode) throw notQmiWwan(parent, this.sysfs);
    const foreign = await this.foreignUppers(parent);
    if (foreign.length > 0 || mode.passThrough) {
      throw new RmnetError('BACKEND_CONFLICT', `${parent}: cannot add qmimux mux id ${muxId}: ${foreign.length > 0 ? `${foreign.join(', ')} already sit on it` : 'pass_through is Y (rmnet mode)'}`, Category.conflict, { interface: parent, muxId, links: foreign });
    }
    checkMuxIdFree(await this.list(parent), parent, muxId);
    await addMux(this.sysfs, parent, muxId);
    const created = (await this.list(parent)).find((l) => l.muxId === muxId);
    if (!created) {
      throw new RmnetError('LINK_NOT_FOUND', `${parent}: add_mux ${muxId} succeeded but no upper device reports qmap/mux_id 0x${muxId.toString(16).padStart(2, '0')}`, Category.kernel, { interface: parent, muxId });
    }
    return created;
  }

  async delete(parent: string, muxId: number): Promise<void> {
    // With rmnet links present qmi_wwan treats every upper device as its own: del_mux would be unsafe.
    const foreign = await this.foreignUppers(parent);
    if (foreign.length > 0) {
      throw new RmnetError('BACKEND_CONFLICT', `${parent}: refusing del_mux ${muxId} while non-qmimux links sit on it (${foreign.join(', ')})`, Category.conflict, { interface: parent, muxId, links: foreign });
    }
    if (!(await this.list(parent)).some((l) => l.muxId === muxId)) {
      throw new RmnetError('MUX_NOT_FOUND', `${parent}: no qmimux link with mux id ${muxId}`, Category.notFound, { interface: parent, muxId });
    }
    await delMux(this.sysfs, parent, muxId);
  }
}
