// Every step that changes the world registers its undo before it runs; a failure anywhere unwinds
// what was done, newest first. Undos must be safe to run when their step only half happened.
//
// Work abandoned by an interruption may still finish after the rollback (a client id whose allocation
// was in flight). What it defers then is undone at once, but never fire-and-forget: late undos run one
// at a time, newest first among those waiting, and `rollback()` called again awaits them and returns
// their failures.

export interface UndoFailure {
  step: string;
  error: unknown;
}

type Undo = () => Promise<void> | void;

export interface StepOptions {
  /** The step is all-or-nothing (a kernel operation): when it fails nothing changed, so its undo is dropped. */
  atomic?: boolean;
}

export class UndoStack {
  private readonly undos: Array<{ step: string; undo: Undo }> = [];
  /** Set by rollback: work that was abandoned (an interrupted step) may still finish afterwards. */
  private rolledBack = false;
  /** Undos deferred after the rollback, waiting their turn (newest last). */
  private readonly late: Array<{ step: string; undo: Undo; done: () => void }> = [];
  private lateFailures: UndoFailure[] = [];
  private draining: Promise<void> | undefined;

  /**
   * Runs `run` after registering `undo`; the undo stays registered even if `run` throws (it may have half
   * happened), unless the step is atomic.
   */
  async step<T>(step: string, undo: Undo, run: () => Promise<T> | T, options: StepOptions = {}): Promise<T> {
    if (this.rolledBack) throw new Error(`"${step}" not started: the work was already rolled back`);
    const entry = { step, undo };
    this.undos.push(entry);
    try {
      return await run();
    } catch (error) {
      if (options.atomic) {
        const at = this.undos.lastIndexOf(entry);
        if (at >= 0) this.undos.splice(at, 1);
      }
      throw error;
    }
  }

  /**
   * Registers an undo for something already done (e.g. a resource the caller just received). After a
   * rollback, something that still arrives is undone at once; the returned promise settles when that
   * undo has run (it never rejects: failures are kept for the next `rollback()`).
   */
  defer(step: string, undo: Undo): Promise<void> {
    if (!this.rolledBack) {
      this.undos.push({ step, undo });
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      this.late.push({ step, undo, done });
      this.draining ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Let late arrivals of the same turn queue up, so they unwind newest first.
    await Promise.resolve();
    while (this.late.length > 0) {
      const { step, undo, done } = this.late.pop()!;
      try {
        await undo();
      } catch (error) {
        this.lateFailures.push({ step, error });
      }
      done();
    }
    this.draining = undefined;
  }

  get size(): number {
    return this.undos.length;
  }

  /**
   * Unwinds everything, newest first. Keeps going past failures and returns them: a rollback must not stop
   * half-way. Called again, it awaits the undos of late arrivals and returns their failures (once each).
   */
  async rollback(): Promise<UndoFailure[]> {
    this.rolledBack = true;
    const failures: UndoFailure[] = [];
    while (this.undos.length > 0) {
      const { step, undo } = this.undos.pop()!;
      try {
        await undo();
      } catch (error) {
        failures.push({ step, error });
      }
    }
    while (this.draining) await this.draining;
    failures.push(...this.lateFailures.splice(0));
    return failures;
  }

  /** The work succeeded: forget the undos (they now live on as the recorded state for `down`). */
  commit(): void {
    this.undos.length = 0;
  }
}
