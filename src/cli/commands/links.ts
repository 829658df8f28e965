// rmnetctl links [-d DEV] [--json]: every mux link with its mux id, backend and parent, from kernel
// truth (qmap/mux_id in sysfs for qmimux, IFLA_RMNET_MUX_ID over netlink for rmnet).
import { defineCommand } from '../define.js';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { MuxLink } from '../../datapath/backend.js';

export interface LinksOptions {
  device?: string;
  sysfsRoot?: string;
  json?: boolean;
}

export interface LinkReport {
  muxId: number;
  link: string;
  backend: 'qmimux' | 'rmnet';
  parent: string;
  state: 'up' | 'down';
  mtu: number | null;
  ifindex: number | null;
}

export const toLinkReport = (l: MuxLink): LinkReport => ({ muxId: l.muxId, link: l.name, backend: l.backend, parent: l.parent, state: l.up ? 'up' : 'down', mtu: l.mtu, ifindex: l.ifindex });

export function renderLinks(value: { links: LinkReport[] }, table: (h: string[], r: string[][]) => string): string {
  if (value.links.length === 0) return 'no mux links';
  return table(['MUX', 'LINK', 'BACKEND', 'PARENT', 'STATE', 'MTU'], value.links.map((l) => [String(l.muxId), l.link, l.backend, l.parent, l.state, l.mtu === null ? '-' : String(l.mtu)]));
}

export function register(program: Command, context: CliContext): void {
  defineCommand(program, 'links')
    .action(async (options: LinksOptions) => {
      await context.run(options, async () => {
        const { emit, table, log } = await import('../output.js');
        const { Category, RmnetError } = await import('../../errors.js');
        const { readMuxMap } = await import('../../datapath/mux.js');
        const { RtNetlink } = await import('../../netlink/rtnl.js');
        const { portEnv } = await import('../session-options.js');
        const { findModem } = await import('../../session/select.js');
        const env = await portEnv(options.sysfsRoot ?? '/sys');
        const sysfs = env.sysfs;
        let parents: string[] | undefined;
        if (options.device !== undefined) {
          // The one modem selector; a name it does not know may still be a parent interface (mhi_hwip0, a veth).
          const modem = await findModem(env, options.device, 'auto');
          if (modem) parents = modem.netInterfaces;
          else if (!options.device.startsWith('/dev/')) parents = [options.device];
          else throw new RmnetError('NO_SUCH_MODEM', `${options.device}: no QMI modem with this control port`, Category.notFound, { device: options.device });
        }
        let netlink: InstanceType<typeof RtNetlink> | null = null;
        try {
          netlink = new RtNetlink();
        } catch (error) {
          log.info(`netlink unavailable, rmnet links not shown: ${(error as Error).message}`);
        }
        try {
          if (parents !== undefined && parents.length === 1 && options.device !== undefined && !options.device.startsWith('/dev/')) {
            const { readInterface } = await import('../../sysfs/topology.js');
            const name = parents[0]!;
            if ((await readInterface(sysfs, name)) === undefined && (netlink === null || (await netlink.findLink(name)) === undefined)) {
              throw new RmnetError('NO_SUCH_INTERFACE', `${name}: no such interface`, Category.notFound, { interface: name });
            }
          }
          const links: MuxLink[] = [];
          if (parents === undefined) links.push(...(await readMuxMap(sysfs, netlink)));
          else for (const p of parents) links.push(...(await readMuxMap(sysfs, netlink, p)));
          emit({ links: links.map(toLinkReport) }, options, (v) => renderLinks(v, table));
        } finally {
          netlink?.close();
        }
      });
    });
}
