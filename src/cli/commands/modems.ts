// rmnetctl modems [--sysfs-root DIR] [--json]: every QMI modem the kernel shows, from sysfs alone.
import { defineCommand } from '../define.js';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Modem } from '../../sysfs/discovery.js';

export interface ModemsOptions {
  sysfsRoot?: string;
  json?: boolean;
}

/** The stable JSON shape of one modem. */
export interface ModemReport {
  controlPort: string;
  device: string;
  netInterface: string | null;
  driver: string | null;
  vendorProduct: string | null;
  busPath: string | null;
  interfaceNumber: number | null;
  endpointType: 'hsusb' | 'pcie';
  rawIp: boolean | null;
  passThrough: boolean | null;
}

export function toReport(m: Modem): ModemReport {
  return {
    controlPort: m.controlPort,
    device: `/dev/${m.controlPort}`,
    netInterface: m.netInterface,
    driver: m.driver,
    vendorProduct: m.vendorProduct,
    busPath: m.busPath,
    interfaceNumber: m.interfaceNumber,
    endpointType: m.endpointType,
    rawIp: m.rawIp,
    passThrough: m.passThrough,
  };
}

const yn = (v: boolean | null) => (v === null ? '-' : v ? 'Y' : 'N');

export function renderModems(value: { modems: ModemReport[] }, table: (h: string[], r: string[][]) => string): string {
  if (value.modems.length === 0) return 'no QMI modem found';
  return table(
    ['CONTROL', 'NET', 'DRIVER', 'VID:PID', 'BUS', 'IFACE', 'ENDPOINT', 'RAW_IP', 'PASS_THROUGH'],
    value.modems.map((m) => [m.device, m.netInterface ?? '-', m.driver ?? '-', m.vendorProduct ?? '-', m.busPath ?? '-', m.interfaceNumber === null ? '-' : String(m.interfaceNumber), m.endpointType, yn(m.rawIp), yn(m.passThrough)]),
  );
}

export function register(program: Command, context: CliContext): void {
  defineCommand(program, 'modems')
    .action(async (options: ModemsOptions) => {
      await context.run(options, async () => {
        const { emit, table } = await import('../output.js');
        const { FileSysfs } = await import('../../sysfs/sysfs.js');
        const { discoverModems } = await import('../../sysfs/discovery.js');
        const modems = (await discoverModems(new FileSysfs(options.sysfsRoot ?? '/sys'))).map(toReport);
        emit({ modems }, options, (v) => renderModems(v, table));
      });
    });
}
