// The SIM's state out of UIM Get Card Status: the card and its primary 3GPP (GW) application, reduced to the
// one word an operator acts on.
import type { QmiClient } from '../qmi/device.js';
import { structField } from '../qmi/fields.js';
import type { FieldValue, Fields } from '../qmi/schema.js';
import { uimGetCardStatus } from './messages.js';

/** Every value simStateFromFields returns, for state-set metrics. */
export const SIM_STATES = ['ready', 'pin-required', 'puk-required', 'blocked', 'personalization-required', 'not-ready', 'absent', 'error'] as const;
export type SimState = (typeof SIM_STATES)[number];

export interface SimStatus {
  state: SimState;
  /** libqmi's names, for the curious: card present/absent/error, application ready/detected/... */
  cardState: string;
  applicationState: string | null;
}

const NO_INDEX = 0xffff;

type Struct = Record<string, FieldValue>;
const asStruct = (v: FieldValue | undefined): Struct | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) ? v : undefined;

const APPLICATION_STATES: Readonly<Record<string, SimState>> = {
  ready: 'ready',
  'pin1-or-upin-pin-required': 'pin-required',
  'puk1-or-upin-puk-required': 'puk-required',
  'pin1-blocked': 'blocked',
  'check-personalization-state': 'personalization-required',
};

export function simStatusFromFields(fields: Fields): SimStatus {
  const status = structField(fields, 'cardStatus');
  const cards = Array.isArray(status?.cards) ? status.cards.map(asStruct).filter((c): c is Struct => c !== undefined) : [];
  // The primary GW session's index: card in the high byte, application in the low byte.
  const index = typeof status?.indexGwPrimary === 'number' ? status.indexGwPrimary : NO_INDEX;
  const card = index !== NO_INDEX ? cards[index >> 8] : cards[0];
  if (!card) return { state: 'absent', cardState: 'absent', applicationState: null };
  const cardState = String(card.cardState);
  if (cardState === 'absent') return { state: 'absent', cardState, applicationState: null };
  if (cardState !== 'present') return { state: 'error', cardState, applicationState: null };
  const applications = Array.isArray(card.applications) ? card.applications.map(asStruct) : [];
  const application = index !== NO_INDEX ? applications[index & 0xff] : applications[0];
  if (!application) return { state: 'not-ready', cardState, applicationState: null };
  const applicationState = String(application.state);
  return { state: APPLICATION_STATES[applicationState] ?? 'not-ready', cardState, applicationState };
}

export async function getSimStatus(uim: QmiClient): Promise<SimStatus> {
  return simStatusFromFields((await uim.request(uimGetCardStatus)).fields);
}
