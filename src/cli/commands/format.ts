// rmnetctl format get|set -d PATH: the WDA data format, requested vs granted (the modem may clamp sizes).
import type { Command } from 'commander';
import { Category, RmnetError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { parseIntegerOption } from '../options.js';
import { table } from '../output.js';
import type { FormatReport } from '../../modem/format.js';

interface CommonOptions {
  device?: string;
  proxy?: boolean;
  json?: boolean;
  timeout?: number;
  endpointIface?: number;
  endpointType?: string;
}

interface SetOptions extends CommonOptions {
  linkLayer: string;
  aggregation?: string;
  dlDatagrams?: number;
  dlSize?: number;
  ulDatagrams?: number;
  ulSize?: number;
}

const AGGREGATION: Record<string, string> = { none: 'disabled', qmap: 'qmap', qmapv4: 'qmapv4', qmapv5: 'qmapv5' };
/** The options that say what to set; `format set` without any of them is refused. */
const SET_OPTIONS = ['linkLayer', 'aggregation', 'dlDatagrams', 'dlSize', 'ulDatagrams', 'ulSize'];
const ENDPOINT_TYPES = ['hsusb', 'hsic', 'pcie', 'embedded', 'bam-dmux'];

function common(command: Command): Command {
  return command
    .option('-d, --device <modem>', 'modem: control port (/dev/cdc-wdm0), network interface (wwan0), USB path (1-1.4) or IMEI; default: the only one')
    .option('-p, --proxy', "go through libqmi's qmi-proxy")
    .option('--endpoint-iface <n>', 'USB interface number of the QMI interface (sends the endpoint TLV)', parseIntegerOption('--endpoint-iface', 0, 255))
    .option('--endpoint-type <type>', `endpoint type: ${ENDPOINT_TYPES.join('|')}`, 'hsusb')
    .option('--timeout <ms>', 'per-request timeout', parseIntegerOption('--timeout', 100, 600000))
    .option('--json', 'one JSON document on stdout');
}

function endpointOf(options: CommonOptions) {
  if (options.endpointIface === undefined) return undefined;
  const type = options.endpointType ?? 'hsusb';
  if (!ENDPOINT_TYPES.includes(type)) {
    throw new RmnetError('BAD_ARGUMENT', `--endpoint-type must be one of ${ENDPOINT_TYPES.join(', ')}, got "${type}"`, Category.usage, { option: '--endpoint-type', value: type });
  }
  return { type: type as 'hsusb', interfaceNumber: options.endpointIface };
}

export function register(program: Command, context: CliContext): void {
  const format = program.command('format').description('show or set the WDA data format (link layer, aggregation, sizes)');

  common(format.command('get').description('show the current data format')).action(async (options: CommonOptions) => {
    await context.run(options, async () => {
      const { emit, log } = await import('../output.js');
      const { getFormat } = await import('../../modem/format.js');
      const endpoint = endpointOf(options);
      const { resolvePort } = await import('../session-options.js');
      emit(await getFormat({ ...options, ...(await resolvePort(options)), log: log.debug, ...(endpoint ? { endpoint } : {}) }), options, renderFormat);
    });
  });

  common(format.command('set').description('request a data format and show what the modem granted'))
    .option('--link-layer <mode>', 'raw-ip | 802-3', 'raw-ip')
    .option('--aggregation <protocol>', 'none | qmap | qmapv4 | qmapv5 (both directions)')
    .option('--dl-datagrams <n>', 'DL aggregation max datagrams', parseIntegerOption('--dl-datagrams', 1, 0xffffffff))
    .option('--dl-size <bytes>', 'DL aggregation max size', parseIntegerOption('--dl-size', 1, 0xffffffff))
    .option('--ul-datagrams <n>', 'UL aggregation max datagrams', parseIntegerOption('--ul-datagrams', 1, 0xffffffff))
    .option('--ul-size <bytes>', 'UL aggregation max size', parseIntegerOption('--ul-size', 1, 0xffffffff))
    .action(async (options: SetOptions, command: Command) => {
      await context.run(options, async () => {
        // --link-layer has a default, so without this a bare `format set -d X` would quietly switch the modem to raw-ip.
        if (!SET_OPTIONS.some((name) => (command.getOptionValueSource(name) ?? 'default') !== 'default')) {
          throw new RmnetError('BAD_ARGUMENT', `format set needs at least one of --link-layer, --aggregation, --dl-datagrams, --dl-size, --ul-datagrams, --ul-size (nothing was sent to the modem); see rmnetctl format set --help`, Category.usage, { option: 'format set' });
        }
        if (options.linkLayer !== 'raw-ip' && options.linkLayer !== '802-3') {
          throw new RmnetError('BAD_ARGUMENT', `--link-layer must be raw-ip or 802-3, got "${options.linkLayer}"`, Category.usage, { option: '--link-layer', value: options.linkLayer });
        }
        let aggregation: string | undefined;
        if (options.aggregation !== undefined) {
          aggregation = AGGREGATION[options.aggregation];
          if (!aggregation) {
            throw new RmnetError('BAD_ARGUMENT', `--aggregation must be one of ${Object.keys(AGGREGATION).join(', ')}, got "${options.aggregation}"`, Category.usage, {
              option: '--aggregation',
              value: options.aggregation,
            });
          }
        }
        const endpoint = endpointOf(options);
        const { emit, log } = await import('../output.js');
        const { setFormat } = await import('../../modem/format.js');
        const { resolvePort } = await import('../session-options.js');
        const report = await setFormat({ ...options, ...(await resolvePort(options)), log: log.debug }, {
          linkLayer: options.linkLayer,
          ...(aggregation ? { downlinkAggregation: aggregation, uplinkAggregation: aggregation } : {}),
          ...(options.dlDatagrams !== undefined ? { downlinkMaxDatagrams: options.dlDatagrams } : {}),
          ...(options.dlSize !== undefined ? { downlinkMaxSize: options.dlSize } : {}),
          ...(options.ulDatagrams !== undefined ? { uplinkMaxDatagrams: options.ulDatagrams } : {}),
          ...(options.ulSize !== undefined ? { uplinkMaxSize: options.ulSize } : {}),
          ...(endpoint ? { endpoint } : {}),
        });
        emit(report, options, renderFormat);
      });
    });
}

export function renderFormat(report: FormatReport): string {
  const g = report.granted;
  const r = report.requested;
  const show = (v: unknown) => (v === undefined ? '-' : String(v));
  const rows: Array<[string, unknown, unknown]> = [
    ['link layer', r?.linkLayer, g.linkLayer],
    ['ul aggregation', r ? (r.uplinkAggregation ?? r.downlinkAggregation) : undefined, g.uplinkAggregation],
    ['dl aggregation', r?.downlinkAggregation, g.downlinkAggregation],
    ['dl max datagrams', r?.downlinkMaxDatagrams, g.downlinkMaxDatagrams],
    ['dl max size', r?.downlinkMaxSize, g.downlinkMaxSize],
    ['ul max datagrams', r?.uplinkMaxDatagrams, g.uplinkMaxDatagrams],
    ['ul max size', r?.uplinkMaxSize, g.uplinkMaxSize],
  ];
  if (!r) return table(['setting', 'current'], rows.map(([name, , granted]) => [name, show(granted)]));
  return table(['setting', 'requested', 'granted'], rows.map(([name, requested, granted]) => [name, show(requested), show(granted)]));
}
