// rmnetctl format get|set -d PATH: the WDA data format, requested vs granted (the modem may clamp sizes).
import type { Command } from 'commander';
import { Category, RmnetError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { defineCommand } from '../define.js';
import { ENDPOINT_TYPES } from '../command-table.js';
import { table } from '../output.js';
import type { FormatReport } from '../../modem/format.js';
import type { Modem } from '../../sysfs/discovery.js';

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
  sysfsRoot?: string;
  stateDir?: string;
  aggregation?: string;
  dlDatagrams?: number;
  dlSize?: number;
  ulDatagrams?: number;
  ulSize?: number;
}

const AGGREGATION: Record<string, string> = { none: 'disabled', qmap: 'qmap', qmapv4: 'qmapv4', qmapv5: 'qmapv5' };
/** The options that say what to set; `format set` without any of them is refused. */
const SET_OPTIONS = ['linkLayer', 'aggregation', 'dlDatagrams', 'dlSize', 'ulDatagrams', 'ulSize'];

function endpointOf(options: CommonOptions) {
  if (options.endpointIface === undefined) return undefined;
  const type = options.endpointType ?? 'hsusb';
  if (!(ENDPOINT_TYPES as readonly string[]).includes(type)) {
    throw new RmnetError('BAD_ARGUMENT', `--endpoint-type must be one of ${ENDPOINT_TYPES.join(', ')}, got "${type}"`, Category.usage, { option: '--endpoint-type', value: type });
  }
  return { type: type as 'hsusb', interfaceNumber: options.endpointIface };
}

export function register(program: Command, context: CliContext): void {
  const format = defineCommand(program, 'format');

  defineCommand(format, 'format get').action(async (options: CommonOptions) => {
    await context.run(options, async () => {
      const { emit, log } = await import('../output.js');
      const { getFormat } = await import('../../modem/format.js');
      const endpoint = endpointOf(options);
      const { resolvePort } = await import('../session-options.js');
      const { device, proxy } = await resolvePort(options);
      emit(await getFormat({ ...options, device, proxy, log: log.debug, ...(endpoint ? { endpoint } : {}) }), options, renderFormat);
    });
  });

  defineCommand(format, 'format set')
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
        const { device, proxy, modem } = await resolvePort(options);
        // A new format under live PDNs breaks them: say so first (the user may mean it, so it is not refused).
        const warnings = modem ? await formatChangeWarningsFor(modem, device, options) : [];
        for (const warning of warnings) log.warning(warning);
        const report = await setFormat({ ...options, device, proxy, log: log.debug }, {
          linkLayer: options.linkLayer,
          ...(aggregation ? { downlinkAggregation: aggregation, uplinkAggregation: aggregation } : {}),
          ...(options.dlDatagrams !== undefined ? { downlinkMaxDatagrams: options.dlDatagrams } : {}),
          ...(options.dlSize !== undefined ? { downlinkMaxSize: options.dlSize } : {}),
          ...(options.ulDatagrams !== undefined ? { uplinkMaxDatagrams: options.ulDatagrams } : {}),
          ...(options.ulSize !== undefined ? { uplinkMaxSize: options.ulSize } : {}),
          ...(endpoint ? { endpoint } : {}),
        });
        emit({ ...report, warnings }, options, renderFormat);
      });
    });
}

/** The PDNs up on the modem (record and kernel truth, session/pdns-up.ts) as warnings about a format change. */
async function formatChangeWarningsFor(modem: Modem, device: string, options: { sysfsRoot?: string | undefined; stateDir?: string | undefined }): Promise<string[]> {
  const { FileSysfs } = await import('../../sysfs/sysfs.js');
  const { RtNetlink } = await import('../../netlink/rtnl.js');
  const { pdnsUpOn, formatChangeWarnings } = await import('../../session/pdns-up.js');
  let netlink: InstanceType<typeof RtNetlink> | null = null;
  try {
    netlink = new RtNetlink();
  } catch {
    netlink = null; // qmimux links and the record still count
  }
  try {
    return formatChangeWarnings(device, await pdnsUpOn({ sysfs: new FileSysfs(options.sysfsRoot ?? '/sys'), netlink, stateDir: options.stateDir }, modem));
  } finally {
    netlink?.close();
  }
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
