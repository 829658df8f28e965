// The exposition renderer: the text layout the format fixes, escaping, and the declarations it refuses.
import { describe, expect, it } from 'vitest';
import { ExpositionError, renderExposition, type MetricFamily } from '../../../src/metrics/exposition.js';

const family = (overrides: Partial<MetricFamily>): MetricFamily => ({ name: 'rmnetctl_x', help: 'x', type: 'gauge', samples: [{ labels: {}, value: 1 }], ...overrides });

describe('exposition', () => {
  it('writes HELP, TYPE and every sample of a family together, in order', () => {
    const text = renderExposition([
      family({ name: 'rmnetctl_a_total', type: 'counter', help: 'A.', samples: [{ labels: { modem: 'cdc-wdm0' }, value: 3n }, { labels: { modem: 'cdc-wdm1' }, value: 18446744073709551615n }] }),
      family({ name: 'rmnetctl_b_dbm', help: 'B.', samples: [{ labels: {}, value: -95.5 }] }),
    ]);
    expect(text).toBe(
      [
        '# HELP rmnetctl_a_total A.',
        '# TYPE rmnetctl_a_total counter',
        'rmnetctl_a_total{modem="cdc-wdm0"} 3',
        'rmnetctl_a_total{modem="cdc-wdm1"} 18446744073709551615',
        '# HELP rmnetctl_b_dbm B.',
        '# TYPE rmnetctl_b_dbm gauge',
        'rmnetctl_b_dbm -95.5',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and help text, and writes NaN and infinities as the format spells them', () => {
    const text = renderExposition([
      family({ help: 'back\\slash\nnewline', samples: [{ labels: { apn: 'a"b\\c\nd' }, value: NaN }, { labels: { apn: 'x' }, value: Infinity }, { labels: { apn: 'y' }, value: -Infinity }] }),
    ]);
    expect(text).toContain('# HELP rmnetctl_x back\\\\slash\\nnewline\n');
    expect(text).toContain('rmnetctl_x{apn="a\\"b\\\\c\\nd"} NaN\n');
    expect(text).toContain('rmnetctl_x{apn="x"} +Inf\n');
    expect(text).toContain('rmnetctl_x{apn="y"} -Inf\n');
  });

  it('leaves out a family without samples, and renders nothing for nothing', () => {
    expect(renderExposition([family({ samples: [] })])).toBe('');
  });

  it.each([
    [family({ name: 'rmnetctl-x' }), /not valid/],
    [family({ name: 'rmnetctl_x', type: 'counter' }), /must end in _total/],
    [family({ name: 'rmnetctl_x_total' }), /ends in _total but is a gauge/],
    [family({ samples: [{ labels: { 'bad-label': 'v' }, value: 1 }] }), /label name "bad-label"/],
    [family({ name: 'rmnetctl_x_total', type: 'counter', samples: [{ labels: {}, value: -1 }] }), /a counter cannot be -1/],
    [family({ samples: [{ labels: { a: '1', b: '2' }, value: 1 }, { labels: { b: '2', a: '1' }, value: 2 }] }), /two samples/],
  ])('refuses a bad declaration (%#)', (bad, message) => {
    expect(() => renderExposition([bad])).toThrow(ExpositionError);
    expect(() => renderExposition([bad])).toThrow(message);
  });

  it('refuses one family given twice (its samples would be split)', () => {
    expect(() => renderExposition([family({}), family({})])).toThrow(/given twice/);
  });
});
