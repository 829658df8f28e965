// How a capture reads the parent's frames: QMAP (which version, whose malformed-frame rules) or plain IP
// (raw-ip without mux: one interface). Decided as a table, first source that knows wins: --qmap, the record
// `up` wrote (the format the modem granted), then the live kernel (rmnet's IFLA_RMNET_FLAGS, qmimux children,
// qmi_wwan's pass_through). Pure: the caller reads the record and the kernel.
import { Category, RmnetError } from '../errors.js';
import type { QmapRules, QmapVersion } from '../qmap/index.js';
import { RMNET_FLAGS } from '../netlink/constants.js';
import type { AggregationName } from '../wda/ladder.js';

export type CaptureFormat =
  | { kind: 'qmap'; version: QmapVersion; rules: QmapRules; source: CaptureFormatSource }
  | { kind: 'ip'; source: CaptureFormatSource };
export type CaptureFormatSource = 'option' | 'record' | 'kernel';

/** --qmap values. */
export const QMAP_OPTION_VALUES = ['1', '4', '5', 'none'] as const;
export type QmapOption = (typeof QMAP_OPTION_VALUES)[number];

export interface CaptureFormatFacts {
  option?: QmapOption | undefined;
  /** The record's granted aggregation and backend, when `up` made one for this modem. */
  record?: { aggregation: AggregationName; backend: 'qmimux' | 'rmnet' | undefined } | undefined;
  /** rmnet links on the parent: their IFLA_RMNET_FLAGS (flags & mask). */
  rmnetFlags: readonly number[];
  /** qmimux children on the parent. */
  qmimuxLinks: number;
  /** qmi_wwan's mode, undefined when the parent is not qmi_wwan (mhi_net, a TUN, a veth). */
  qmiWwan?: { rawIp: boolean; passThrough: boolean } | undefined;
}

const RECORD_VERSION: Readonly<Record<AggregationName, QmapVersion | null>> = { qmapv5: 5, qmap: 1, none: null };

const qmap = (version: QmapVersion, backend: 'qmimux' | 'rmnet' | undefined, source: CaptureFormatSource): CaptureFormat => ({
  kind: 'qmap',
  version,
  // The kernel that takes the frames decides what a malformed one does; qmimux parses v1 only.
  rules: backend === 'rmnet' || version !== 1 ? 'rmnet' : 'qmimux',
  source,
});

function rmnetVersion(flags: number): QmapVersion {
  if (flags & RMNET_FLAGS.ingressMapChecksumV5) return 5;
  if (flags & RMNET_FLAGS.ingressMapChecksumV4) return 4;
  return 1;
}

/** Each rule: does it know, and what it says. The first that knows decides. */
const RULES: ReadonlyArray<(facts: CaptureFormatFacts, parent: string) => CaptureFormat | undefined> = [
  (f) => (f.option === undefined ? undefined : f.option === 'none' ? { kind: 'ip', source: 'option' } : qmap(Number(f.option) as QmapVersion, undefined, 'option')),
  (f) => {
    if (!f.record) return undefined;
    const version = RECORD_VERSION[f.record.aggregation];
    return version === null ? { kind: 'ip', source: 'record' } : qmap(version, f.record.backend, 'record');
  },
  (f, parent) => {
    const versions = [...new Set(f.rmnetFlags.map(rmnetVersion))];
    if (versions.length > 1) {
      throw new RmnetError('CAPTURE_FORMAT_UNKNOWN', `${parent}: its rmnet links disagree on the QMAP version (${versions.map((v) => `v${v}`).join(', ')}): give --qmap`, Category.conflict, { interface: parent });
    }
    return versions.length === 1 ? qmap(versions[0]!, 'rmnet', 'kernel') : undefined;
  },
  (f) => (f.qmimuxLinks > 0 ? qmap(1, 'qmimux', 'kernel') : undefined),
  // raw-ip without pass_through and no mux link: the parent carries plain IP. mhi_net without rmnet links too.
  (f) => (f.qmiWwan ? (f.qmiWwan.passThrough ? undefined : { kind: 'ip', source: 'kernel' }) : f.option === undefined ? { kind: 'ip', source: 'kernel' } : undefined),
];

/** The format to read the parent with; CAPTURE_FORMAT_UNKNOWN (usage) when nothing says, naming --qmap. */
export function decideCaptureFormat(facts: CaptureFormatFacts, parent: string): CaptureFormat {
  for (const rule of RULES) {
    const format = rule(facts, parent);
    if (format) return format;
  }
  throw new RmnetError(
    'CAPTURE_FORMAT_UNKNOWN',
    `${parent}: pass_through is on but no record and no mux link say which QMAP version the modem sends: give --qmap 1|4|5`,
    Category.usage,
    { interface: parent },
  );
}

export function describeCaptureFormat(format: CaptureFormat): string {
  return format.kind === 'ip' ? `plain IP (from the ${format.source})` : `QMAP v${format.version}, ${format.rules} rules (from the ${format.source})`;
}
