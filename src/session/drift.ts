// The parent's kernel mode against what the recorded links need: one function that `status` reports and
// `run` repairs, so the two can never disagree on what "drifted" means.
import type { Modem } from '../sysfs/discovery.js';
import type { PdnRecord } from './state.js';

export interface ModeDrift {
  attribute: 'raw_ip' | 'pass_through';
  /** What the kernel shows now. */
  now: boolean;
  /** What the recorded links need. */
  want: boolean;
}

export interface KernelModeDrift {
  backend: 'rmnet' | 'qmimux';
  differ: ModeDrift[];
}

/**
 * rmnet needs raw_ip and pass_through on, qmimux raw_ip on and pass_through off; someone changing it under
 * live PDNs (ModemManager re-opening the port resets pass_through) stops their traffic while the links, the
 * sessions and the record look fine. Only PDNs whose links are still in the kernel should be passed in: a
 * gone link is its own disagreement. Undefined when nothing differs or the kernel does not say.
 */
export function kernelModeDrift(modem: Pick<Modem, 'rawIp' | 'passThrough'>, pdns: ReadonlyArray<Pick<PdnRecord, 'state' | 'backend'>>): KernelModeDrift | undefined {
  const backend = pdns.find((p) => p.state === 'up' && (p.backend === 'rmnet' || p.backend === 'qmimux'))?.backend;
  if ((backend !== 'rmnet' && backend !== 'qmimux') || modem.rawIp === null || modem.passThrough === null) return undefined;
  const want = { raw_ip: true, pass_through: backend === 'rmnet' };
  const now = { raw_ip: modem.rawIp, pass_through: modem.passThrough };
  const differ = (['raw_ip', 'pass_through'] as const)
    .filter((a) => now[a] !== want[a])
    .map((attribute) => ({ attribute, now: now[attribute], want: want[attribute] }));
  return differ.length === 0 ? undefined : { backend, differ };
}

const yn = (v: boolean): string => (v ? 'Y' : 'N');

/** "raw_ip is N and pass_through is N", the drift as `status` and the supervisor's log line word it. */
export function describeDrift(drift: KernelModeDrift): string {
  return drift.differ.map((d) => `${d.attribute} is ${yn(d.now)}`).join(' and ');
}

/** Who likely changed it: ModemManager re-opens the port on start and resets pass_through. */
export function likelyCulprit(modemManagerPid: number | undefined): string {
  return modemManagerPid !== undefined ? ` (ModemManager, pid ${modemManagerPid}, may have reset it)` : '';
}
