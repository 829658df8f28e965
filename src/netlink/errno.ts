// errno numbers <-> names for NLMSG_ERROR codes, from Node's table for this platform.
import { constants } from 'node:os';

const byNumber = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  // Prefer the canonical name when two share a number (EWOULDBLOCK=EAGAIN, ENOTSUP=EOPNOTSUPP, EDEADLOCK).
  if (!byNumber.has(value) || ['EAGAIN', 'EOPNOTSUPP', 'EDEADLK'].includes(name)) byNumber.set(value, name);
}

/** The errno name for a positive errno number, or `E<number>` when unknown. */
export function errnoName(errno: number): string {
  return byNumber.get(errno) ?? `E${errno}`;
}
