// The CLI's exit codes, documented in docs/exit-codes.md. Stable: scripts depend on them. Only the CLI
// chooses an exit code; every layer below raises an error with a category, mapped here.
import { RmnetError, type ErrorCategory } from '../errors.js';

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  busy: 4,
  permission: 5,
  timeout: 6,
  protocol: 7,
  qmiError: 8,
  kernel: 9,
  conflict: 10,
  network: 11,
  unhealthy: 12,
} as const satisfies Record<'ok' | ErrorCategory, number>;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code of a failure: its category's, or `failure` for anything that is not an RmnetError. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof RmnetError ? ExitCode[error.category] : ExitCode.failure;
}

/** An error's JSON document as the CLI prints it: the error's own fields plus the exit code. */
export function errorDocument(error: RmnetError): Record<string, unknown> {
  return { ...error.toJSON(), exitCode: exitCodeOf(error) };
}
