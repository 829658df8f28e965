// The kernel side of `up`: kernel mode, receive size and one mux link per PDN, through datapath/. Each kernel
// step registers its undo before it runs: a link's on its own PDN's stack, the shared ones (mode, MTU) on
// the common stack. Not abandoned on Ctrl-C: the signal stops it between kernel steps, so the rollback
// never races a step in flight.
import { Category, RmnetError } from '../errors.js';
import { rmnetFlagsFor } from '../datapath/rmnet.js';
import { readParentState, setUpDatapath } from '../datapath/setup.js';
import type { Step } from '../datapath/plan.js';
import type { DataFormat } from '../wda/data-format.js';
import type { Rung } from '../wda/ladder.js';
import type { UndoStack } from '../undo.js';
import { interrupted } from '../interrupt.js';
import type { ReceiveCeiling } from '../wda/negotiation.js';
import type { SessionEnv } from './env.js';
import type { ModemRecord } from './state.js';

export interface LinkRequest {
  muxId: number;
  ifname?: string | undefined;
  /** The PDN's own undo stack: its link's removal goes here. */
  undo: UndoStack;
  /** Called as soon as the link is known, so the record holds it before the next step can fail. */
  created(link: { name: string; ifindex: number }): void;
}

export interface LinksContext {
  env: SessionEnv;
  parent: string;
  /** Gets the kernel mode before anything changes, so that the last `down` restores it. */
  record: ModemRecord;
  /** The steps every PDN shares. */
  common: UndoStack;
  signal?: AbortSignal | undefined;
}

/** Creates one link per request, reporting each through its `created`. */
export async function createPdnLinks(context: LinksContext, rung: Rung, format: DataFormat, links: readonly LinkRequest[]): Promise<void> {
  const { env, parent, record, common, signal } = context;
  if (!rung.backend) throw new RmnetError('INTERNAL', 'raw-ip alone has no mux link');
  if (signal?.aborted) throw interrupted();
  if (!record.kernelBefore) {
    const info = await readParentState(env.sysfs, env.netlink, parent);
    record.kernelBefore = { rawIp: info.state.rawIp, passThrough: info.state.passThrough, mtu: info.state.mtu };
  }
  const stackOf = (step: Step): UndoStack => {
    const undo = step.undo;
    const owner = undo && 'muxId' in undo ? links.find((l) => l.muxId === undo.muxId) : undefined;
    return owner?.undo ?? common;
  };
  const result = await setUpDatapath(
    env.sysfs,
    env.netlink,
    {
      parent,
      backend: rung.backend,
      grantedDlSize: rung.aggregation === 'none' ? null : (format.downlinkMaxSize ?? null),
      muxIds: links.map((l) => l.muxId),
      names: links.map((l) => l.ifname),
      rmnetFlags: rmnetFlagsFor(rung.aggregation === 'qmapv5' ? 'qmapv5' : 'qmap'),
    },
    { undo: stackOf, signal, log: (line) => env.log(line) },
  );
  for (const { muxId, created: report } of links) {
    const created = result.created.find((l) => l.muxId === muxId);
    if (!created) throw new RmnetError('KERNEL_STEP_FAILED', `${parent}: no link with mux id ${muxId} after creating it`, Category.kernel, { interface: parent, muxId });
    const link = await env.netlink.getLink(created.name);
    report({ name: link.name, ifindex: link.index });
    if (rung.backend === 'rmnet' && rung.aggregation === 'qmapv5') await trustModemChecksums(env, link.name);
  }
}

/**
 * When the kernel refused the parent MTU the receive size needs because its max_mtu is lower than the planner
 * expected (usbnet's cap, c7159e960f14, on a kernel whose qmi_wwan does not lift it), the largest transfer
 * this kernel will receive: `up` asks the modem for that instead of a size every transfer would be lost at.
 */
export async function receiveCeilingAfter(env: SessionEnv, parent: string, error: unknown): Promise<ReceiveCeiling | undefined> {
  if (!(error instanceof RmnetError) || error.code !== 'MTU_REFUSED' || !/greater than device maximum/.test(String(error.details.extack ?? error.message))) return undefined;
  const link = await env.netlink.getLink(parent).catch(() => undefined);
  if (!link?.maxMtu || link.maxMtu >= 65535) return undefined;
  return { bytes: link.maxMtu, why: `${parent}'s kernel receives at most ${link.maxMtu} bytes per transfer (max_mtu ${link.maxMtu}: usbnet's cap)` };
}

/** QMAPv5's point: let rmnet trust the modem's checksum-valid mark. An optimisation: a failure is logged. */
async function trustModemChecksums(env: SessionEnv, link: string): Promise<void> {
  try {
    const on = await env.offload.setRxChecksum(link, true);
    env.log(`${link}: rx-checksumming ${on ? 'on (the modem verifies DL checksums)' : 'refused by the driver: checksums are verified in software'}`);
  } catch (error) {
    env.log(`warning: ${(error as Error).message}; checksums are verified in software`);
  }
}
