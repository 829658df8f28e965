// qmi_wwan's sysfs attributes (/sys/class/net/<if>/qmi/*): read the mode, switch it, add and delete
// qmimux children. Kernel errors become RmnetErrors that say what the kernel meant (see KERNEL.md).
import { Category, RmnetError, type ErrorCategory } from '../errors.js';
import { checkInterfaceName } from './names.js';
import { checkMuxId } from '../mux-id.js';
import { errnoOf, readOptional, type Sysfs } from './sysfs.js';

export interface QmiWwanMode {
  rawIp: boolean;
  passThrough: boolean;
}

function qmiPath(iface: string, attribute: string): string {
  return `class/net/${checkInterfaceName(iface)}/qmi/${attribute}`;
}

function parseBool(text: string): boolean | undefined {
  if (text === 'Y' || text === 'y' || text === '1') return true;
  if (text === 'N' || text === 'n' || text === '0') return false;
  return undefined;
}

/** raw_ip and pass_through of a qmi_wwan interface; undefined when it is not qmi_wwan. */
export async function readQmiWwanMode(sysfs: Sysfs, iface: string): Promise<QmiWwanMode | undefined> {
  const raw = await readOptional(sysfs, qmiPath(iface, 'raw_ip'));
  if (raw === undefined) return undefined;
  // pass_through appeared in 5.11; older kernels have no such attribute (mode N).
  const pass = await readOptional(sysfs, qmiPath(iface, 'pass_through'));
  return { rawIp: parseBool(raw) ?? false, passThrough: pass === undefined ? false : (parseBool(pass) ?? false) };
}

/** The error for a non-qmi_wwan parent, naming it. */
export function notQmiWwan(iface: string, sysfs: Sysfs): RmnetError {
  return new RmnetError('NOT_QMI_WWAN', `${iface}: not a qmi_wwan interface (no ${sysfs.root}/class/net/${iface}/qmi/)`, Category.notFound, { interface: iface });
}

async function writeAttribute(
  sysfs: Sysfs,
  iface: string,
  attribute: string,
  value: string,
  explain: (errno: string | undefined) => { code: string; message: string; category: ErrorCategory } | undefined,
  details: Record<string, unknown> = {},
): Promise<void> {
  const path = qmiPath(iface, attribute);
  try {
    await sysfs.write(path, value);
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === 'ENOENT') throw notQmiWwan(iface, sysfs);
    const known = explain(errno);
    const fullPath = `${sysfs.root}/${path}`;
    if (known) {
      throw new RmnetError(known.code, `${iface}: writing ${value} to ${fullPath}: ${known.message} (${errno})`, known.category, { interface: iface, path: fullPath, errno, ...details }, { cause: error });
    }
    const category = errno === 'EACCES' || errno === 'EPERM' ? Category.permission : Category.kernel;
    throw new RmnetError('SYSFS_WRITE_FAILED', `${iface}: writing ${value} to ${fullPath} failed: ${errno ?? String(error)}`, category, { interface: iface, path: fullPath, errno, ...details }, { cause: error });
  }
}

/** Sets qmi/raw_ip. The kernel refuses a change on a running device (EBUSY) and clearing it under pass_through (EINVAL). */
export async function setRawIp(sysfs: Sysfs, iface: string, enabled: boolean): Promise<void> {
  await writeAttribute(sysfs, iface, 'raw_ip', enabled ? 'Y' : 'N', (errno) => {
    if (errno === 'EBUSY') return { code: 'INTERFACE_UP', message: 'interface is up; bring it down before changing raw_ip', category: Category.busy };
    if (errno === 'EINVAL' && !enabled) return { code: 'PASS_THROUGH_SET', message: 'pass_through is Y; clear it before clearing raw_ip', category: Category.conflict };
    return undefined;
  });
}

/** Sets qmi/pass_through (rmnet needs it). The kernel refuses it unless raw_ip is Y (EINVAL). */
export async function setPassThrough(sysfs: Sysfs, iface: string, enabled: boolean): Promise<void> {
  await writeAttribute(sysfs, iface, 'pass_through', enabled ? 'Y' : 'N', (errno) => {
    if (errno === 'EINVAL') return { code: 'RAW_IP_REQUIRED', message: 'raw_ip must be Y first', category: Category.conflict };
    if (errno === 'EBUSY') return { code: 'INTERFACE_UP', message: 'interface is up', category: Category.busy };
    return undefined;
  });
}

function checkMux(iface: string, muxId: number): void {
  checkMuxId(muxId, iface, { interface: iface });
}

/** Writes qmi/add_mux: the kernel creates a qmimux child (named by creation order, not by mux id). */
export async function addMux(sysfs: Sysfs, iface: string, muxId: number): Promise<void> {
  checkMux(iface, muxId);
  await writeAttribute(sysfs, iface, 'add_mux', String(muxId), (errno) => {
    if (errno === 'EINVAL') return { code: 'MUX_IN_USE', message: `mux id ${muxId} already present or out of 1..254`, category: Category.conflict };
    return undefined;
  }, { muxId });
}

/** Writes qmi/del_mux. Never call it while rmnet links sit on the parent (the kernel would treat them as qmimux). */
export async function delMux(sysfs: Sysfs, iface: string, muxId: number): Promise<void> {
  checkMux(iface, muxId);
  await writeAttribute(sysfs, iface, 'del_mux', String(muxId), (errno) => {
    if (errno === 'EINVAL') return { code: 'MUX_NOT_FOUND', message: `no qmimux link with mux id ${muxId}`, category: Category.notFound };
    return undefined;
  }, { muxId });
}
