// The recovery ladder of one modem, as data: what to do when a PDN stays unhealthy, rung by rung, and a
// pure state that climbs it. The supervisor runs each rung's action; one rung at a time per modem.
//
// Each PDN remembers the highest rung that touched it (`reached`): a rung of scope 'pdn' touches the sick
// PDN only, one of scope 'modem' touches them all. A second PDN falling sick after the first one's session
// restart gets its own session restart first, not the first one's next rung.

export type RecoveryAction = 'restart-session' | 'restart-all' | 'reset-modem' | 'give-up';

export interface Rung {
  rung: number;
  action: RecoveryAction;
  /** Whom it touches: the unhealthy PDN(s), or the whole modem. */
  scope: 'pdn' | 'modem';
  what: string;
}

export const LADDER: readonly Rung[] = [
  { rung: 1, action: 'restart-session', scope: 'pdn', what: "restart the unhealthy PDN's session" },
  { rung: 2, action: 'restart-all', scope: 'modem', what: 'take every PDN of the modem down and up again (data format renegotiated)' },
  { rung: 3, action: 'reset-modem', scope: 'modem', what: 'reset the modem (DMS Set Operating Mode offline, then reset) and wait for its port' },
  { rung: 4, action: 'give-up', scope: 'modem', what: 'give up and report; start over from rung 1 on a slow schedule' },
];

export interface LadderState {
  /** The rung last climbed on this modem (0: not climbing). */
  rung: number;
  /** How often each rung was climbed since the start (index 0 = rung 1); a reset of the ladder keeps them. */
  counts: number[];
  /** When rung 4 was reached (ms), for the slow retry. */
  gaveUpAt: number | undefined;
}

export const initialLadder = (): LadderState => ({ rung: 0, counts: LADDER.map(() => 0), gaveUpAt: undefined });

/**
 * The rung to climb for PDNs that want recovery and have been through rung `reached` (0: none yet), or
 * undefined while the ladder has given up and the slow retry is not due: after rung 4 it starts over from
 * rung 1 once `retryMs` have passed.
 */
export function nextRung(reached: number, state: LadderState, now: number, retryMs: number): Rung | undefined {
  const last = LADDER[LADDER.length - 1]!;
  if (reached < last.rung) return LADDER[reached];
  return state.gaveUpAt !== undefined && now - state.gaveUpAt >= retryMs ? LADDER[0] : undefined;
}

export function climb(state: LadderState, rung: Rung, now: number): LadderState {
  const counts = state.counts.map((c, i) => (i === rung.rung - 1 ? c + 1 : c));
  return { rung: rung.rung, counts, gaveUpAt: rung.action === 'give-up' ? now : state.gaveUpAt };
}

/** Every PDN healthy again: the next trouble starts from rung 1. */
export function resetLadder(state: LadderState): LadderState {
  return { ...state, rung: 0, gaveUpAt: undefined };
}

/** For STATUS= and the journal: "rung 2 (restart-all); climbed 1:1 2:1 3:0 4:0". */
export function describeLadder(state: LadderState): string {
  const at = state.rung === 0 ? 'idle' : `rung ${state.rung} (${LADDER[state.rung - 1]!.action})`;
  return `recovery ${at}; climbed ${state.counts.map((c, i) => `${i + 1}:${c}`).join(' ')}`;
}
