// Active probes through one link: ICMP echo with iputils ping, bound to the link (-I) so the answer says
// something about this path and not about the default route. Behind Prober so tests pass a fake.
import { execFile } from 'node:child_process';

export interface Prober {
  /**
   * Whether `target` answered one echo through `ifname` within `timeoutSeconds`; undefined when no probe
   * could be sent at all (no ping on this host), which must not count against the link. Never throws.
   */
  probe(ifname: string, target: string, timeoutSeconds: number): Promise<boolean | undefined>;
}

/** The argument vector (never a shell string: ifname and target come from a config file). */
export function pingArguments(ifname: string, target: string, timeoutSeconds: number): string[] {
  return ['-n', '-c', '1', '-W', String(timeoutSeconds), '-I', ifname, target];
}

export function pingProber(command = 'ping'): Prober {
  return {
    probe: (ifname, target, timeoutSeconds) =>
      new Promise((resolve) => {
        // The process timeout backs -W up (a ping stuck resolving or in a blocked send).
        execFile(command, pingArguments(ifname, target, timeoutSeconds), { timeout: (timeoutSeconds + 2) * 1000 }, (error) => {
          // A string code is a spawn failure (ENOENT, EACCES): ping never ran. Exit 1 (no reply) and 2 (an
          // error such as a link without an address) are answers about this path.
          if (error && typeof (error as NodeJS.ErrnoException).code === 'string') resolve(undefined);
          else resolve(!error);
        });
      }),
  };
}

/**
 * One reply from any target is enough: several targets keep one unreachable host from blaming the link.
 * Undefined when not one probe could be sent.
 */
export async function probeAny(prober: Prober, ifname: string, targets: readonly string[], timeoutSeconds: number): Promise<boolean | undefined> {
  let sent = false;
  for (const target of targets) {
    const answer = await prober.probe(ifname, target, timeoutSeconds);
    if (answer) return true;
    if (answer === false) sent = true;
  }
  return sent ? false : undefined;
}
