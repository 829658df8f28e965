// The one mux-id rule (src/mux-id.ts), as users write it and as layers check it.
import { describe, expect, it } from 'vitest';
import { checkMuxId, isValidMuxId, parseMuxId } from '../../src/mux-id.js';
import { ExitCode, exitCodeOf } from '../../src/cli/exit-codes.js';
import { thrown } from '../support/rejection.js';
import { RmnetError } from '../../src/errors.js';

const errorOf = (fn: () => unknown) => thrown(fn, RmnetError);

describe('mux ids', () => {
  it.each(['0', '255', 'x', '1.5', '-1', '', '256', '0x100', 'abc'])('refuses mux id "%s" with a usage error', (value) => {
    const error = errorOf(() => parseMuxId(value));
    expect(error).toMatchObject({ code: 'BAD_MUX_ID', category: 'usage' });
    expect(exitCodeOf(error)).toBe(ExitCode.usage);
    expect(error.message).toContain('1..254');
  });

  it('accepts decimal mux ids 1..254', () => {
    expect([parseMuxId('1'), parseMuxId('129'), parseMuxId('254')]).toEqual([1, 129, 254]);
  });

  // Issue 16: "--mux 0x10 is taken as 16 and --mux ' 7' as 7; mux ids are decimal, like ip link ... mux_id".
  it.each(['0x10', '0x81', ' 7', '7 ', '07', '+7', '7e0'])('refuses "%s": mux ids are written in decimal, nothing around them', (value) => {
    expect(errorOf(() => parseMuxId(value)).message).toMatch(/written in decimal/);
  });

  it('names the field and the context', () => {
    expect(errorOf(() => parseMuxId('0', 'mux')).message).toMatch(/^mux must be an integer in 1\.\.254/);
    expect(errorOf(() => checkMuxId(300, 'rmnet link x on wwan0')).message).toMatch(/^rmnet link x on wwan0: mux id must be in 1\.\.254.*got 300/);
    expect(isValidMuxId(254) && !isValidMuxId(255) && !isValidMuxId(1.5) && !isValidMuxId('3')).toBe(true);
  });
});
