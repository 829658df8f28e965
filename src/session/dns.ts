// DNS from the network, applied per link: through systemd-resolved when it runs (resolvectl, with an
// argument list), otherwise reported so the user can wire it (the CLI prints the servers).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface DnsApplier {
  /** Returns how the servers were applied ('systemd-resolved') or 'not applied'. */
  apply(link: string, servers: string[]): Promise<'systemd-resolved' | 'not applied'>;
  revert(link: string): Promise<void>;
}

const run = (args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile('resolvectl', args, { timeout: 10_000 }, (error) => (error ? reject(error) : resolve())),
  );

export function systemDns(): DnsApplier {
  // resolved's control socket exists only while it runs.
  const resolved = () => existsSync('/run/systemd/resolve/io.systemd.Resolve');
  return {
    async apply(link, servers) {
      if (servers.length === 0 || !resolved()) return 'not applied';
      // `--`: a link name or server can never be taken for an option.
      await run(['dns', '--', link, ...servers]);
      return 'systemd-resolved';
    },
    async revert(link) {
      if (resolved()) await run(['revert', '--', link]).catch(() => {});
    },
  };
}

/** For tests and hosts where DNS is someone else's job. */
export const noDns: DnsApplier = {
  async apply() {
    return 'not applied';
  },
  async revert() {},
};
