/**
 * Building blocks the data-path scenarios share: QMI set-up through qmicli (data format, one WDS client per
 * PDN bound to a mux id) and the kernel procedures from KERNEL.md (receive size, qmimux children, rmnet links).
 * Until `rmnetctl up` exists these stand in for it; the kernel steps use sysfs and the host's iproute2.
 */
import { existsSync, readdirSync } from 'node:fs';
import { ip, qmicli, readAttribute, waitFor, writeAttribute, type Recorder } from './harness.js';

export interface QmiSession {
  muxId: number;
  clientId: number;
  address: string;
  prefixLength: number;
  gateway: string;
}

const dataFormatArgument =
  '--wda-set-data-format=link-layer-protocol=raw-ip,ul-protocol=qmap,dl-protocol=qmap,dl-max-datagrams=32,dl-datagram-max-size=32768';

/** WDA Set Data Format through libqmi: raw-ip, QMAP both ways, 32 datagrams / 32768 bytes requested. */
export async function setQmapDataFormat(rec: Recorder, cdcWdm: string): Promise<{ dlMaxDatagrams: number; dlMaxSize: number }> {
  const out = await qmicli(cdcWdm, dataFormatArgument);
  rec.check('qmicli set data format (raw-ip, QMAP)', out.code === 0, out.code === 0 ? undefined : out.stderr.trim());
  const datagrams = Number(/max datagrams: '(\d+)'/.exec(out.stdout)?.[1] ?? 0);
  const size = Number(/max size: '(\d+)'/.exec(out.stdout)?.[1] ?? 0);
  rec.data.grantedFormat = { dlMaxDatagrams: datagrams, dlMaxSize: size };
  return { dlMaxDatagrams: datagrams, dlMaxSize: size };
}

function prefixOfMask(mask: string): number {
  return mask.split('.').reduce((n, part) => n + (Number(part) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

/**
 * One PDN on `muxId`: allocate a WDS client (kept), Bind Mux Data Port (endpoint hsusb + the interface
 * number), Start Network (IPv4), Get Current Settings. The modem decides the addresses.
 */
export async function startQmiSession(rec: Recorder, cdcWdm: string, muxId: number, interfaceNumber: number): Promise<QmiSession> {
  const keep = '--client-no-release-cid';
  const noop = await qmicli(cdcWdm, '--wds-noop', keep);
  const clientId = Number(/CID: '(\d+)'/.exec(noop.stdout)?.[1] ?? NaN);
  if (noop.code !== 0 || !Number.isFinite(clientId)) throw new Error(`WDS client allocation failed: ${noop.stdout} ${noop.stderr}`);
  const cid = `--client-cid=${clientId}`;
  const bind = await qmicli(cdcWdm, cid, keep, `--wds-bind-mux-data-port=mux-id=${muxId},ep-iface-number=${interfaceNumber},ep-type=hsusb`);
  if (bind.code !== 0) throw new Error(`Bind Mux Data Port ${muxId} failed: ${bind.stderr.trim()}`);
  const start = await qmicli(cdcWdm, cid, keep, '--wds-start-network=apn=internet,ip-type=4');
  if (start.code !== 0) throw new Error(`Start Network on mux ${muxId} failed: ${start.stderr.trim()}`);
  const settings = await qmicli(cdcWdm, cid, keep, '--wds-get-current-settings');
  const address = /IPv4 address: ([\d.]+)/.exec(settings.stdout)?.[1];
  const gateway = /IPv4 gateway address: ([\d.]+)/.exec(settings.stdout)?.[1];
  const mask = /IPv4 subnet mask: ([\d.]+)/.exec(settings.stdout)?.[1];
  if (!address || !gateway || !mask) throw new Error(`Get Current Settings on mux ${muxId}: ${settings.stdout} ${settings.stderr}`);
  const session = { muxId, clientId, address, gateway, prefixLength: prefixOfMask(mask) };
  rec.check(`PDN on mux ${muxId} started through qmicli`, true, session);
  return session;
}

export function rawIp(wwan: string, value: 'Y' | 'N'): string | undefined {
  return writeAttribute(`/sys/class/net/${wwan}/qmi/raw_ip`, value);
}

/**
 * KERNEL.md's measured procedure: parent down; raw_ip Y then N (restores maxmtu 65535); MTU in 802.3
 * (URB = MTU + 14); raw_ip Y (the MTU stays). Returns the first error met, or undefined.
 */
export async function setReceiveSize(rec: Recorder, wwan: string, mtu: number): Promise<string | undefined> {
  await ip(rec, 'link', 'set', wwan, 'down');
  const steps: Array<[string, () => Promise<string | undefined> | string | undefined]> = [
    ['raw_ip=Y', () => rawIp(wwan, 'Y')],
    ['raw_ip=N', () => rawIp(wwan, 'N')],
    [`mtu ${mtu}`, async () => {
      const r = await ip(rec, 'link', 'set', wwan, 'mtu', String(mtu));
      return r.code === 0 ? undefined : r.stderr.trim();
    }],
    ['raw_ip=Y again', () => rawIp(wwan, 'Y')],
  ];
  for (const [name, step] of steps) {
    const error = await step();
    if (error) return `${name}: ${error}`;
  }
  return undefined;
}

/** The qmimux children of `wwan` with the mux id each reports (kernel truth, not creation order). */
export function qmimuxLinks(wwan: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const entry of readdirSync(`/sys/class/net/${wwan}`)) {
    if (!entry.startsWith('upper_')) continue;
    const link = entry.slice('upper_'.length);
    const mux = readAttribute(`/sys/class/net/${link}/qmap/mux_id`);
    if (mux !== undefined) out.set(parseInt(mux, 16), link);
  }
  return out;
}

export async function addMux(rec: Recorder, wwan: string, muxId: number): Promise<string> {
  const error = writeAttribute(`/sys/class/net/${wwan}/qmi/add_mux`, String(muxId));
  rec.check(`add_mux ${muxId}`, error === undefined, error);
  return waitFor(`qmimux link for mux ${muxId}`, () => qmimuxLinks(wwan).get(muxId), 5_000);
}

export async function linkUp(rec: Recorder, link: string): Promise<boolean> {
  const r = await ip(rec, 'link', 'set', link, 'up');
  return rec.check(`${link} up`, r.code === 0, r.code === 0 ? undefined : r.stderr.trim());
}

export function linkExists(link: string): boolean {
  return existsSync(`/sys/class/net/${link}`);
}
