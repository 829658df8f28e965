// What `up` created, recorded in /run/rmnetctl/<modem>.json so `down` can undo it after a crash and
// `status` can compare it with what the kernel and the modem report. Written atomically (temp file +
// rename) under the modem's lock. A record holds no secrets.
import { existsSync, rmSync, readdirSync } from 'node:fs';
import { ensureStateDir, readNoFollow, writeAtomically } from './files.js';
import { join } from 'node:path';
import { Category, RmnetError } from '../errors.js';
import type { PdnRequest } from './request.js';
import type { DataFormat } from '../wda/data-format.js';
import { LADDER, type AggregationName, type Rung } from '../wda/ladder.js';

export const DEFAULT_STATE_DIR = '/run/rmnetctl';

export function stateDir(): string {
  return process.env.RMNETCTL_STATE_DIR || DEFAULT_STATE_DIR;
}

export interface KernelModeRecord {
  rawIp: boolean;
  passThrough: boolean;
  mtu: number;
}

export interface WdsClientRecord {
  family: 4 | 6;
  clientId: number;
  /** Set once Start Network succeeded. */
  packetDataHandle?: number | undefined;
}

/** The data format the modem granted, as recorded and printed: what the kernel was configured for. */
export interface RecordedFormat {
  rung: string;
  aggregation: AggregationName;
  linkLayer: string;
  dlMaxDatagrams: number | undefined;
  dlMaxSize: number | undefined;
  ulMaxDatagrams: number | undefined;
  ulMaxSize: number | undefined;
  via: 'char-device' | 'qmi-proxy';
}

export function recordedFormat(rung: Rung, granted: DataFormat, via: RecordedFormat['via']): RecordedFormat {
  return {
    rung: rung.name,
    aggregation: rung.aggregation,
    linkLayer: String(granted.linkLayer),
    dlMaxDatagrams: granted.downlinkMaxDatagrams,
    dlMaxSize: granted.downlinkMaxSize,
    ulMaxDatagrams: granted.uplinkMaxDatagrams,
    ulMaxSize: granted.uplinkMaxSize,
    via,
  };
}

/** The ladder rung a record's format names (undefined for a record from an unknown version). */
export function recordedRung(format: RecordedFormat | undefined): Rung | undefined {
  return format && LADDER.find((r) => r.name === format.rung);
}

export interface PdnRecord {
  request: PdnRequest;
  state: 'starting' | 'up';
  backend: 'qmimux' | 'rmnet' | 'none';
  link?: { name: string; ifindex: number; created: boolean } | undefined;
  clients: WdsClientRecord[];
  addresses: Array<{ family: 4 | 6; address: string; prefixLength: number }>;
  routes: Array<{ family: 4 | 6; destination: string; gateway?: string | undefined; metric?: number | undefined }>;
  dns: string[];
  mtu?: number | undefined;
  /** What the network assigned (Get Current Settings), applied or not. */
  offered?: { addresses: Array<{ family: 4 | 6; address: string; prefixLength: number; gateway?: string | undefined }>; mtu: number | undefined } | undefined;
  startedAt: string;
}

export interface ModemRecord {
  version: 1;
  /** Control port path as opened (e.g. /dev/cdc-wdm0). */
  device: string;
  /** The parent network interface (wwan0). */
  netInterface: string;
  /** Kernel mode before rmnetctl touched it: restored when the last PDN goes. */
  kernelBefore?: KernelModeRecord | undefined;
  dataFormat?: RecordedFormat | undefined;
  pdns: PdnRecord[];
  /**
   * Client ids the modem may still hold that belong to no PDN any more: a Release CID that went
   * unanswered twice, or a port lost before it could be sent. The next `down` releases them on a fresh port.
   */
  strayClients?: StrayClient[] | undefined;
  /**
   * Allocate CID requests whose answer never came (not even within the grace): the modem probably holds a
   * client id nobody learned. Only a CTL Sync frees it; `down` sends one once nothing else uses the modem
   * (session/lost-allocations.ts).
   */
  lostAllocations?: LostAllocation[] | undefined;
}

export interface LostAllocation {
  /** The service's name as QMI spells it ('wds', 'wda'). */
  service: string;
  /** When the Allocate CID went unanswered (ISO 8601). */
  at: string;
  /** Why it was not freed at once (the CTL Sync would have hurt someone). */
  reason: string;
}

/** Whether the record still names something on the modem or the kernel (else the file can go). */
export function recordHoldsAnything(record: ModemRecord): boolean {
  return record.pdns.length > 0 || (record.strayClients?.length ?? 0) > 0 || (record.lostAllocations?.length ?? 0) > 0;
}

export interface StrayClient {
  /** The service's name as QMI spells it ('wds', 'wda'). */
  service: string;
  clientId: number;
  reason: string;
}

export class StateStore {
  constructor(readonly dir: string = stateDir()) {}

  path(modemKey: string): string {
    return join(this.dir, `${modemKey}.json`);
  }

  read(modemKey: string): ModemRecord | undefined {
    const text = readNoFollow(this.path(modemKey));
    if (text === undefined) return undefined;
    try {
      const record = JSON.parse(text) as ModemRecord;
      if (record.version !== 1 || !Array.isArray(record.pdns)) throw new Error('unknown layout');
      return record;
    } catch (error) {
      throw new RmnetError('STATE_CORRUPT', `state file ${this.path(modemKey)} is unreadable (${(error as Error).message}); remove it and run "rmnetctl down --all" to clean up from kernel truth`, Category.failure, { path: this.path(modemKey) });
    }
  }

  write(modemKey: string, record: ModemRecord): void {
    ensureStateDir(this.dir);
    writeAtomically(this.path(modemKey), `${JSON.stringify(record, null, 2)}\n`);
  }

  /** Whether a record exists (for removing the lock file when nothing is left). */
  has(modemKey: string): boolean {
    return existsSync(this.path(modemKey));
  }

  remove(modemKey: string): void {
    rmSync(this.path(modemKey), { force: true });
  }

  /** Modem keys with a record (for `status` and `down --all` without -d). */
  list(): string[] {
    try {
      return readdirSync(this.dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    } catch {
      return [];
    }
  }
}
