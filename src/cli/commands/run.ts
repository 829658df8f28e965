// rmnetctl run NAME: the foreground supervisor behind rmnetctl@NAME.service (src/session/supervisor.ts).
import { defineCommand } from '../define.js';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { requireRoot, sessionEnv } from '../session-options.js';

interface RunOptions {
  config?: string;
  stateDir?: string;
  sysfsRoot?: string;
}

export function register(program: Command, context: CliContext): void {
  defineCommand(program, 'run')
    .action(async (name: string, options: RunOptions) => {
      await context.run({}, async () => {
        const { Category, RmnetError } = await import('../../errors.js');
        if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name) || name.startsWith('.')) {
          throw new RmnetError('BAD_ARGUMENT', `config name "${name}" must be 1-64 letters, digits, '-', '_', '.', '@' (it names /etc/rmnetctl/NAME.conf)`, Category.usage);
        }
        const path = options.config ?? `/etc/rmnetctl/${name}.conf`;
        const { parseFleetConfig, readConfigFile } = await import('../../session/config.js');
        const config = parseFleetConfig(readConfigFile(path), path);
        requireRoot('run');
        const env = await sessionEnv(options);
        const { runFleet } = await import('../../session/fleet.js');
        const { sdNotify } = await import('../../session/notify.js');
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
        try {
          await runFleet(env, config, { signal: stop.signal, notify: (m) => void sdNotify(m) });
        } finally {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          env.netlink.close();
        }
      });
    });
}
