// The one error type rmnetctl throws across layers: a stable code, a message naming the thing
// involved (path, interface, mux id, QMI service/message/error), and a category. Which exit code a
// category gets is the CLI's decision (src/cli/exit-codes.ts); the layers below only classify.

/** What kind of failure an error is; the CLI maps each to one documented exit code. */
export const Category = {
  failure: 'failure',
  usage: 'usage',
  notFound: 'notFound',
  busy: 'busy',
  permission: 'permission',
  timeout: 'timeout',
  protocol: 'protocol',
  qmiError: 'qmiError',
  kernel: 'kernel',
  conflict: 'conflict',
  network: 'network',
  /** A report found a problem (`doctor`: a check failed); the report itself was printed. */
  unhealthy: 'unhealthy',
} as const;
export type ErrorCategory = (typeof Category)[keyof typeof Category];

export class RmnetError extends Error {
  override readonly name = 'RmnetError';
  constructor(
    /** Stable machine-readable code, e.g. 'QMI_TIMEOUT', 'DEVICE_BUSY', 'MUX_IN_USE'. */
    readonly code: string,
    message: string,
    readonly category: ErrorCategory = Category.failure,
    /** Structured facts for JSON output (path, muxId, service, qmiError, errno...). No secrets. */
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): Record<string, unknown> {
    // Details first: a detail named like a core field (a QMI message called `message`) must not hide it.
    return { ...this.details, code: this.code, message: this.message, category: this.category };
  }
}
