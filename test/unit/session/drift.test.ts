import { describe, expect, it } from 'vitest';
import { describeDrift, kernelModeDrift, likelyCulprit } from '../../../src/session/drift.js';
import type { PdnRecord } from '../../../src/session/state.js';

const pdn = (backend: PdnRecord['backend'], state: PdnRecord['state'] = 'up'): PdnRecord => ({ backend, state }) as unknown as PdnRecord;

describe('kernelModeDrift (the one drift rule status and run share)', () => {
  it('rmnet needs raw_ip Y and pass_through Y: a ModemManager restart leaves pass_through N', () => {
    const drift = kernelModeDrift({ rawIp: true, passThrough: false }, [pdn('rmnet')]);
    expect(drift).toEqual({ backend: 'rmnet', differ: [{ attribute: 'pass_through', now: false, want: true }] });
    expect(describeDrift(drift!)).toBe('pass_through is N');
  });
  it('qmimux needs pass_through off; both attributes can differ at once', () => {
    expect(kernelModeDrift({ rawIp: true, passThrough: false }, [pdn('qmimux')])).toBeUndefined();
    const drift = kernelModeDrift({ rawIp: false, passThrough: true }, [pdn('qmimux')]);
    expect(describeDrift(drift!)).toBe('raw_ip is N and pass_through is Y');
  });
  it('nothing to say without an up kernel-link PDN or when the kernel does not report the mode', () => {
    expect(kernelModeDrift({ rawIp: false, passThrough: false }, [])).toBeUndefined();
    expect(kernelModeDrift({ rawIp: false, passThrough: false }, [pdn('rmnet', 'starting')])).toBeUndefined();
    expect(kernelModeDrift({ rawIp: false, passThrough: false }, [pdn('none')])).toBeUndefined();
    expect(kernelModeDrift({ rawIp: null, passThrough: false }, [pdn('rmnet')])).toBeUndefined();
  });
  it('names ModemManager only when it is present', () => {
    expect(likelyCulprit(812)).toContain('ModemManager, pid 812');
    expect(likelyCulprit(undefined)).toBe('');
  });
});
