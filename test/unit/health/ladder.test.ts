// The recovery ladder as data, and the state that climbs it.
import { describe, expect, it } from 'vitest';
import { LADDER, climb, describeLadder, initialLadder, nextRung, resetLadder, type LadderState } from '../../../src/health/ladder.js';

const RETRY = 1000;
/** Climbs whatever nextRung offers at `now` for one PDN that reached the modem's rung, like the supervisor. */
function step(state: LadderState, now: number): { state: LadderState; action: string | undefined } {
  const rung = nextRung(state.rung, state, now, RETRY);
  return rung ? { state: climb(state, rung, now), action: rung.action } : { state, action: undefined };
}

describe('recovery ladder', () => {
  it('is the table issue 14 asks for: session, every PDN, modem reset, give up', () => {
    expect(LADDER.map((r) => [r.rung, r.action, r.scope])).toEqual([
      [1, 'restart-session', 'pdn'],
      [2, 'restart-all', 'modem'],
      [3, 'reset-modem', 'modem'],
      [4, 'give-up', 'modem'],
    ]);
  });

  it('climbs one rung per call, counting each, then waits the slow retry and starts over from rung 1', () => {
    let state = initialLadder();
    const actions: Array<string | undefined> = [];
    for (const now of [0, 10, 20, 30, 40, 500]) ({ state, action: actions[actions.length] } = step(state, now));
    expect(actions).toEqual(['restart-session', 'restart-all', 'reset-modem', 'give-up', undefined, undefined]);
    expect(state.counts).toEqual([1, 1, 1, 1]);
    const retried = step(state, 30 + RETRY);
    expect(retried.action).toBe('restart-session');
    expect(retried.state.counts).toEqual([2, 1, 1, 1]);
    expect(step(retried.state, 30 + RETRY + 1).action).toBe('restart-all');
  });

  it('gives a PDN no rung has touched yet rung 1, whatever rung the modem is at', () => {
    let state = initialLadder();
    ({ state } = step(state, 0));
    expect(nextRung(0, state, 1, RETRY)?.action).toBe('restart-session');
    expect(nextRung(1, state, 1, RETRY)?.action).toBe('restart-all');
    expect(nextRung(4, state, 1, RETRY)).toBeUndefined(); // reached the end without the modem giving up: nothing
  });

  it('starts from rung 1 again after a reset, keeping the counts', () => {
    let state = initialLadder();
    ({ state } = step(state, 0));
    ({ state } = step(state, 1));
    state = resetLadder(state);
    expect(state.rung).toBe(0);
    expect(step(state, 2).action).toBe('restart-session');
    expect(describeLadder(step(state, 2).state)).toBe('recovery rung 1 (restart-session); climbed 1:2 2:1 3:0 4:0');
    expect(describeLadder(initialLadder())).toBe('recovery idle; climbed 1:0 2:0 3:0 4:0');
  });
});
