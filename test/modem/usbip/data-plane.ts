/**
 * The emulated network behind the modem's bulk endpoints.
 *   UL (bulk OUT): QMAP frames when the granted DL/UL aggregation is QMAP (v1, or v5 with its 4-byte
 *   checksum-offload header after the QMAP header when WDA granted QMAPv5; DL frames carry it too, with the
 *   "checksum valid" bit set as a real modem does), else one raw IP packet per transfer. Echo requests
 *   (ICMP, ICMPv6) are answered on the mux id they came from; everything is counted.
 *   DL (bulk IN): pushDownlink() builds transfers of N datagrams for one mux id, aggregated with src/qmap under
 *   the granted DL max size / max datagrams, and offers them to the host. A transfer larger than the URB the
 *   host posted is answered with -EOVERFLOW (by UsbQmiDevice) and counted, never truncated.
 *   Silent downlink (setDownlinkSilent): the radio side stops delivering while the QMI session stays
 *   connected, the "RX stays 0" failure: UL is still taken and counted, echo requests get no reply and
 *   pushDownlink sends nothing (outcome 'silenced'); withheld packets are counted in `silenced`.
 */
import { qmapOverhead, QmapAddResult, QmapAggregator, QmapReader, QMAP_PACKET_CHECKSUM_VALID, type QmapVersion } from '../../../src/qmap/index.js';
import type { UsbQmiDevice } from './device.js';
import { echoReply, ipVersion, udp4Packet } from './ip.js';

export interface DataPlaneFormat {
  /** QMAP framing on the bulk endpoints (the granted aggregation protocol is QMAP) */
  qmap: boolean;
  /** QMAP flavour of the granted aggregation protocol: 1 (5, QMAP), 4 (8, QMAPv4), 5 (9, QMAPv5) */
  version: QmapVersion;
  dlMaxSize: number;
  dlMaxDatagrams: number;
}

export interface PdnRoute {
  muxId: number;
  ipv4?: string;
  ipv6?: string;
}

export interface MuxCounters {
  ulPackets: number;
  ulBytes: number;
  echoRequests: number;
  echoReplies: number;
  dlPackets: number;
  /** DL packets withheld while the downlink was silent (echo replies and pushed datagrams). */
  dlSilenced: number;
  /** the mux ids of UL frames, to check which link a kernel packet left on */
  lastUlSource?: string;
}

export interface DownlinkRequest {
  muxId: number;
  /** datagrams to put in ONE transfer (capped by the granted max datagrams unless `ignoreLimits`) */
  datagrams: number;
  /** bytes per IP packet; default: as large as fits the granted DL max size */
  packetSize?: number;
  /** build the transfer even if it exceeds the granted limits (to provoke -EOVERFLOW) */
  ignoreLimits?: boolean;
  source?: string;
  destination?: string;
}

export interface DownlinkResult {
  transferLength: number;
  datagrams: number;
  packetSize: number;
  /** 'silenced': the downlink is silent (setDownlinkSilent), nothing was offered to the host */
  outcome: 'delivered' | 'overflow' | 'queued' | 'dropped' | 'silenced';
}

/** Reads a granted data format from either the full EmulatedModem or the minimal one, by field meaning. */
export function describeFormat(raw: unknown): DataPlaneFormat {
  const record = (raw ?? {}) as Record<string, unknown>;
  const pick = (...names: string[]): unknown => {
    for (const [key, value] of Object.entries(record)) {
      const k = key.toLowerCase();
      if (names.some((n) => k === n.toLowerCase())) return value;
    }
    return undefined;
  };
  const protocol = pick('dlAggregation', 'dlAggregationProtocol', 'downlinkAggregationProtocol', 'dlProtocol', 'downlinkAggregation');
  const qmap = protocol === 5 || protocol === 8 || protocol === 9 || (typeof protocol === 'string' && /qmap/i.test(protocol));
  const version: QmapVersion =
    protocol === 9 || (typeof protocol === 'string' && /v5/i.test(protocol)) ? 5 : protocol === 8 || (typeof protocol === 'string' && /v4/i.test(protocol)) ? 4 : 1;
  const number = (value: unknown, fallback: number): number => (typeof value === 'number' && value > 0 ? value : fallback);
  return {
    qmap,
    version,
    dlMaxSize: number(pick('dlMaxSize', 'downlinkMaxSize', 'dlDatagramMaxSize'), 1504),
    dlMaxDatagrams: number(pick('dlMaxDatagrams', 'downlinkMaxDatagrams'), 1),
  };
}

