// Every step that changes the world registers its undo before it runs; a failure anywhere unwinds
// what was done, newest first. Undos must be safe to run when their step only half happened.

export interface UndoFailure {
  step: string;
  error: unknown;
}

export class UndoStack {
  private readonly undos: Array<{ step: string; undo: () => Promise<void> | void }> = [];
  /** Set by rollback: work that was abandoned (an interrupted step) may still finish afterwards. */
  private rolledBack = false;

  /** Runs `run` after registering `undo`; the undo stays registered even if `run` throws. */
  async step<T>(step: string, undo: () => Promise<void> | void, run: () => Promise<T> | T): Promise<T> {
    if (this.rolledBack) throw new Error(`"${step}" not started: the work was already rolled back`);
    this.undos.push({ step, undo });
    return run();
  }

  /**
   * Registers an undo for something already done (e.g. a resource the caller just received). After a
   * rollback, something that still arrives (a client id whose allocation was in flight) is undone at once.
   */
  defer(step: string, undo: () => Promise<void> | void): void {
    if (this.rolledBack) {
      void Promise.resolve()
        .then(undo)
        .catch(() => {});
      return;
    }
    this.undos.push({ step, undo });
  }

  get size(): number {
    return this.undos.length;
  }

  /** Unwinds everything, newest first. Keeps going past failures and returns them: a rollback must not stop half-way. */
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
    return failures;
  }

  /** The work succeeded: forget the undos (they now live on as the recorded state for `down`). */
  commit(): void {
    this.undos.length = 0;
  }
}
