// The error of a PDN whose bring-up failed: the original error, the step it failed at, and whether the
// rollback was complete. Rollback status is a field, not words edited into a message: the message is
// rendered from the fields, so a later, shared rollback can add its failures and say so truthfully.
import { RmnetError } from '../errors.js';

export interface RollbackStatus {
  /** Undos that failed, each "step: reason"; empty = everything done was undone. */
  failures: readonly string[];
}

export class BringUpError extends RmnetError {
  constructor(
    /** The failure itself, as the layer below raised it. */
    readonly original: RmnetError,
    readonly where: { parent: string; muxId: number; step: string },
    readonly rollback: RollbackStatus,
  ) {
    const complete = rollback.failures.length === 0;
    const outcome = complete
      ? 'everything it had done was undone'
      : `ROLLBACK INCOMPLETE (${rollback.failures.join('; ')}); run "rmnetctl down --mux ${where.muxId}"`;
    super(
      original.code,
      `up mux ${where.muxId} on ${where.parent} failed at "${where.step}": ${original.message}; ${outcome}`,
      original.category,
      { ...original.details, interface: where.parent, muxId: where.muxId, step: where.step, rolledBack: complete, ...(complete ? {} : { rollbackFailures: [...rollback.failures] }) },
      { cause: original },
    );
  }

  /** The same failure after more of the rollback failed (the shared steps, undone later). */
  withRollbackFailures(more: readonly string[]): BringUpError {
    return more.length === 0 ? this : new BringUpError(this.original, this.where, { failures: [...this.rollback.failures, ...more] });
  }

  /** The same failure said of another PDN (a shared step's failure is every PDN's). */
  forMux(muxId: number): BringUpError {
    return new BringUpError(this.original, { ...this.where, muxId }, this.rollback);
  }
}

export function asRmnetError(error: unknown): RmnetError {
  return error instanceof RmnetError ? error : new RmnetError('INTERNAL', error instanceof Error ? error.message : String(error));
}

export function describeFailure(failure: { step: string; error: unknown }): string {
  return `${failure.step}: ${failure.error instanceof Error ? failure.error.message : String(failure.error)}`;
}
