// Data-format negotiation with the modem: walk the ladder's candidate rungs with WDA Set Data Format and
// keep what the modem granted; or, under live sessions, only check that the format in force still is the
// one they use (some modems ack a Set and keep the old format). The policy is the table in ladder.ts; this
// module is its conversation with the modem.
import { Category, RmnetError } from '../errors.js';
import type { QmiClient } from '../qmi/device.js';
import type { Modem } from '../sysfs/discovery.js';
import { getDataFormat, setDataFormat, type DataFormat, type DataFormatRequest, type Endpoint } from './data-format.js';
import { candidateRungs, decisionLog, negotiate, type AggregationName, type GrantedFormat, type LadderConstraints, type Rung } from './ladder.js';

/**
 * WDA/WDS endpoint info: the USB interface number from sysfs; PCIe (MHI) modems have no USB interface and
 * use 4, the value their firmware expects (ModemManager and oFono send the same).
 */
export function endpointOf(modem: Pick<Modem, 'endpointType' | 'interfaceNumber'>): Endpoint {
  if (modem.endpointType === 'pcie') return { type: 'pcie', interfaceNumber: 4 };
  return { type: 'hsusb', interfaceNumber: modem.interfaceNumber ?? 0 };
}

function aggregationOf(value: string | number | undefined): AggregationName | 'other' {
  if (value === 'qmap' || value === 'qmapv5') return value;
  if (value === 'disabled' || value === 0) return 'none';
  return 'other';
}

/** What the modem granted, reduced to what the ladder compares. */
export function grantedOf(format: DataFormat): GrantedFormat {
  return {
    linkLayer: format.linkLayer === 'raw-ip' ? 'raw-ip' : format.linkLayer === '802-3' ? '802-3' : 'unknown',
    dlAggregation: aggregationOf(format.downlinkAggregation),
    ulAggregation: aggregationOf(format.uplinkAggregation),
    dlMaxDatagrams: format.downlinkMaxDatagrams,
    dlMaxSize: format.downlinkMaxSize,
  };
}

/** The largest DL transfer this host's kernel will receive on the parent, and why (from the kernel's limits). */
export interface ReceiveCeiling {
  bytes: number;
  why: string;
}

/** The DL size one rung asks for: the ladder's, or less when the kernel cannot receive that much. */
export function askedDlSize(rung: Rung, ceiling?: ReceiveCeiling): number | undefined {
  const wanted = rung.wire.dlMaxSize;
  return wanted !== undefined && ceiling && ceiling.bytes < wanted ? ceiling.bytes : wanted;
}

/** "QMI error InvalidArgument (48)" when `error` is the modem's error result, else undefined. */
function refusalOf(error: unknown): string | undefined {
  if (!(error instanceof RmnetError) || error.code !== 'QMI_ERROR') return undefined;
  return `QMI error ${String(error.details.qmiError)} (${String(error.details.qmiErrorCode)})`;
}

/** The Set Data Format request of one rung. */
export function rungRequest(rung: Rung, endpoint: Endpoint, ceiling?: ReceiveCeiling): DataFormatRequest {
  const dlMaxSize = askedDlSize(rung, ceiling);
  return {
    linkLayer: 'raw-ip',
    downlinkAggregation: rung.wire.downlink,
    uplinkAggregation: rung.wire.uplink,
    ...(rung.wire.dlMaxDatagrams !== undefined ? { downlinkMaxDatagrams: rung.wire.dlMaxDatagrams } : {}),
    ...(dlMaxSize !== undefined ? { downlinkMaxSize: dlMaxSize } : {}),
    endpoint,
  };
}

export interface NegotiationInput {
  /** The control port, for error messages. */
  path: string;
  endpoint: Endpoint;
  constraints: LadderConstraints;
  /** The rung the live sessions on this modem use: it is checked, never set again. */
  live?: Rung | undefined;
  /**
   * Called before the first Set Data Format with the format in force now (when it is readable), so the
   * caller can register its restore before anything changes on the modem.
   */
  beforeChange?: ((restore: DataFormatRequest) => void) | undefined;
  /** What the kernel can receive per transfer, when it is less than the ladder asks (a capped usbnet). */
  receiveCeiling?: ReceiveCeiling | undefined;
}

export interface Negotiated {
  rung: Rung;
  /** What the modem granted (sizes included): the kernel is configured from this, never from the request. */
  format: DataFormat;
  /** One line for logs and the user: what was chosen, why better rungs were not, the sizes. */
  decision: string;
}

/** Negotiates on a WDA client the caller owns (and releases). */
export async function negotiateDataFormat(wda: QmiClient, input: NegotiationInput): Promise<Negotiated> {
  const { path, endpoint, live } = input;
  if (live) {
    const current = await getDataFormat(wda, endpoint);
    const result = await negotiate([live], async () => grantedOf(current));
    if (!result.rung) {
      throw new RmnetError('FORMAT_CHANGED', `${path}: the modem's data format (${String(current.downlinkAggregation)}) no longer matches the ${live.name} the live sessions use; run "rmnetctl down --all" and bring them up again`, Category.conflict, { path });
    }
    return { rung: live, format: current, decision: `data format: ${live.name} (kept: other PDNs are up)` };
  }
  const { rungs, skipped } = candidateRungs(input.constraints);
  if (rungs.length === 0) {
    throw new RmnetError('NO_DATA_FORMAT', `${path}: no usable data format: ${skipped.map((s) => `${s.rung.name}: ${s.reason}`).join('; ')}`, Category.conflict, { path });
  }
  const before = await getDataFormat(wda, endpoint).catch(() => undefined);
  const restore: DataFormatRequest | undefined =
    before && aggregationOf(before.downlinkAggregation) !== 'other'
      ? {
          linkLayer: before.linkLayer === '802-3' ? '802-3' : 'raw-ip',
          downlinkAggregation: String(before.downlinkAggregation),
          uplinkAggregation: String(before.uplinkAggregation ?? before.downlinkAggregation),
          endpoint,
        }
      : undefined;
  if (restore) input.beforeChange?.(restore);
  const granted = new Map<Rung, DataFormat>();
  const result = await negotiate(rungs, async (rung) => {
    let format: DataFormat;
    try {
      format = await setDataFormat(wda, rungRequest(rung, endpoint, input.receiveCeiling));
    } catch (error) {
      // An error result is the modem's "no" to this rung (an EC25-E refuses QMAPv5 and v4 outright): ask
      // the next. Anything else (no answer, a lost port) is not an answer and ends the negotiation.
      const refusal = refusalOf(error);
      if (refusal === undefined) throw error;
      return { linkLayer: 'unknown', dlAggregation: 'other', ulAggregation: 'other', refusal };
    }
    granted.set(rung, format);
    return grantedOf(format);
  });
  const decision = decisionLog(result, skipped);
  const format = result.rung ? [...granted.values()].at(-1) : undefined;
  if (!result.rung || !format) {
    throw new RmnetError('NO_DATA_FORMAT', `${path}: ${decision}`, Category.qmiError, { path });
  }
  const last = result.attempts.at(-1)!.rung;
  const askedSize = askedDlSize(last, input.receiveCeiling);
  const capped = input.receiveCeiling && askedSize !== last.wire.dlMaxSize ? `: ${input.receiveCeiling.why}` : '';
  const sizes = `DL ${format.downlinkMaxDatagrams ?? '?'} datagrams / ${format.downlinkMaxSize ?? '?'} bytes (asked ${last.wire.dlMaxDatagrams ?? '-'} / ${askedSize ?? '-'}${capped})`;
  return { rung: result.rung, format, decision: `${decision}; ${sizes}` };
}
