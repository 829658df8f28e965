// doctor's text form and --interval parsing.
import { describe, expect, it } from 'vitest';
import { parseInterval, renderDoctor } from '../../../src/cli/commands/doctor.js';
import type { Verdict } from '../../../src/doctor/checks.js';
import { RmnetError } from '../../../src/errors.js';

describe('rmnetctl doctor (CLI)', () => {
  it('renders each verdict with what it read and its fix, root-only fixes marked', () => {
    const checks: Verdict[] = [
      { check: 'driver', subject: '/dev/cdc-wdm0', verdict: 'ok', summary: 'qmi_wwan binds wwan0', evidence: ['driver -> qmi_wwan'], fix: null },
      { check: 'receive-size', subject: 'wwan0', verdict: 'fail', summary: 'too small', evidence: ['netlink wwan0: mtu 1500'], fix: 'ip link set dev wwan0 mtu 31744', needsRoot: true },
    ];
    expect(renderDoctor(checks, true)).toBe([
      'ok    driver /dev/cdc-wdm0: qmi_wwan binds wwan0',
      '        read: driver -> qmi_wwan',
      'FAIL  receive-size wwan0: too small',
      '        read: netlink wwan0: mtu 1500',
      '        fix:  ip link set dev wwan0 mtu 31744 (as root)',
      '',
      '2 checks: 1 ok, 0 warn, 1 fail',
    ].join('\n'));
    expect(renderDoctor(checks, false)).toMatch(/1 fail \(not root: .*need it\)$/);
  });

  it('--interval: seconds in 0..60, fractions allowed, anything else a usage error', () => {
    expect(parseInterval('3')).toBe(3);
    expect(parseInterval('0.05')).toBe(0.05);
    expect(parseInterval('0')).toBe(0);
    for (const bad of ['-1', '61', 'soon', '1e3', '']) expect(() => parseInterval(bad)).toThrow(RmnetError);
  });
});
