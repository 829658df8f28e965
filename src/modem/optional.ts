// One rule for what a report may go without: firmware refuses optional messages all the time
// (InvalidQmiCommand, NotSupported, InvalidServiceType, NoEffect), or has no such service at all. A report
// keeps its shape: a refused field is null and its reason stands beside it. Anything that is not the
// modem's answer (a lost port, a protocol error, Ctrl-C) is still fatal: the report would be a lie.
//
// In a report's JSON every field is always present; a field the modem did not give is null, and the
// report's `unavailable` object names why, by field: `"revision": null, "unavailable": {"revision":
// "DMS Get Revision: QMI error InvalidQmiCommand (71)"}`. `unavailable` is `{}` when nothing is missing.
import { RmnetError } from '../errors.js';

/** A value the modem gave, or null with the modem's reason (and the QMI error's name when it gave one, for
 *  callers to whom one refusal means more than "unavailable", like InvalidClientId). */
export type Answer<T> = { value: T; unavailable?: undefined } | { value: null; unavailable: string; qmiError?: string };

/** Why each null field of a report is null, by field name (see the header). */
export type Unavailable<K extends string> = Partial<Record<K, string>>;

/** Error codes that mean "the modem answered, and the answer was no" (a CTL Allocate CID refused for a
 *  service the firmware lacks is a QMI_ERROR too). */
const REFUSALS: ReadonlySet<string> = new Set(['QMI_ERROR']);

export function isRefusal(error: unknown): error is RmnetError {
  return error instanceof RmnetError && REFUSALS.has(error.code);
}

/**
 * The modem's reason without the port path (the report names it once): "DMS Get Revision: QMI error
 * InvalidQmiCommand (71)"; a client id refused for a whole service names that service too.
 */
export function refusalReason(error: RmnetError): string {
  const { service, qmiMessage, qmiError, qmiErrorCode, forService } = error.details;
  if (typeof service !== 'string' || typeof qmiMessage !== 'string' || typeof qmiError !== 'string') return error.message;
  const label = `${service.toUpperCase()} ${qmiMessage}${typeof forService === 'string' ? ` (${forService.toUpperCase()})` : ''}`;
  return `${label}: QMI error ${qmiError}${typeof qmiErrorCode === 'number' ? ` (${qmiErrorCode})` : ''}`;
}

/** Asks an optional question: a refusal becomes `{ value: null, unavailable }`, anything else propagates. */
export async function optional<T>(ask: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { value: await ask() };
  } catch (error) {
    if (!isRefusal(error)) throw error;
    const { qmiError } = error.details;
    return { value: null, unavailable: refusalReason(error), ...(typeof qmiError === 'string' ? { qmiError } : {}) };
  }
}

/** An answer that came without the value asked for (a response without that TLV) is unavailable too. */
export function present<T>(answer: Answer<T | undefined>, missing: string): Answer<T> {
  if (answer.unavailable !== undefined) return { ...answer, value: null };
  return answer.value === undefined ? { value: null, unavailable: missing } : { value: answer.value };
}

export function available<T>(answer: Answer<T>): answer is { value: T } {
  return answer.value !== null;
}

/** Adds the reason of an unavailable answer to a report's `unavailable` under `field`; returns the value or null. */
export function settle<K extends string, T>(unavailable: Unavailable<K>, field: K, answer: Answer<T>): T | null {
  if (answer.value === null) unavailable[field] = answer.unavailable;
  return answer.value;
}

/** How text output shows a field the modem did not give. */
export function describeUnavailable(reason: string | undefined): string {
  return `unavailable (${reason ?? 'no reason given'})`;
}
