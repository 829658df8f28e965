// What `up` reports for a PDN, and the report of one that is already up as asked (an idempotent `up`:
// the same settings change nothing; other settings, an unfinished or a stale record are refused).
import { Category, RmnetError } from '../errors.js';
import { settingsDiffer, type PdnRequest } from './request.js';
import type { ModemRecord, PdnRecord, RecordedFormat } from './state.js';
import type { IpConfigResult } from './ipconfig.js';

export interface UpResult {
  alreadyUp: boolean;
  modem: string;
  parent: string;
  muxId: number;
  link: string;
  backend: PdnRecord['backend'];
  dataFormat: RecordedFormat;
  decision: string;
  sessions: Array<{ family: 4 | 6; clientId: number; packetDataHandle: number | undefined }>;
  addresses: PdnRecord['addresses'];
  routes: PdnRecord['routes'];
  dns: string[];
  dnsApplied: string;
  mtu: number | undefined;
  /** What the network assigned, applied or not (--no-ip applies none of it). */
  offered: IpConfigResult['offered'];
}

/** The result of an `up` of a PDN the record already holds; throws when it is not up as asked. */
export function existingResult(existing: PdnRecord, record: ModemRecord, request: PdnRequest, linkPresent: boolean, key: string, parent: string): UpResult {
  if (existing.state !== 'up') {
    throw new RmnetError('UNFINISHED_SESSION', `mux ${request.muxId} on ${parent}: an earlier "up" did not finish; run "rmnetctl down --mux ${request.muxId}" first`, Category.conflict, { muxId: request.muxId, modem: key });
  }
  const differ = settingsDiffer(existing, request);
  if (differ.length > 0) {
    throw new RmnetError('MUX_IN_USE', `mux ${request.muxId} on ${parent} is already up with other settings (${differ.join(', ')}); run "rmnetctl down --mux ${request.muxId}" first`, Category.conflict, { muxId: request.muxId, modem: key, differ });
  }
  if (!record.dataFormat) {
    throw new RmnetError('STATE_CORRUPT', `${record.device}: the record of mux ${request.muxId} has no data format; run "rmnetctl down --mux ${request.muxId}" then "up" again`, Category.failure, { muxId: request.muxId, modem: key });
  }
  if (!linkPresent) {
    throw new RmnetError('STALE_SESSION', `mux ${request.muxId} on ${parent} is recorded as up but its link ${existing.link?.name ?? '?'} is gone from the kernel; run "rmnetctl down --mux ${request.muxId}" then "up" again`, Category.conflict, { muxId: request.muxId, modem: key });
  }
  return {
    alreadyUp: true,
    modem: record.device,
    parent,
    muxId: request.muxId,
    link: existing.link?.name ?? '',
    backend: existing.backend,
    dataFormat: record.dataFormat,
    decision: 'already up with the same settings: nothing changed',
    sessions: existing.clients.map((c) => ({ family: c.family, clientId: c.clientId, packetDataHandle: c.packetDataHandle })),
    addresses: existing.addresses,
    routes: existing.routes,
    dns: existing.dns,
    dnsApplied: 'unchanged',
    mtu: existing.mtu,
    offered: existing.offered ?? { addresses: [], mtu: undefined },
  };
}


/** The result of a PDN this `up` brought up. */
export function freshResult(record: ModemRecord, pdn: PdnRecord, parent: string, link: string, dataFormat: RecordedFormat, decision: string, ip: IpConfigResult): UpResult {
  return {
    alreadyUp: false,
    modem: record.device,
    parent,
    muxId: pdn.request.muxId,
    link,
    backend: pdn.backend,
    dataFormat,
    decision,
    sessions: pdn.clients.map((c) => ({ family: c.family, clientId: c.clientId, packetDataHandle: c.packetDataHandle })),
    addresses: ip.addresses,
    routes: ip.routes,
    dns: ip.dns,
    dnsApplied: ip.dnsApplied,
    mtu: ip.mtu,
    offered: ip.offered,
  };
}
