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
