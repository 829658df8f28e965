// Applies what the network assigned (WDS Get Current Settings) to the PDN's link: addresses, the default
// route(s) with the user's metric, the MTU and DNS. Each change registers its undo first.
//
// Routes name the device, not the gateway: a QMI data link is point-to-point raw IP with no link layer,
// so the gateway the modem reports (often outside the assigned prefix) adds nothing and can make the
// kernel refuse the route.
import { Category, RmnetError } from '../errors.js';
import type { Netlink } from '../netlink/rtnl.js';
import type { CurrentSettings } from '../wds/session-messages.js';
import type { DnsApplier, DnsMethod } from './dns.js';
import type { PdnRecord } from './state.js';
import type { UndoStack } from '../undo.js';

export interface IpConfigResult {
  addresses: PdnRecord['addresses'];
  routes: PdnRecord['routes'];
  dns: string[];
  dnsApplied: DnsMethod | 'not applied' | 'not applied: --no-ip';
  mtu: number | undefined;
  /** What the network assigned, applied or not: with --no-ip whoever configures the link needs exactly this. */
  offered: { addresses: Array<{ family: 4 | 6; address: string; prefixLength: number; gateway?: string | undefined }>; mtu: number | undefined };
}

export async function applyIpConfig(
  netlink: Netlink,
  dns: DnsApplier,
  undo: UndoStack,
  link: { name: string; ifindex: number },
  settings: { 4?: CurrentSettings | undefined; 6?: CurrentSettings | undefined },
  options: { routeMetric?: number | undefined; noIp: boolean },
): Promise<IpConfigResult> {
  const result: IpConfigResult = { addresses: [], routes: [], dns: [], dnsApplied: options.noIp ? 'not applied: --no-ip' : 'not applied', mtu: undefined, offered: { addresses: [], mtu: undefined } };
  const families = ([4, 6] as const).filter((f) => settings[f] !== undefined);
  for (const family of families) {
    const assigned = family === 4 ? settings[4]?.ipv4 : settings[6]?.ipv6;
    if (!assigned) continue;
    result.dns.push(...assigned.dns);
    result.offered.addresses.push({ family, address: assigned.address, prefixLength: assigned.prefixLength, ...(assigned.gateway ? { gateway: assigned.gateway } : {}) });
    if (options.noIp) continue;
    const spec = { link: link.ifindex, address: assigned.address, prefixLength: assigned.prefixLength, ...(family === 6 ? { noDad: true } : {}) };
    await undo.step(`address ${assigned.address}/${assigned.prefixLength} on ${link.name}`, () => netlink.deleteAddress(spec).catch(ignoreGone), () => netlink.addAddress(spec));
    result.addresses.push({ family, address: assigned.address, prefixLength: assigned.prefixLength });
    if (options.routeMetric !== undefined) {
      const route = { destination: 'default', family, link: link.ifindex, metric: options.routeMetric };
      await undo.step(`IPv${family} default route via ${link.name}`, () => netlink.deleteRoute(route).catch(ignoreGone), () => netlink.addRoute(route).catch((error: unknown) => {
        // The kernel refuses a second default route of the same family and metric (NLM_F_EXCL), whatever its
        // device: say which setting to change instead of "already present" (found in the lab with two PDNs).
        if ((error as { errno?: string }).errno !== 'EEXIST') throw error;
        throw new RmnetError('ROUTE_EXISTS', `an IPv${family} default route with metric ${options.routeMetric} already exists (another PDN or interface); give this PDN another --metric, or --no-default-route`, Category.conflict, { interface: link.name, family, metric: options.routeMetric }, { cause: error });
      }));
      result.routes.push({ family, destination: 'default', metric: options.routeMetric, ...(assigned.gateway ? { gateway: assigned.gateway } : {}) });
    }
  }
  const mtus = families.map((f) => settings[f]?.mtu).filter((m): m is number => typeof m === 'number' && m >= 576);
  if (mtus.length > 0) result.offered.mtu = Math.min(...mtus);
  if (result.offered.mtu !== undefined && !options.noIp) {
    // Never above the MTU the link was made with: rmnet refuses more than its parent's MTU - 4 (EINVAL),
    // which a kernel receiving small transfers (usbnet's cap) makes smaller than the network's 1500.
    const current = (await netlink.getLink(link.ifindex)).mtu ?? result.offered.mtu;
    result.mtu = Math.min(result.offered.mtu, current);
    if (result.mtu !== current) await netlink.setMtu(link.ifindex, result.mtu);
  }
  if (!options.noIp && result.dns.length > 0) {
    undo.defer(`DNS on ${link.name}`, () => dns.revert(link.name));
    result.dnsApplied = await dns.apply(link.name, result.dns);
  }
  return result;
}

/** Removes what `applyIpConfig` recorded; tolerant of things already gone (the link may be gone too). */
export async function removeIpConfig(netlink: Netlink, dns: DnsApplier, record: PdnRecord): Promise<void> {
  if (!record.link) return;
  const ifindex = record.link.ifindex;
  await dns.revert(record.link.name);
  for (const route of record.routes) {
    await netlink.deleteRoute({ destination: route.destination, family: route.family, link: ifindex, ...(route.metric !== undefined ? { metric: route.metric } : {}) }).catch(ignoreGone);
  }
  for (const address of record.addresses) {
    await netlink.deleteAddress({ link: ifindex, address: address.address, prefixLength: address.prefixLength }).catch(ignoreGone);
  }
}

/** Deleting something that is already gone is success for an undo. */
function ignoreGone(error: unknown): void {
  const code = (error as { errno?: string; code?: string }).errno ?? (error as { code?: string }).code;
  if (code === 'ESRCH' || code === 'ENODEV' || code === 'EADDRNOTAVAIL' || code === 'ENOENT' || code === 'NO_SUCH_INTERFACE') return;
  throw error;
}
