// rmnetctl metrics [-d DEV] [--textfile DIR | --listen ADDR:PORT [--allow-remote]]: the modems' radio, SIM,
// data format, PDN sessions and mux link counters in the Prometheus text format. One scrape to stdout, or
// to DIR/rmnetctl.prom for node_exporter's textfile collector, or served on GET /metrics until SIGINT/SIGTERM.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { defineCommand } from '../define.js';
import { proxyChoice, type CommonSessionOptions } from '../session-options.js';

export interface MetricsOptions extends Omit<CommonSessionOptions, 'json'> {
  textfile?: string;
  listen?: string;
  allowRemote?: boolean;
}

export function register(program: Command, context: CliContext): void {
  defineCommand(program, 'metrics')
    .action(async (options: MetricsOptions) => {
      await context.run({}, async () => {
        const { Category, RmnetError } = await import('../../errors.js');
        if (options.textfile !== undefined && options.listen !== undefined) {
          throw new RmnetError('BAD_ARGUMENT', '--textfile and --listen are two ways to publish: give one (see rmnetctl metrics --help)', Category.usage);
        }
        if (options.allowRemote && options.listen === undefined) {
          throw new RmnetError('BAD_ARGUMENT', '--allow-remote is for --listen: give --listen ADDR:PORT (see rmnetctl metrics --help)', Category.usage);
        }
        const { parseListenAddress, checkExposure, serveMetrics } = await import('../../metrics/listen.js');
        const address = options.listen !== undefined ? parseListenAddress(options.listen) : undefined;
        if (address) checkExposure(address, options.allowRemote === true);

        const { log } = await import('../output.js');
        const { sessionEnv } = await import('../session-options.js');
        const { metricsTargets, scrape } = await import('../../metrics/collect.js');
        const { metricFamilies } = await import('../../metrics/families.js');
        const { renderExposition } = await import('../../metrics/exposition.js');
        const env = await sessionEnv(options);
        const proxy = proxyChoice(options);
        const { AggregationTracker } = await import('../../metrics/aggregation.js');
        // Across the scrapes of one --listen process: the aggregation ratio between two of them.
        const aggregation = new AggregationTracker();
        const collect = async () => {
          const result = await scrape(env, await metricsTargets(env, options.device, proxy), proxy);
          aggregation.update(result.modems);
          for (const modem of result.modems) for (const warning of modem.warnings) log.debug(warning);
          return { result, text: renderExposition(metricFamilies(result)) };
        };
        try {
          if (address) {
            // A -d that names nothing fails now, with its exit code, not as an error page on every scrape.
            await metricsTargets(env, options.device, proxy);
            const server = await serveMetrics(address, async () => {
              const { result, text } = await collect();
              for (const modem of result.modems) if (modem.error) log.debug(`${modem.target.name}: ${modem.error.message}`);
              return text;
            }, (line) => log.info(line));
            const where = `${server.address.host.includes(':') ? `[${server.address.host}]` : server.address.host}:${server.address.port}`;
            log.info(`serving http://${where}/metrics`);
            await new Promise<void>((resolve) => {
              const stop = () => resolve();
              process.once('SIGINT', stop);
              process.once('SIGTERM', stop);
            });
            await server.close();
            return;
          }
          const { result, text } = await collect();
          if (options.textfile !== undefined) {
            const { writeTextfile } = await import('../../metrics/textfile.js');
            writeTextfile(options.textfile, text);
          } else {
            process.stdout.write(text);
          }
          // The output stands; the exit code says a modem could not be asked (the first one's error).
          const failed = result.modems.filter((m) => m.error !== null);
          for (const modem of failed.slice(1)) log.info(`error: ${modem.error!.message}`);
          if (failed.length > 0) throw failed[0]!.error;
        } finally {
          env.netlink.close();
        }
      });
    });
}
