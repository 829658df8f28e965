import { describe, expect, it } from 'vitest';
import { candidateRungs, decisionLog, negotiate, type GrantedFormat, type LadderConstraints, type Rung } from '../../../src/wda/ladder.js';

const base: LadderConstraints = { backend: 'auto', rmnetAvailable: true, qmiWwan: true, muxRequested: true };
const names = (rungs: Rung[]) => rungs.map((r) => r.name);

describe('data-format ladder', () => {
  it('tries rmnet+QMAPv5 first and never offers raw-ip alone for a mux id', () => {
    const { rungs, skipped } = candidateRungs(base);
    expect(names(rungs)).toEqual(['rmnet+qmapv5', 'rmnet+qmap', 'qmimux+qmap']);
    expect(skipped.map((s) => s.rung.name)).toEqual(['raw-ip']);
  });

  it('never pairs qmimux with QMAPv5 (qmimux parses v1 only)', () => {
    const { rungs } = candidateRungs({ ...base, backend: 'qmimux' });
    expect(names(rungs)).toEqual(['qmimux+qmap']);
  });

  it('says why rmnet was skipped when the module is missing', () => {
    const { rungs, skipped } = candidateRungs({ ...base, rmnetAvailable: false });
    expect(names(rungs)).toEqual(['qmimux+qmap']);
    expect(skipped.find((s) => s.rung.name === 'rmnet+qmap')?.reason).toContain('modprobe rmnet');
  });

  it('keeps the live format when other PDNs are up', () => {
    const { rungs, skipped } = candidateRungs({ ...base, live: { backend: 'qmimux', aggregation: 'qmap' } });
    expect(names(rungs)).toEqual(['qmimux+qmap']);
    expect(skipped[0]?.reason).toContain('cannot change under live sessions');
  });

  it('offers nothing when the asked backend conflicts with the live one', () => {
    const { rungs } = candidateRungs({ ...base, backend: 'rmnet', live: { backend: 'qmimux', aggregation: 'qmap' } });
    expect(rungs).toEqual([]);
  });

  it('PCIe modems (not qmi_wwan) use rmnet only', () => {
    expect(names(candidateRungs({ ...base, qmiWwan: false }).rungs)).toEqual(['rmnet+qmapv5', 'rmnet+qmap']);
  });

  it('takes a lower rung directly when the modem grants it instead (asked v5, got v1)', async () => {
    const asked: string[] = [];
    const result = await negotiate(candidateRungs(base).rungs, async (rung): Promise<GrantedFormat> => {
      asked.push(rung.name);
      return { linkLayer: 'raw-ip', dlAggregation: 'qmap', ulAggregation: 'qmap' };
    });
    expect(asked).toEqual(['rmnet+qmapv5']);
    expect(result.rung?.name).toBe('rmnet+qmap');
    expect(decisionLog(result, [])).toContain('rmnet+qmapv5 refused by the modem');
  });

  it('walks down while the modem refuses, and reports when nothing is granted', async () => {
    const result = await negotiate(candidateRungs(base).rungs, async () => ({
      linkLayer: '802-3' as const,
      dlAggregation: 'none' as const,
      ulAggregation: 'none' as const,
    }));
    expect(result.rung).toBeUndefined();
    expect(result.attempts).toHaveLength(3);
    expect(decisionLog(result, candidateRungs(base).skipped)).toMatch(/none of the candidate formats/);
  });
});

describe('endpoint info', () => {
  it('uses the USB interface number from sysfs, and 4 for PCIe (MHI) modems', async () => {
    const { endpointOf } = await import('../../../src/wda/negotiation.js');
    const usb = { endpointType: 'hsusb', interfaceNumber: 3 } as Parameters<typeof endpointOf>[0];
    const pcie = { endpointType: 'pcie', interfaceNumber: null } as Parameters<typeof endpointOf>[0];
    expect(endpointOf(usb)).toEqual({ type: 'hsusb', interfaceNumber: 3 });
    expect(endpointOf(pcie)).toEqual({ type: 'pcie', interfaceNumber: 4 });
  });
});
