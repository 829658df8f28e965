// Option parsers shared by command modules: strict, naming the option on failure.
import { Category, RmnetError } from '../errors.js';

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
