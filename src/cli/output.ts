// One output model rendered as text or JSON (the iproute2 habit): a command builds a plain value,
// `emit` prints it. JSON goes to stdout as one document; logs and progress go to stderr.
import { fstatSync } from 'node:fs';
import { Category, RmnetError } from '../errors.js';
import { errorDocument, exitCodeOf, type ExitCode } from './exit-codes.js';

export interface OutputOptions {
  json?: boolean;
}

/** Prints a command's result: `render` makes the text form, the value itself is the JSON form. */
export function emit<T>(value: T, options: OutputOptions, render: (value: T) => string): void {
  if (options.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else {
    const text = render(value);
    if (text.length > 0) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** syslog priorities, as sd-daemon(3)'s "<N>" line prefixes. */
const PRIORITY = { error: 3, warning: 4, info: 6, debug: 7 } as const;
type Priority = keyof typeof PRIORITY;

let journal: boolean | undefined;
/** stderr is the journal when systemd says so: JOURNAL_STREAM names the device:inode of fd 2 (systemd.exec(5)). */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!env.JOURNAL_STREAM) return false;
  try {
    const st = fstatSync(2);
    return env.JOURNAL_STREAM === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
}

/** One line on stderr; under systemd it carries its priority, so `journalctl -p warning` finds the warnings. */
function stderrLine(priority: Priority, text: string): void {
  journal ??= stderrIsJournal();
  process.stderr.write(`${journal ? `<${PRIORITY[priority]}>` : ''}${text}\n`);
}

/** How much goes to stderr: quiet drops info lines, verbose adds debug lines (-q, -v; RMNETCTL_DEBUG as -v). */
export type LogLevel = 'quiet' | 'normal' | 'verbose';
let level: LogLevel = 'normal';
export function setLogLevel(wanted: LogLevel): void {
  level = wanted;
}
const debugOn = () => level === 'verbose' || (level === 'normal' && Boolean(process.env.RMNETCTL_DEBUG));

/** Logs to stderr so stdout stays a clean JSON document. Warnings and errors are never dropped. */
export const log = {
  info(message: string): void {
    // The session layer's warnings arrive as "warning: ..." lines (SessionEnv.log has one level).
    const warning = message.startsWith('warning: ');
    if (!warning && level === 'quiet') return;
    stderrLine(warning ? 'warning' : 'info', `rmnetctl: ${message}`);
  },
  warning(message: string): void {
    stderrLine('warning', `rmnetctl: warning: ${message}`);
  },
  debug(message: string): void {
    if (debugOn()) stderrLine('debug', `rmnetctl[debug]: ${message}`);
  },
};

/** Aligned columns for tables in text output. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Reports an error the way every command does: text to stderr, or a JSON error document to stdout. */
export function reportError(error: unknown, options: OutputOptions): ExitCode {
  const known =
    error instanceof RmnetError
      ? error
      : new RmnetError('INTERNAL', error instanceof Error ? error.message : String(error), Category.failure);
  if (options.json) process.stdout.write(`${JSON.stringify({ error: errorDocument(known) }, null, 2)}\n`);
  stderrLine('error', `rmnetctl: error: ${known.message}`);
  if (!(error instanceof RmnetError) && error instanceof Error && process.env.RMNETCTL_DEBUG) {
    process.stderr.write(`${error.stack ?? ''}\n`);
  }
  return exitCodeOf(known);
}
