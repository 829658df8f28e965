// Whether a mux id is free on a parent is decided here, once, for every caller (up's early check, the
// planner, both backends' create), from the links the kernel reports. The range is the kernel's rule
// (src/mux-id.ts).
import { Category, RmnetError } from '../errors.js';
import { checkMuxId } from '../mux-id.js';
import type { MuxLink } from './backend.js';

/**
 * Throws unless `muxId` is a valid mux id that no link in `links` holds on `parent`: BAD_MUX_ID (usage)
 * or MUX_IN_USE (conflict, naming the holder; `explain` adds what the caller wants said about it).
 */
export function checkMuxIdFree(links: readonly MuxLink[], parent: string, muxId: number, explain?: (holder: MuxLink) => string): void {
  checkMuxId(muxId, parent, { interface: parent });
  const holder = links.find((l) => l.parent === parent && l.muxId === muxId);
  if (holder) {
    throw new RmnetError('MUX_IN_USE', `${parent}: mux id ${muxId} is already used by ${holder.name}${explain ? explain(holder) : ''}`, Category.conflict, { interface: parent, muxId, link: holder.name, backend: holder.backend });
  }
}
