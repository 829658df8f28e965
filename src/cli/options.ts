// Option parsers shared by command modules: strict, naming the option on failure.
import { Category, RmnetError } from '../errors.js';
import { statSync } from 'node:fs';

/** Parses an integer option strictly, naming the option on failure (no silent NaN, no "12abc"). */
export function parseIntegerOption(name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    if (!/^(0|[1-9]\d*|0x[0-9a-fA-F]+)$/.test(value)) {
      throw new RmnetError('BAD_ARGUMENT', `${name} must be an integer in ${min}..${max}, got "${value}"`, Category.usage, { option: name, value });
    }
    const n = Number(value);
    if (n < min || n > max) {
      throw new RmnetError('BAD_ARGUMENT', `${name} must be in ${min}..${max}, got ${value}`, Category.usage, { option: name, value });
    }
    return n;
  };
}

/** A directory option (--sysfs-root): it must exist and be a directory, or nothing found there means anything. */
export function parseDirectoryOption(name: string): (value: string) => string {
  return (value: string) => {
    let isDirectory = false;
    try {
      isDirectory = statSync(value).isDirectory();
    } catch {
      throw new RmnetError('BAD_ARGUMENT', `${name} ${value}: no such directory`, Category.usage, { option: name, value });
    }
    if (!isDirectory) throw new RmnetError('BAD_ARGUMENT', `${name} ${value}: not a directory`, Category.usage, { option: name, value });
    return value;
  };
}
