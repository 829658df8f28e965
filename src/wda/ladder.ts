// The data-format policy, as a table: the formats rmnetctl will run, best first. `negotiate` walks it,
// asking the modem for each rung and keeping what the modem actually granted (modems clamp and refuse).
//
// Why this order: rmnet deaggregates in the kernel without copying and understands QMAPv5 checksum
// offload; qmimux parses QMAP v1 only (never offer it v5) and copies every packet; raw-ip alone cannot
// multiplex, so it carries exactly one PDN on the parent interface.

export type LinkBackendName = 'rmnet' | 'qmimux';
export type AggregationName = 'qmapv5' | 'qmap' | 'none';

export interface Rung {
  readonly name: string;
  /** The kernel side: which driver makes the per-mux links; undefined = the parent carries one PDN. */
  readonly backend: LinkBackendName | undefined;
  readonly aggregation: AggregationName;
  /** What WDA Set Data Format carries for this rung: the aggregation protocols and the DL sizes asked for. */
  readonly wire: RungWire;
}

export interface RungWire {
  /** libqmi's names of the WDA aggregation protocols (wda/enums.ts). */
  readonly downlink: 'qmapv5' | 'qmap' | 'disabled';
  readonly uplink: 'qmapv5' | 'qmap' | 'disabled';
  /** Asked for; the modem's answer (often smaller) is what gets used. Absent without aggregation. */
  readonly dlMaxDatagrams?: number;
  readonly dlMaxSize?: number;
}

/** What rmnetctl asks for with aggregation: 32 datagrams / 32 KiB (ModemManager asks 16 KiB with qmi_wwan). */
const AGGREGATED = { dlMaxDatagrams: 32, dlMaxSize: 32768 } as const;

export const LADDER: readonly Rung[] = [
  { name: 'rmnet+qmapv5', backend: 'rmnet', aggregation: 'qmapv5', wire: { downlink: 'qmapv5', uplink: 'qmapv5', ...AGGREGATED } },
  { name: 'rmnet+qmap', backend: 'rmnet', aggregation: 'qmap', wire: { downlink: 'qmap', uplink: 'qmap', ...AGGREGATED } },
  { name: 'qmimux+qmap', backend: 'qmimux', aggregation: 'qmap', wire: { downlink: 'qmap', uplink: 'qmap', ...AGGREGATED } },
  { name: 'raw-ip', backend: undefined, aggregation: 'none', wire: { downlink: 'disabled', uplink: 'disabled' } },
];

/** What decides which rungs may be tried; every field comes from the user, the kernel or the modem. */
export interface LadderConstraints {
  /** --backend; 'auto' tries every backend. */
  backend: 'auto' | LinkBackendName;
  /** The rmnet module is loaded (or loadable). */
  rmnetAvailable: boolean;
  /** The parent is driven by qmi_wwan (qmimux exists only there; PCIe/MHI modems use rmnet). */
  qmiWwan: boolean;
  /** The format in force while other PDNs are up on this modem: it cannot change under them. */
  live?: { backend: LinkBackendName | undefined; aggregation: AggregationName } | undefined;
  /** The user asked for a mux id: raw-ip alone cannot carry it. */
  muxRequested: boolean;
}

export interface SkippedRung {
  rung: Rung;
  reason: string;
}

/** Each rule says why a rung cannot be used here, or undefined when it can. Order = order of reasons. */
const RULES: ReadonlyArray<(rung: Rung, c: LadderConstraints) => string | undefined> = [
  (rung, c) =>
    c.backend !== 'auto' && rung.backend !== c.backend ? `--backend ${c.backend} was asked` : undefined,
  (rung, c) =>
    rung.backend === 'rmnet' && !c.rmnetAvailable ? 'the rmnet module is not available (modprobe rmnet)' : undefined,
  (rung, c) => (rung.backend === 'qmimux' && !c.qmiWwan ? 'qmimux exists only on qmi_wwan' : undefined),
  (rung, c) => (rung.backend === undefined && c.muxRequested ? 'raw-ip alone cannot multiplex a mux id' : undefined),
  (rung, c) =>
    c.live && (c.live.backend !== rung.backend || c.live.aggregation !== rung.aggregation)
      ? `other PDNs are up with ${describe(c.live)}; the format cannot change under live sessions`
      : undefined,
];

