// What a capture needs to know before it opens anything: the parent interface `-d` names (through the one
// modem selector; a name it does not know may be any interface, as for `links`), the mux links on it, the
// record `up` wrote, and from those the format (capture/format.ts) and whether `--mux N` is up.
import { Category, RmnetError } from '../errors.js';
import type { Netlink } from '../netlink/rtnl.js';
import { readMuxMap } from '../datapath/mux.js';
import { findModem, modemKey, selectModem } from '../session/select.js';
import type { PortEnv } from '../session/env.js';
import type { ModemRecord } from '../session/state.js';
import { readQmiWwanMode } from '../sysfs/qmi-wwan.js';
import { readInterface } from '../sysfs/topology.js';
import { recordedRung } from '../session/state.js';
import { decideCaptureFormat, type CaptureFormat, type QmapOption } from './format.js';

export interface CaptureTarget {
  parent: string;
  /** The modem's control port, when -d named a modem. */
  device: string | null;
  format: CaptureFormat;
  /** Mux id -> link name, from the kernel (and the record for links it names). */
  linkNames: Map<number, string>;
}

export interface CaptureTargetDeps {
  env: PortEnv;
  netlink: Netlink | null;
  readRecord(modemKey: string): ModemRecord | undefined;
}

async function parentOf(deps: CaptureTargetDeps, selector: string | undefined): Promise<{ parent: string; record: ModemRecord | undefined; device: string | null }> {
  const modem = selector === undefined ? await selectModem(deps.env, undefined) : await findModem(deps.env, selector);
  if (modem) {
    if (modem.netInterface === null) {
      throw new RmnetError('NO_SUCH_INTERFACE', `/dev/${modem.controlPort}: the modem has no network interface to capture on (is qmi_wwan or mhi_net bound?)`, Category.notFound, { device: `/dev/${modem.controlPort}` });
    }
    return { parent: modem.netInterface, record: deps.readRecord(modemKey(modem)), device: `/dev/${modem.controlPort}` };
  }
  if (selector!.startsWith('/')) throw new RmnetError('NO_SUCH_MODEM', `${selector}: no QMI modem with this control port`, Category.notFound, { device: selector });
  if ((await readInterface(deps.env.sysfs, selector!)) === undefined && (deps.netlink === null || (await deps.netlink.findLink(selector!)) === undefined)) {
    throw new RmnetError('NO_SUCH_INTERFACE', `${selector}: no such interface (name a modem or its parent interface)`, Category.notFound, { interface: selector });
  }
  return { parent: selector!, record: undefined, device: null };
}

export async function resolveCaptureTarget(deps: CaptureTargetDeps, options: { device?: string | undefined; qmap?: QmapOption | undefined; mux?: number | undefined }): Promise<CaptureTarget> {
  const { parent, record, device } = await parentOf(deps, options.device);
  const links = await readMuxMap(deps.env.sysfs, deps.netlink, parent);
  const rmnetFlags: number[] = [];
  if (deps.netlink) {
    const parentLink = await deps.netlink.findLink(parent);
    for (const link of parentLink ? await deps.netlink.listLinks() : []) {
      if (link.kind === 'rmnet' && link.parentIndex === parentLink!.index && link.rmnetFlags) rmnetFlags.push(link.rmnetFlags.flags & link.rmnetFlags.mask);
    }
  }
  const rung = recordedRung(record?.dataFormat);
  const format = decideCaptureFormat(
    {
      option: options.qmap,
      record: record?.dataFormat ? { aggregation: record.dataFormat.aggregation, backend: rung?.backend } : undefined,
      rmnetFlags,
      qmimuxLinks: links.filter((l) => l.backend === 'qmimux').length,
      qmiWwan: await readQmiWwanMode(deps.env.sysfs, parent),
    },
    parent,
  );
  const linkNames = new Map<number, string>();
  for (const pdn of record?.pdns ?? []) if (pdn.link) linkNames.set(pdn.request.muxId, pdn.link.name);
  for (const link of links) linkNames.set(link.muxId, link.name);
  if (options.mux !== undefined) {
    if (format.kind === 'ip') {
      throw new RmnetError('BAD_ARGUMENT', `--mux ${options.mux}: ${parent} carries plain IP (no QMAP), so there are no mux ids to choose`, Category.usage, { option: '--mux', interface: parent });
    }
    // Mux ids up are known from the kernel and the record; with neither (--qmap on a bare interface) any id goes.
    if (linkNames.size > 0 && !linkNames.has(options.mux)) {
      const up = [...linkNames.keys()].sort((a, b) => a - b).join(', ');
      throw new RmnetError('MUX_NOT_FOUND', `--mux ${options.mux}: no link with mux id ${options.mux} on ${parent} (up: ${up})`, Category.notFound, { interface: parent, muxId: options.mux });
    }
  }
  return { parent, device, format, linkNames };
}
