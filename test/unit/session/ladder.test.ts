import { describe, expect, it } from 'vitest';
import { candidateRungs, decisionLog, judgeGrant, LADDER, negotiate, type GrantedFormat, type LadderConstraints, type Rung } from '../../../src/wda/ladder.js';

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

describe('grants that cannot carry a packet (GRANT_RULES)', () => {
  const rung = (name: string) => LADDER.find((r) => r.name === name)!;
  const v5 = (dlMaxDatagrams: number | undefined, dlMaxSize: number | undefined): GrantedFormat => ({ linkLayer: 'raw-ip', dlAggregation: 'qmapv5', ulAggregation: 'qmapv5', dlMaxDatagrams, dlMaxSize });

  it.each([
    { what: 'DL size 0', datagrams: 32, size: 0, unusable: ['the modem granted 0-byte DL transfers, below the 1288 even a 1280-byte packet (the IPv6 minimum MTU) needs with its QMAP header'] },
    { what: 'DL size one byte short of the smallest IPv6 packet with the v5 headers', datagrams: 32, size: 1287, unusable: ['the modem granted 1287-byte DL transfers, below the 1288 even a 1280-byte packet (the IPv6 minimum MTU) needs with its QMAP header'] },
    { what: 'DL size one byte short of a full packet (usable for smaller ones, noted)', datagrams: 32, size: 1507, unusable: [] },
    { what: '0 datagrams', datagrams: 0, size: 32768, unusable: ['the modem granted 0 DL datagrams per transfer: no packet fits'] },
    { what: 'a full packet exactly', datagrams: 32, size: 1508, unusable: [] },
    { what: 'the EC25 clamp', datagrams: 10, size: 4096, unusable: [] },
    { what: 'sizes absent from the answer', datagrams: undefined, size: undefined, unusable: [] },
  ])('$what: unusable $unusable', ({ datagrams, size, unusable }) => {
    expect(judgeGrant(v5(datagrams, size), rung('rmnet+qmapv5')).unusable).toEqual(unusable);
  });

  it('notes a grant between the smallest IPv6 packet and a full one: what cannot arrive (a capped kernel asks for it)', () => {
    expect(judgeGrant(v5(32, 1500), rung('rmnet+qmapv5')).notes).toEqual(['the modem granted 1500-byte DL transfers: packets above 1492 bytes cannot arrive (a 1500-byte one needs 1508)']);
    expect(judgeGrant(v5(32, 1508), rung('rmnet+qmapv5')).notes).toEqual([]);
  });

  it('QMAPv1 needs 4 header bytes, v5 needs 8', () => {
    const v1 = { ...v5(32, 1284), dlAggregation: 'qmap' as const, ulAggregation: 'qmap' as const };
    expect(judgeGrant(v1, rung('rmnet+qmap')).unusable).toEqual([]);
    expect(judgeGrant(v5(32, 1284), rung('rmnet+qmapv5')).unusable).toHaveLength(1);
  });

  it('1 datagram with a full-packet size is usable, with a note', () => {
    expect(judgeGrant(v5(1, 32768), rung('rmnet+qmapv5'))).toEqual({ unusable: [], notes: ['the modem granted 1 DL datagram per transfer: one packet per transfer, aggregation gains nothing'] });
  });

  it('raw-ip has no DL limits to judge', () => {
    const none: GrantedFormat = { linkLayer: 'raw-ip', dlAggregation: 'none', ulAggregation: 'none', dlMaxDatagrams: 0, dlMaxSize: 0 };
    expect(judgeGrant(none, rung('raw-ip'))).toEqual({ unusable: [], notes: [] });
  });

  it('an unusable grant is not taken: the next rung is asked, and the decision line names what was granted', async () => {
    const asked: string[] = [];
    const result = await negotiate(candidateRungs(base).rungs, async (r): Promise<GrantedFormat> => {
      asked.push(r.name);
      return r.name === 'rmnet+qmapv5' ? v5(32, 0) : { linkLayer: 'raw-ip', dlAggregation: 'qmap', ulAggregation: 'qmap', dlMaxDatagrams: 32, dlMaxSize: 16384 };
    });
    expect(asked).toEqual(['rmnet+qmapv5', 'rmnet+qmap']);
    expect(result.rung?.name).toBe('rmnet+qmap');
    expect(result.attempts[0]).toMatchObject({ accepted: false, unusable: expect.stringContaining('0-byte DL transfers') });
    expect(decisionLog(result, [])).toBe('data format: rmnet+qmap; rmnet+qmapv5 not usable (the modem granted 0-byte DL transfers, below the 1288 even a 1280-byte packet (the IPv6 minimum MTU) needs with its QMAP header)');
  });

  it('a lower rung granted with an unusable size is not taken either, and says which rung the grant matched', async () => {
    const result = await negotiate(candidateRungs(base).rungs, async (): Promise<GrantedFormat> => ({ linkLayer: 'raw-ip', dlAggregation: 'qmap', ulAggregation: 'qmap', dlMaxDatagrams: 32, dlMaxSize: 0 }));
    expect(result.rung).toBeUndefined();
    expect(result.attempts.map((a) => a.accepted)).toEqual([false, false, false]);
    const line = decisionLog(result, candidateRungs(base).skipped);
    expect(line).toContain('data format: none of the candidate formats was granted');
    expect(line).toContain('rmnet+qmapv5 not usable (granted as rmnet+qmap: the modem granted 0-byte DL transfers');
    expect(line).toContain('qmimux+qmap not usable (the modem granted 0-byte DL transfers');
  });

  it('a 1-datagram grant is taken and the note is in the decision line', async () => {
    const result = await negotiate(candidateRungs(base).rungs, async () => v5(1, 32768));
    expect(result.rung?.name).toBe('rmnet+qmapv5');
    expect(decisionLog(result, [])).toBe('data format: rmnet+qmapv5; the modem granted 1 DL datagram per transfer: one packet per transfer, aggregation gains nothing');
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
