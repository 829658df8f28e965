// A link's packet counters, behind a small interface: production reads IFLA_STATS64 over rtnetlink, the
// kernel model serves the same attribute to tests.
import type { Netlink } from '../netlink/rtnl.js';
import type { Counters } from './judge.js';

export interface LinkCounters {
  /** The link's counters; undefined when the link is gone or reports none. */
  read(ifname: string): Promise<Counters | undefined>;
}

export function netlinkCounters(netlink: Pick<Netlink, 'findLink'>): LinkCounters {
  return {
    async read(ifname) {
      const link = await netlink.findLink(ifname);
      return link?.stats ? { rxPackets: link.stats.rxPackets, txPackets: link.stats.txPackets } : undefined;
    },
  };
}
