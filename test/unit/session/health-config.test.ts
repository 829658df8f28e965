// Health keys in the service config: [health] defaults, [pdn] overrides, and refusals naming file and line.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/session/config.js';
import { RmnetError } from '../../../src/errors.js';
import { DEFAULT_HEALTH } from '../../../src/health/settings.js';

const pdn = (mux: number, ...lines: string[]) => ['[pdn]', `mux = ${mux}`, 'apn = internet', ...lines];
const parse = (lines: string[]) => parseConfig(lines.join('\n'), 'lte.conf');

function refusal(lines: string[]): RmnetError {
  try {
    parse(lines);
  } catch (error) {
    if (error instanceof RmnetError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('health config', () => {
  it('defaults to counters only: no probe targets, 30 s, unhealthy after 3, healthy after 2', () => {
    expect(parse(pdn(1)).health).toEqual([{ probe: [], probeInterval: 30, unhealthyAfter: 3, healthyAfter: 2 }]);
    expect(DEFAULT_HEALTH.probe).toEqual([]);
  });

  it('takes [health] as the defaults of every PDN and lets a [pdn] override key by key', () => {
    const config = parse([
      '[health]', 'probe = 192.0.2.1 2001:db8::1', 'probe-interval = 10', 'unhealthy-after = 4', 'healthy-after = 1',
      ...pdn(1),
      ...pdn(2, 'probe = 198.51.100.7', 'unhealthy-after = 2'),
      ...pdn(3, 'probes = off'),
    ]);
    expect(config.health).toEqual([
      { probe: ['192.0.2.1', '2001:db8::1'], probeInterval: 10, unhealthyAfter: 4, healthyAfter: 1 },
      { probe: ['198.51.100.7'], probeInterval: 10, unhealthyAfter: 2, healthyAfter: 1 },
      { probe: [], probeInterval: 10, unhealthyAfter: 4, healthyAfter: 1 },
    ]);
    // The health keys are not part of the PDN request (they do not change what `up` builds).
    expect(config.pdns[1]).toEqual(parse(pdn(2)).pdns[0]);
  });

  it.each([
    [['[health]', 'probe = 192.0.2.1 example.com', ...pdn(1)], 'lte.conf:2: probe target "example.com" is not an IP address'],
    [[...pdn(1, 'probe = 10.0.0.256')], 'lte.conf:4: probe target "10.0.0.256" is not an IP address'],
    [[...pdn(1, 'probe-interval = 0')], 'lte.conf:4: probe-interval must be an integer in 1..3600, got "0"'],
    [[...pdn(1, 'probe-interval = 3601')], 'lte.conf:4: probe-interval must be an integer in 1..3600'],
    [['[health]', 'probe-interval = 1.5', ...pdn(1)], 'lte.conf:2: probe-interval must be an integer in 1..3600, got "1.5"'],
    [[...pdn(1, 'unhealthy-after = 101')], 'lte.conf:4: unhealthy-after must be an integer in 1..100'],
    [[...pdn(1, 'healthy-after = 0')], 'lte.conf:4: healthy-after must be an integer in 1..100'],
    [[...pdn(1, 'healthy-after = -1')], 'lte.conf:4: healthy-after must be an integer in 1..100'],
    [[...pdn(1, 'probes = sometimes')], 'lte.conf:4: probes must be yes or no, got "sometimes"'],
    [[...pdn(1, 'probe = 192.0.2.1', 'probes = off')], 'lte.conf:5: "probes = off" and "probe =" in one section'],
    [['[health]', 'apn = x', ...pdn(1)], 'lte.conf:2: unknown key "apn" in [health]'],
    [['[health]', '[health]', ...pdn(1)], 'lte.conf:2: only one [health] section is allowed'],
    [['[helth]', ...pdn(1)], 'lte.conf:1: unknown section [helth]'],
  ])('refuses bad health values naming file and line %#', (lines, message) => {
    const error = refusal(lines);
    expect(error.code).toBe('BAD_CONFIG');
    expect(error.message).toContain(message);
    expect(error.details.file).toBe('lte.conf');
  });
});

describe('systemd/example.conf', () => {
  it('parses, with its [health] defaults and the no-ip PDN without probes', async () => {
    const { readFileSync } = await import('node:fs');
    const config = parseConfig(readFileSync(new URL('../../../systemd/example.conf', import.meta.url), 'utf8'), 'example.conf');
    expect(config.health.map((h) => [h.probe, h.probeInterval, h.unhealthyAfter, h.healthyAfter])).toEqual([
      [[], 30, 3, 2],
      [[], 30, 3, 2],
    ]);
  });
});
