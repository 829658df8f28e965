// Interface names come from users and from the kernel; both end up in sysfs paths, so they are checked
// against the kernel's own rule (dev_valid_name: 1..15 bytes, no '/', ':' or whitespace, not . or ..).
import { Category, RmnetError } from '../errors.js';

export function isValidInterfaceName(name: string): boolean {
  return (
    name.length > 0 &&
    Buffer.byteLength(name) < 16 &&
    name !== '.' &&
    name !== '..' &&
    !/[/:\s]/.test(name)
  );
}

export function checkInterfaceName(name: string): string {
  if (!isValidInterfaceName(name)) {
    throw new RmnetError('BAD_INTERFACE_NAME', `"${name}" is not a valid interface name (1-15 bytes, no '/', ':' or spaces)`, Category.usage, { interface: name });
  }
  return name;
}

/** A mux id as the kernel accepts it: 1..254 (qmi_wwan add_mux and rmnet alike). */
export function isValidMuxId(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 254;
}

/** Parses a user-given mux id ("5", "0x05"); anything else is a usage error naming the field and value. */
export function parseMuxId(value: string | number, field = 'mux id'): number {
  const text = String(value).trim();
  const n = /^(0|[1-9]\d*)$/.test(text) ? Number(text) : /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text.slice(2), 16) : NaN;
  if (!isValidMuxId(n)) {
    throw new RmnetError('BAD_MUX_ID', `${field} must be an integer in 1..254 (0 and 255 are reserved), got "${text}"`, Category.usage, { muxId: text, field });
  }
  return n;
}
