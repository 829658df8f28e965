// Ctrl-C and SIGTERM during a bring-up. Between kernel steps, executePlan checks the signal; during a QMI
// step, the step's promise loses the race to INTERRUPTED, the caller
// rolls back, and the abandoned request finishes on its own (what it still allocates is undone at once,
// see UndoStack.defer).
import { Category, RmnetError } from './errors.js';

/** The error of work stopped by Ctrl-C or SIGTERM, between steps or during one. */
export function interrupted(): RmnetError {
  return new RmnetError('INTERRUPTED', 'interrupted', Category.failure);
}

/** `work`, or INTERRUPTED as soon as `signal` fires; the listener goes with the step. */
export function interruptible<T>(signal: AbortSignal | undefined, work: Promise<T>): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(interrupted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
