// The undo stack every layer registers its undos on (session steps, datapath plans): newest first, past
// failures, atomic steps, and what happens to work that lands after the rollback.
import { describe, expect, it } from 'vitest';
import { UndoStack } from '../../src/undo.js';

describe('undo stack', () => {
  it('unwinds newest first, including the step that failed, and keeps going past failing undos', async () => {
    const undo = new UndoStack();
    const done: string[] = [];
    await undo.step('a', () => void done.push('undo a'), () => done.push('a'));
    await undo.step('b', () => { throw new Error('b undo broke'); }, () => done.push('b'));
    await expect(undo.step('c', () => void done.push('undo c'), () => { throw new Error('c failed'); })).rejects.toThrow('c failed');
    const failures = await undo.rollback();
    expect(done).toEqual(['a', 'b', 'undo c', 'undo a']);
    expect(failures.map((f) => f.step)).toEqual(['b']);
    expect(undo.size).toBe(0);
  });
});

describe('undo stack: atomic steps', () => {
  it('drops the undo of an atomic step that failed (nothing changed) and keeps the others', async () => {
    const undo = new UndoStack();
    const done: string[] = [];
    await undo.step('a', () => void done.push('undo a'), () => done.push('a'), { atomic: true });
    await expect(undo.step('b', () => void done.push('undo b'), () => { throw new Error('refused'); }, { atomic: true })).rejects.toThrow('refused');
    expect(undo.size).toBe(1);
    expect(await undo.rollback()).toEqual([]);
    expect(done).toEqual(['a', 'undo a']);
  });
});

describe('undo stack: work that lands after the rollback', () => {
  it('refuses new steps once rolled back', async () => {
    const undo = new UndoStack();
    await undo.rollback();
    await expect(undo.step('late', () => {}, () => 1)).rejects.toThrow('"late" not started: the work was already rolled back');
  });

  it('undoes late arrivals at once, one at a time, newest first, and a second rollback awaits them and reports their failures', async () => {
    const undo = new UndoStack();
    const events: string[] = [];
    await undo.rollback();
    const slow = (name: string, fail = false) => async () => {
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push(`end ${name}`);
      if (fail) throw new Error(`${name} broke`);
    };
    // Three arrivals in one turn: unwound newest first, never two at once.
    const settled = [undo.defer('first', slow('first')), undo.defer('second', slow('second', true)), undo.defer('third', slow('third'))];
    const failures = await undo.rollback();
    expect(events).toEqual(['start third', 'end third', 'start second', 'end second', 'start first', 'end first']);
    expect(failures.map((f) => [f.step, (f.error as Error).message])).toEqual([['second', 'second broke']]);
    await Promise.all(settled); // each defer's promise settles (never rejects) once its undo ran
    expect(await undo.rollback()).toEqual([]); // reported once
  });

  it('a late arrival while a late undo runs waits for it', async () => {
    const undo = new UndoStack();
    await undo.rollback();
    const events: string[] = [];
    const first = undo.defer('first', async () => {
      events.push('start first');
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push('end first');
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = undo.defer('second', () => void events.push('second'));
    await Promise.all([first, second]);
    expect(events).toEqual(['start first', 'end first', 'second']);
  });

  it('before the rollback, defer only registers (returns a settled promise)', async () => {
    const undo = new UndoStack();
    const events: string[] = [];
    await undo.defer('a', () => void events.push('undo a'));
    expect(events).toEqual([]);
    await undo.rollback();
    expect(events).toEqual(['undo a']);
  });
});
