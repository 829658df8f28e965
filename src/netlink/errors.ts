// A kernel refusal over netlink: the errno name plus the kernel's extended-ack text, which usually says
// exactly what was wrong ("Unknown device type", "MUX ID already exists", "Invalid MTU on real dev").
import { ExitCode, RmnetError } from '../errors.js';

const exitCodeByErrno: Record<string, ExitCode> = {
  EPERM: ExitCode.permission,
  EACCES: ExitCode.permission,
  ENODEV: ExitCode.notFound,
  ENOENT: ExitCode.notFound,
  ESRCH: ExitCode.notFound,
  EEXIST: ExitCode.conflict,
  EBUSY: ExitCode.busy,
  ETIMEDOUT: ExitCode.timeout,
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
    exitCode?: ExitCode,
  ) {
    super(code, message, exitCode ?? exitCodeByErrno[errno] ?? ExitCode.kernel, { errno, ...(extack ? { extack } : {}), ...details });
  }

  /** The same kernel error re-described by an operation that knows what it was doing. */
  withContext(code: string, what: string, details: Record<string, unknown> = {}, exitCode?: ExitCode): NetlinkError {
    const reason = this.extack ? `${this.extack} (${this.errno})` : this.errno;
    return new NetlinkError(code, `${what}: ${reason}`, this.errno, this.extack, { ...this.details, ...details }, exitCode ?? this.exitCode);
  }
}
