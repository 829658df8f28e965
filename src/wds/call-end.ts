// Why a WDS call ended or never started: the call end reason (TLV 0x10) and the verbose one (TLV 0x11) of
// Start Network responses and Packet Service Status indications, named as libqmi prints them.
import type { EnumTable, Fields } from '../qmi/schema.js';
import { enumField, numberField, structField } from '../qmi/fields.js';
import type { ErrorDetail } from '../qmi/catalog.js';
import { CALL_END_REASONS, VERBOSE_CALL_END_REASONS_3GPP, VERBOSE_CALL_END_REASONS_INTERNAL } from './call-end-tables.js';

export { CALL_END_REASONS, VERBOSE_CALL_END_REASONS_3GPP, VERBOSE_CALL_END_REASONS_INTERNAL };

export const VERBOSE_CALL_END_REASON_TYPE: EnumTable = {
  1: 'mip',
  2: 'internal',
  3: 'cm',
  6: '3gpp',
  7: 'ppp',
  8: 'ehrpd',
  9: 'ipv6',
};

export function callEndReasonName(reason: number): string {
  return CALL_END_REASONS[reason] ?? `reason-${reason}`;
}

/** "3gpp: unknown-apn (27)" style name of a verbose call end reason. */
export function verboseCallEndReasonName(type: number | string, reason: number): string {
  const typeName = typeof type === 'string' ? type : (VERBOSE_CALL_END_REASON_TYPE[type] ?? `type-${type}`);
  const table = typeName === '3gpp' ? VERBOSE_CALL_END_REASONS_3GPP : typeName === 'internal' ? VERBOSE_CALL_END_REASONS_INTERNAL : undefined;
  const name = table?.[reason];
  return name ? `${typeName}: ${name} (${reason})` : `${typeName}: ${reason}`;
}

/** The call end reasons of decoded fields, by name; either may be absent. */
export function callEndReasons(fields: Fields): { callEndReason?: string; verboseCallEndReason?: string } {
  const reasons: { callEndReason?: string; verboseCallEndReason?: string } = {};
  const reason = numberField(fields, 'callEndReason') ?? enumField(fields, 'callEndReason');
  if (reason !== undefined) reasons.callEndReason = typeof reason === 'number' ? callEndReasonName(reason) : reason;
  const verbose = structField(fields, 'verboseCallEndReason');
  if (verbose && typeof verbose.reason === 'number' && (typeof verbose.type === 'number' || typeof verbose.type === 'string')) {
    reasons.verboseCallEndReason = verboseCallEndReasonName(verbose.type, verbose.reason);
  }
  return reasons;
}

/** What a failed WDS response adds to its QMI error: "call end reason X [verbose]" (registered for WDS). */
export function callEndErrorDetail(fields: Fields): ErrorDetail | undefined {
  const reasons = callEndReasons(fields);
  if (reasons.callEndReason === undefined && reasons.verboseCallEndReason === undefined) return undefined;
  let text = '';
  if (reasons.callEndReason !== undefined) text += `, call end reason ${reasons.callEndReason}`;
  if (reasons.verboseCallEndReason !== undefined) text += ` [${reasons.verboseCallEndReason}]`;
  return { details: reasons, text };
}
