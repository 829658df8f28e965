// Every step that changes the world registers its undo before it runs; a failure anywhere unwinds
// what was done, newest first. Undos must be safe to run when their step only half happened.

export interface UndoFailure {
  step: string;
  error: unknown;
}

export class UndoStack {
  private readonly undos: Array<{ step: string; undo: () => Promise<void> | void }> = [];

  /** Runs `run` after registering `undo`; the undo stays registered even if `run` throws. */
  async step<T>(step: string, undo: () => Promise<void> | void, run: () => Promise<T> | T): Promise<T> {
    this.undos.push({ step, undo });
    return run();
  }

  /** Registers an undo for something already done (e.g. a resource the caller just received). */
  defer(step: string, undo: () => Promise<void> | void): void {
    this.undos.push({ step, undo });
  }

  get size(): number {
    return this.undos.length;
  }

  /** Unwinds everything, newest first. Keeps going past failures and returns them: a rollback must not stop half-way. */
  async rollback(): Promise<UndoFailure[]> {
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
