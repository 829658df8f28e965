// The one error type rmnetctl throws across layers: a stable code, a message naming the thing
// involved (path, interface, mux id, QMI service/message/error), and the exit code the CLI uses.

/** Exit codes of the CLI, documented in docs/exit-codes.md. Stable: scripts depend on them. */
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
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class RmnetError extends Error {
  override readonly name = 'RmnetError';
  constructor(
    /** Stable machine-readable code, e.g. 'QMI_TIMEOUT', 'DEVICE_BUSY', 'MUX_IN_USE'. */
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode = ExitCode.failure,
    /** Structured facts for JSON output (path, muxId, service, qmiError, errno...). No secrets. */
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): Record<string, unknown> {
    // Details first: a detail named like a core field (a QMI message called `message`) must not hide it.
    return { ...this.details, code: this.code, message: this.message, exitCode: this.exitCode };
  }
}
