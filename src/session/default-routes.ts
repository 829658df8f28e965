// Default routes are claimed before anything is touched: the kernel takes one default route per family and
// metric whatever the device, so a PDN whose metric is taken would fail only after its session started.
import { Category, RmnetError } from '../errors.js';
import type { SessionEnv } from './env.js';
import { familiesOf, type PdnRequest } from './request.js';

/** Who holds each default route "family/metric" now. */
export async function takenDefaultRoutes(env: SessionEnv, requests: readonly PdnRequest[]): Promise<Map<string, string>> {
  const taken = new Map<string, string>();
  if (!requests.some((r) => r.routeMetric !== undefined && !r.noIp)) return taken;
  const names = new Map((await env.netlink.listLinks()).map((l) => [l.index, l.name]));
  for (const family of [4, 6] as const) {
    for (const route of await env.netlink.listRoutes(family)) {
      if (route.destination !== 'default') continue;
      taken.set(`${family}/${route.metric ?? 0}`, route.outputIndex === null ? 'another route' : (names.get(route.outputIndex) ?? `ifindex ${route.outputIndex}`));
    }
  }
  return taken;
}

/** Refuses a default route the kernel would refuse after the session started; else marks it taken. */
export function claimDefaultRoutes(request: PdnRequest, taken: Map<string, string>): void {
  if (request.routeMetric === undefined || request.noIp) return;
  const keys = familiesOf(request).map((family) => [family, `${family}/${request.routeMetric}`] as const);
  for (const [family, key] of keys) {
    const holder = taken.get(key);
    if (holder) {
      throw new RmnetError('ROUTE_EXISTS', `mux ${request.muxId}: an IPv${family} default route with metric ${request.routeMetric} already exists (via ${holder}); give this PDN another --metric, or --no-default-route`, Category.conflict, { muxId: request.muxId, family, metric: request.routeMetric, holder });
    }
  }
  for (const [, key] of keys) taken.set(key, `mux ${request.muxId}`);
}
