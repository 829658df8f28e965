// Awaits a promise that must reject with an error of the given class, and returns that error.
import { expect } from 'vitest';

export async function rejection<T extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error(`expected a rejection with ${type.name}`);
}
