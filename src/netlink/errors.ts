// A kernel refusal over netlink: the errno name plus the kernel's extended-ack text, which usually says
// exactly what was wrong ("Unknown device type", "MUX ID already exists", "Invalid MTU on real dev").
import { Category, RmnetError, type ErrorCategory } from '../errors.js';

const categoryByErrno: Record<string, ErrorCategory> = {
  EPERM: Category.permission,
  EACCES: Category.permission,
  ENODEV: Category.notFound,
  ENOENT: Category.notFound,
  ESRCH: Category.notFound,
  EEXIST: Category.conflict,
  EBUSY: Category.busy,
  ETIMEDOUT: Category.timeout,
};

export class NetlinkError extends RmnetError {
  constructor(
    code: string,
    message: string,
    /** errno name, e.g. EEXIST. */
    readonly errno: string,
    /** NLMSGERR_ATTR_MSG, when the kernel sent one. */
    readonly extack: string | undefined,
    details: Record<string, unknown> = {},
    category?: ErrorCategory,
  ) {
    super(code, message, category ?? categoryByErrno[errno] ?? Category.kernel, { errno, ...(extack ? { extack } : {}), ...details });
  }

  /** The same kernel error re-described by an operation that knows what it was doing. */
  withContext(code: string, what: string, details: Record<string, unknown> = {}, category?: ErrorCategory): NetlinkError {
    const reason = this.extack ? `${this.extack} (${this.errno})` : this.errno;
    return new NetlinkError(code, `${what}: ${reason}`, this.errno, this.extack, { ...this.details, ...details }, category ?? this.category);
  }
}
