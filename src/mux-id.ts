// The one mux-id rule. A mux id is what the modem's QMAP header, qmi_wwan's add_mux and rmnet's
// IFLA_RMNET_MUX_ID all carry: 1..254 (0 means "no mux" to the modem, 255 is reserved). On the command
// line and in config files it is written in decimal, as `ip link ... mux_id` takes it.
import { Category, RmnetError } from './errors.js';

export const MUX_ID_MIN = 1;
export const MUX_ID_MAX = 254;

export function isValidMuxId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= MUX_ID_MIN && value <= MUX_ID_MAX;
}

/** A mux id some caller already holds as a number; `context` says what it is for ("rmnet link x on wwan0"). */
export function checkMuxId(value: unknown, context: string, details: Record<string, unknown> = {}): number {
  if (isValidMuxId(value)) return value;
  throw new RmnetError('BAD_MUX_ID', `${context}: mux id must be in ${MUX_ID_MIN}..${MUX_ID_MAX}, got ${String(value)} (0 and 255 are reserved)`, Category.usage, { muxId: value, ...details });
}

/** A mux id a user wrote: decimal digits only, nothing around them ("7", not " 7", "0x07" or "7.0"). */
export function parseMuxId(value: string | number, field = '--mux'): number {
  const text = String(value);
  const n = /^[1-9]\d{0,2}$/.test(text) ? Number(text) : NaN;
  if (!isValidMuxId(n)) {
    throw new RmnetError('BAD_MUX_ID', `${field} must be an integer in ${MUX_ID_MIN}..${MUX_ID_MAX}, written in decimal (0 and 255 are reserved), got "${text}"`, Category.usage, { muxId: text, field });
  }
  return n;
}