function describe(format: { backend: LinkBackendName | undefined; aggregation: AggregationName }): string {
  return LADDER.find((r) => r.backend === format.backend && r.aggregation === format.aggregation)?.name ??
    `${format.backend ?? 'no backend'}+${format.aggregation}`;
}

/** Splits the ladder into the rungs to try (in order) and the ones ruled out, each with its reason. */
export function candidateRungs(constraints: LadderConstraints): { rungs: Rung[]; skipped: SkippedRung[] } {
  const rungs: Rung[] = [];
  const skipped: SkippedRung[] = [];
  for (const rung of LADDER) {
    const reason = RULES.map((rule) => rule(rung, constraints)).find((r) => r !== undefined);
    if (reason === undefined) rungs.push(rung);
    else skipped.push({ rung, reason });
  }
  return { rungs, skipped };
}

/** What the modem granted, reduced to what the ladder compares. */
export interface GrantedFormat {
  linkLayer: 'raw-ip' | '802-3' | 'unknown';
  dlAggregation: AggregationName | 'other';
  ulAggregation: AggregationName | 'other';
  /** The DL aggregation limits granted, when the answer carried them. */
  dlMaxDatagrams?: number | undefined;
  dlMaxSize?: number | undefined;
  /** The modem answered the request with an error result instead of a grant (e.g. "QMI error InvalidArgument (48)"). */
  refusal?: string | undefined;
}

/** The largest IP packet a PDN carries (the MTU networks assign), and the QMAP bytes in front of it. */
export const FULL_PACKET = 1500;
/** The smallest MTU an IP link may have and still carry IPv6 (RFC 8200, 5): below it the path is no path. */
export const MIN_PACKET = 1280;
export const QMAP_OVERHEAD: Readonly<Record<AggregationName, number>> = { qmapv5: 8, qmap: 4, none: 0 };

export interface GrantRule {
  /** unusable: the rung is not taken, the next one is asked; note: taken, and the decision line says why it is odd. */
  verdict: 'unusable' | 'note';
  /** Why, naming what the modem granted; undefined when the rule does not apply. */
  check: (granted: GrantedFormat, rung: Rung) => string | undefined;
}

/**
 * What an aggregating grant must carry to be a data path. Firmware has been seen to echo DL size 0 (the
 * "4-byte URB storm" of other managers, whose receive buffers followed the grant) or to grant 1 datagram.
 * A transfer limit below the smallest IPv6 packet behind its QMAP header carries no usable path (and
 * usbnet drops an overflowing transfer whole, docs/receive-size.md), so that rung is not usable and the next
 * one is asked; one between that and a full 1500-byte packet works for smaller packets and is noted. One datagram per transfer still holds a full packet: aggregation gains nothing but the
 * path works, so it is taken and the decision line says so.
 */
export const GRANT_RULES: readonly GrantRule[] = [
  { verdict: 'unusable', check: (g) => (g.dlMaxDatagrams === 0 ? 'the modem granted 0 DL datagrams per transfer: no packet fits' : undefined) },
  {
    verdict: 'unusable',
    check: (g, rung) => {
      const needed = MIN_PACKET + QMAP_OVERHEAD[rung.aggregation];
      return g.dlMaxSize !== undefined && g.dlMaxSize < needed
        ? `the modem granted ${g.dlMaxSize}-byte DL transfers, below the ${needed} even a ${MIN_PACKET}-byte packet (the IPv6 minimum MTU) needs with its QMAP header`
        : undefined;
    },
  },
  {
    // Asked for by `up` itself on a kernel that receives no more (usbnet's cap): the link then carries
    // packets up to this size, and TCP's MSS follows the link's MTU.
    verdict: 'note',
    check: (g, rung) => {
      const overhead = QMAP_OVERHEAD[rung.aggregation];
      return g.dlMaxSize !== undefined && g.dlMaxSize >= MIN_PACKET + overhead && g.dlMaxSize < FULL_PACKET + overhead
        ? `the modem granted ${g.dlMaxSize}-byte DL transfers: packets above ${g.dlMaxSize - overhead} bytes cannot arrive (a ${FULL_PACKET}-byte one needs ${FULL_PACKET + overhead})`
        : undefined;
    },
  },
  { verdict: 'note', check: (g) => (g.dlMaxDatagrams === 1 ? 'the modem granted 1 DL datagram per transfer: one packet per transfer, aggregation gains nothing' : undefined) },
];

