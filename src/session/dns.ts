// DNS from the network, applied per link, never by editing /etc/resolv.conf: through systemd-resolved when
// it runs (resolvectl), else through resolvconf when it is installed (Debian's resolvconf or openresolv:
// `resolvconf -a LINK` reads nameserver lines on stdin, `-d LINK` removes them), otherwise reported so the
// user can wire it (the CLI prints the servers). Helper programs get argument vectors, never a shell.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export type DnsMethod = 'systemd-resolved' | 'resolvconf';

export interface DnsApplier {
  /** Returns how the servers were applied, or 'not applied'. */
  apply(link: string, servers: string[]): Promise<DnsMethod | 'not applied'>;
  revert(link: string): Promise<void>;
}

/** Runs a program with arguments (and optional stdin); rejects on a non-zero exit. */
export type Runner = (file: string, args: string[], input?: string) => Promise<void>;

const execRunner: Runner = (file, args, input) =>
  new Promise<void>((resolve, reject) => {
    const child = execFile(file, args, { timeout: 10_000 }, (error) => (error ? reject(error) : resolve()));
    child.stdin?.end(input ?? '');
  });

export interface SystemDnsOptions {
  run?: Runner;
  /** resolved's control socket: it exists only while resolved runs. */
  resolvedSocket?: string;
  /** Where resolvconf may be; the first that exists is used. */
  resolvconfPaths?: readonly string[];
}

export function systemDns(options: SystemDnsOptions = {}): DnsApplier {
  const run = options.run ?? execRunner;
  const resolved = () => existsSync(options.resolvedSocket ?? '/run/systemd/resolve/io.systemd.Resolve');
  const resolvconf = () => (options.resolvconfPaths ?? ['/usr/sbin/resolvconf', '/sbin/resolvconf']).find((p) => existsSync(p));
  return {
    async apply(link, servers) {
      if (servers.length === 0) return 'not applied';
      if (resolved()) {
        // `--`: a link name or server can never be taken for an option.
        await run('resolvectl', ['dns', '--', link, ...servers]);
        return 'systemd-resolved';
      }
      const tool = resolvconf();
      if (!tool) return 'not applied';
      // The record name is the interface: resolvconf orders and removes by it. Link names never start with '-'.
      await run(tool, ['-a', link], servers.map((s) => `nameserver ${s}\n`).join(''));
      return 'resolvconf';
    },
    async revert(link) {
      if (resolved()) await run('resolvectl', ['revert', '--', link]).catch(() => {});
      else {
        const tool = resolvconf();
        if (tool) await run(tool, ['-d', link]).catch(() => {});
      }
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