export class DataPlane {
  readonly counters = new Map<number, MuxCounters>();
  readonly notIp = { count: 0 };
  /**
   * QMAPv5 UL checksum-offload headers seen: how many asked the modem to compute the L4 checksum
   * (csum_valid_required, rmnet's CHECKSUM_PARTIAL path) and how many did not.
   */
  readonly ulChecksum = { offloadRequested: 0, notRequested: 0 };
  /** The checksum-valid bit the v5 DL header carries (a real modem sets it for packets it checked). */
  dlChecksumValid = true;
  /** the first echo exchanges, hex, for debugging a lab run */
  readonly trace: Array<{ muxId: number; request: string; reply: string }> = [];
  /** 'auto' follows the modem's granted format; scenarios may pin it */
  mode: 'auto' | 'qmap' | 'raw-ip' = 'auto';
  /** DL packets withheld while silent, all mux ids (the per-mux figure is MuxCounters.dlSilenced). */
  readonly silenced = { packets: 0 };
  private downlinkSilent = false;
  private readonly readers = new Map<QmapVersion, QmapReader>();
  private readonly buffer = new Uint8Array(65536);
  private sequence = 0;

  constructor(
    private readonly device: Pick<UsbQmiDevice, 'sendBulkIn'>,
    private readonly format: () => DataPlaneFormat,
    private readonly routes: () => PdnRoute[] = () => [],
  ) {}

  private reader(version: QmapVersion): QmapReader {
    let reader = this.readers.get(version);
    if (!reader) {
      reader = new QmapReader({ version, rules: version === 1 ? 'qmimux' : 'rmnet' });
      this.readers.set(version, reader);
    }
    return reader;
  }