/** The rules' verdicts on a grant matched to `rung`; a grant without aggregation has no DL limits to judge. */
export function judgeGrant(granted: GrantedFormat, rung: Rung): { unusable: string[]; notes: string[] } {
  const verdicts = { unusable: [] as string[], notes: [] as string[] };
  if (rung.aggregation === 'none') return verdicts;
  for (const rule of GRANT_RULES) {
    const reason = rule.check(granted, rung);
    if (reason !== undefined) (rule.verdict === 'unusable' ? verdicts.unusable : verdicts.notes).push(reason);
  }
  return verdicts;
}

export interface Attempt {
  rung: Rung;
  granted: GrantedFormat;
  accepted: boolean;
  /** Set when the modem's answer matched a lower rung, which was taken without asking again. */
  fellTo?: string;
  /** The grant matched a rung but cannot carry a packet (GRANT_RULES): why; the next rung was asked. */
  unusable?: string;
  /** The grant was taken, with these remarks (GRANT_RULES notes). */
  notes?: string[];
}

/**
 * Walks the candidate rungs: asks the modem for each, accepts the first whose grant matches a rung we
 * may use. A grant that matches a lower candidate (asked v5, got v1) is taken as that rung directly. A
 * grant GRANT_RULES finds unusable is not taken: the next rung is asked.
 */
export async function negotiate<G extends GrantedFormat>(
  rungs: readonly Rung[],
  ask: (rung: Rung) => Promise<G>,
): Promise<{ rung: Rung; granted: G; attempts: Attempt[] } | { rung: undefined; attempts: Attempt[] }> {
  const attempts: Attempt[] = [];
  for (let i = 0; i < rungs.length; i++) {
    const rung = rungs[i]!;
    const granted = await ask(rung);
    const matched = rungs.slice(i).find((r) => grants(granted, r));
    const verdicts = matched ? judgeGrant(granted, matched) : { unusable: [], notes: [] };
    const usable = matched !== undefined && verdicts.unusable.length === 0;
    attempts.push({
      rung,
      granted,
      accepted: usable,
      ...(matched && matched !== rung ? { fellTo: matched.name } : {}),
      ...(verdicts.unusable.length > 0 ? { unusable: verdicts.unusable.join(', ') } : {}),
      ...(usable && verdicts.notes.length > 0 ? { notes: verdicts.notes } : {}),
    });
    if (usable) return { rung: matched, granted, attempts };
  }
  return { rung: undefined, attempts };
}

function grants(granted: GrantedFormat, rung: Rung): boolean {
  return granted.linkLayer === 'raw-ip' && granted.dlAggregation === rung.aggregation && granted.ulAggregation === rung.aggregation;
}

function describeAttempt(a: Attempt): string {
  if (a.unusable) return `${a.rung.name} not usable (${a.fellTo ? `granted as ${a.fellTo}: ` : ''}${a.unusable})`;
  if (a.granted.refusal) return `${a.rung.name} refused by the modem (${a.granted.refusal})`;
  return `${a.rung.name} refused by the modem (granted link layer ${a.granted.linkLayer}, DL ${a.granted.dlAggregation})`;
}

/** The one decision line field logs need: what was chosen, and why the better rungs were not. */
export function decisionLog(
  result: { rung: Rung | undefined; attempts: Attempt[] },
  skipped: readonly SkippedRung[],
): string {
  const parts = [
    result.rung ? `data format: ${result.rung.name}` : 'data format: none of the candidate formats was granted',
    ...skipped.map((s) => `${s.rung.name} skipped (${s.reason})`),
    ...result.attempts.filter((a) => !a.accepted || a.fellTo).map(describeAttempt),
    ...result.attempts.flatMap((a) => a.notes ?? []),
  ];
  return parts.join('; ');
}
