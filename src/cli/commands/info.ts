// rmnetctl info -d PATH [--proxy] [--json]: model, revision, IMEI and the current data format of a modem;
// what the modem refuses to tell is shown as unavailable, with its reason (src/modem/optional.ts).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { defineCommand } from '../define.js';
import { emitPortReport, type PortCommandOptions } from '../session-options.js';
import type { DataFormat } from '../../wda/data-format.js';
import type { InfoField, InfoReport, ReportedDataFormat } from '../../modem/info.js';
import { describeUnavailable } from '../../modem/optional.js';

export function register(program: Command, context: CliContext): void {
  defineCommand(program, 'info')
    .action(async (options: PortCommandOptions) => {
      await context.run(options, async () => {
        const { collectInfo } = await import('../../modem/info.js');
        await emitPortReport(options, collectInfo, renderInfo);
      });
    });
}

/** One line for a data format; a size the modem did not give (undefined, or null in a report) is "?". */
export function describeFormat(format: DataFormat | ReportedDataFormat): string {
  const parts = [`link layer ${format.linkLayer ?? '?'}`];
  parts.push(`aggregation ul ${format.uplinkAggregation ?? '?'} / dl ${format.downlinkAggregation ?? '?'}`);
  // Sizes mean nothing without aggregation (a modem reports 0 or stale values then).
  if (format.downlinkAggregation !== 'disabled' && (format.downlinkMaxDatagrams != null || format.downlinkMaxSize != null)) {
    parts.push(`dl max ${format.downlinkMaxDatagrams ?? '?'} datagrams / ${format.downlinkMaxSize ?? '?'} bytes`);
  }
  if (format.uplinkAggregation !== 'disabled' && (format.uplinkMaxDatagrams != null || format.uplinkMaxSize != null)) {
    parts.push(`ul max ${format.uplinkMaxDatagrams ?? '?'} datagrams / ${format.uplinkMaxSize ?? '?'} bytes`);
  }
  return parts.join(', ');
}

export function renderInfo(report: InfoReport): string {
  // An answer with nothing in it (an empty model string) is "-", as elsewhere in rmnetctl's tables.
  const or = (value: string | null, field: InfoField) => (value === null ? describeUnavailable(report.unavailable[field]) : value.trim() === '' ? '-' : value);
  const rows: string[][] = [
    ['path', `${report.path}${report.via === 'qmi-proxy' ? ' (through qmi-proxy)' : ''}`],
    ['model', or(report.model, 'model')],
    ['revision', or(report.revision, 'revision')],
    ['imei', or(report.imei, 'imei')],
    ['data format', or(report.dataFormat && describeFormat(report.dataFormat), 'dataFormat')],
  ];
  // Labels in a column two spaces wider than the widest, so no value runs into its label.
  const width = Math.max(...rows.map(([k]) => k!.length)) + 2;
  return rows.map(([k, v]) => `${k!.padEnd(width)}${v}`).join('\n');
}