  /** What the UL QMAP readers counted (packets, and why frames were dropped), per QMAP version seen. */
  uplinkStats(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [version, reader] of this.readers) out[`v${version}`] = reader.stats.toJSON();
    return out;
  }

  /**
   * The downlink goes silent (true) or comes back (false) at run time; the QMI side (sessions, indications)
   * is not touched, so the modem still says "connected". Returns the previous setting.
   */
  setDownlinkSilent(silent: boolean): boolean {
    const before = this.downlinkSilent;
    this.downlinkSilent = silent;
    return before;
  }

  get isDownlinkSilent(): boolean {
    return this.downlinkSilent;
  }

  private qmapActive(): boolean {
    return this.mode === 'auto' ? this.format().qmap : this.mode === 'qmap';
  }

  counter(muxId: number): MuxCounters {
    let c = this.counters.get(muxId);
    if (!c) {
      c = { ulPackets: 0, ulBytes: 0, echoRequests: 0, echoReplies: 0, dlPackets: 0, dlSilenced: 0 };
      this.counters.set(muxId, c);
    }
    return c;
  }

  /** A bulk-OUT transfer from the host. */
  handleUplink(transfer: Uint8Array): void {
    if (this.qmapActive()) {
      // command frames are skipped by the reader (deliverCommands is off)
      const version = this.format().version;
      this.reader(version).deaggregate(transfer, (muxId, data, offset, length, flags) => {
        if (version === 5) {
          if (flags & QMAP_PACKET_CHECKSUM_VALID) this.ulChecksum.offloadRequested++;
          else this.ulChecksum.notRequested++;
        }
        this.uplinkPacket(muxId, new Uint8Array(data.subarray(offset, offset + length)));
      });
    } else {
      this.uplinkPacket(0, new Uint8Array(transfer));
    }
  }

  private uplinkPacket(muxId: number, packet: Uint8Array): void {
    const c = this.counter(muxId);
    c.ulPackets++;
    c.ulBytes += packet.length;
    if (!ipVersion(packet)) {
      this.notIp.count++;
      return;
    }
    const reply = echoReply(packet);
    if (!reply) return;
    c.echoRequests++;
    if (this.trace.length < 4) this.trace.push({ muxId, request: Buffer.from(packet).toString('hex'), reply: Buffer.from(reply).toString('hex') });
    const sent = this.sendPackets(muxId, [reply]);
    if (sent !== undefined && sent.outcome !== 'silenced') c.echoReplies++;
  }

  /** Sends packets for one mux id as one transfer (QMAP aggregated or a single raw IP packet). */
  private sendPackets(muxId: number, packets: Uint8Array[], ignoreLimits = false): DownlinkResult | undefined {
    if (this.downlinkSilent && packets.length > 0) {
      this.counter(muxId).dlSilenced += packets.length;
      this.silenced.packets += packets.length;
      return { transferLength: 0, datagrams: packets.length, packetSize: packets[0]!.length, outcome: 'silenced' };
    }
    if (!this.qmapActive()) {
      const packet = packets[0];
      if (!packet) return undefined;
      const outcome = this.device.sendBulkIn(packet);
      this.counter(muxId).dlPackets++;
      return { transferLength: packet.length, datagrams: 1, packetSize: packet.length, outcome };
    }
    const limits = this.format();
    const aggregator = new QmapAggregator(this.buffer, {
      maxSize: ignoreLimits ? this.buffer.length : limits.dlMaxSize,
      maxDatagrams: ignoreLimits ? 255 : limits.dlMaxDatagrams,
      version: limits.version,
      checksumValid: this.dlChecksumValid,
    });
    let added = 0;
    for (const packet of packets) {
      if (aggregator.add(muxId, packet) !== QmapAddResult.added) break;
      added++;
    }
    if (added === 0) return undefined;
    const transfer = new Uint8Array(aggregator.take()); // the aggregator's buffer is reused
    const outcome = this.device.sendBulkIn(transfer);
    this.counter(muxId).dlPackets += added;
    return { transferLength: transfer.length, datagrams: added, packetSize: packets[0]!.length, outcome };
  }

  /**
   * Pushes ONE DL transfer of `datagrams` UDP datagrams to the PDN on `muxId`. Returns what the host
   * controller did with it; throws if the request cannot fit the granted limits (unless ignoreLimits).
   */
  pushDownlink(request: DownlinkRequest): DownlinkResult {
    const format = this.format();
    const qmap = this.qmapActive();
    const maxSize = request.ignoreLimits ? this.buffer.length : qmap ? format.dlMaxSize : 1500;
    const perFrame = qmap ? qmapOverhead(format.version) : 0;
    const size =
      request.packetSize ?? Math.min(1500, Math.floor(maxSize / request.datagrams) - perFrame) & ~3; // multiples of 4: no QMAP pad
    if (size < 28) throw new Error(`${request.datagrams} datagrams do not fit ${maxSize} bytes`);
    const route = this.routes().find((r) => r.muxId === request.muxId);
    const destination = request.destination ?? route?.ipv4 ?? `10.${64 + (request.muxId & 0x3f)}.0.2`;
    const packets: Uint8Array[] = [];
    for (let i = 0; i < request.datagrams; i++) {
      packets.push(udp4Packet(request.source ?? '198.51.100.7', destination, size, this.sequence++));
    }
    const result = this.sendPackets(request.muxId, packets, request.ignoreLimits);
    if (!result || result.datagrams !== request.datagrams) {
      throw new Error(`DL transfer for mux ${request.muxId}: only ${result?.datagrams ?? 0} of ${request.datagrams} datagrams fit`);
    }
    return result;
  }

  snapshot(): Record<string, MuxCounters> {
    return Object.fromEntries([...this.counters].map(([k, v]) => [String(k), { ...v }]));
  }
}
