// One rule for what a report may go without: firmware refuses optional messages all the time
// (InvalidQmiCommand, NotSupported, InvalidServiceType, NoEffect), or has no such service at all. A report
// keeps its shape: a refused field is null and its reason stands beside it. Anything that is not the
// modem's answer (a lost port, a protocol error, Ctrl-C) is still fatal: the report would be a lie.
import { RmnetError } from '../errors.js';

/** A value the modem gave, or null with the modem's reason (for JSON: `{ value: null, unavailable: "..." }`). */
export type Answer<T> = { value: T; unavailable?: undefined } | { value: null; unavailable: string };

/** Error codes that mean "the modem answered, and the answer was no" (a CTL Allocate CID refused for a
 *  service the firmware lacks is a QMI_ERROR too). */
const REFUSALS: ReadonlySet<string> = new Set(['QMI_ERROR']);

export function isRefusal(error: unknown): error is RmnetError {
  return error instanceof RmnetError && REFUSALS.has(error.code);
}

/** Asks an optional question: a refusal becomes `{ value: null, unavailable }`, anything else propagates. */
export async function optional<T>(ask: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { value: await ask() };
  } catch (error) {
    if (!isRefusal(error)) throw error;
    return { value: null, unavailable: error.message };
  }
}

export function available<T>(answer: Answer<T>): answer is { value: T } {
  return answer.value !== null;
}
