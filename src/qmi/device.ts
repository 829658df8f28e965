// One QMI device per control port: CTL client ids, transactions, timeouts, indications, modem resets.
// Transaction ids: CTL u8 per device, every other service u16 per client, both skipping 0. Responses are
// matched by (service, client id, transaction id); indications go to subscribers of (service, client id),
// and broadcast ones (client 0xFF) to every subscriber of the service.
import { Category, RmnetError } from '../errors.js';
import { FrameDecoder, encodeFrame, isFrameError, type FrameError, type QmuxFrame } from './framing.js';
import { ctlAllocateCid, ctlReleaseCid, ctlSync } from './messages.js';
import {
  decodeResult,
  decodeTlvs,
  encodeTlvs,
  type DecodedTlvs,
  type Fields,
  type MessageSchema,
  type QmiResult,
} from './schema.js';
import { QmiService, qmiErrorName, serviceName } from './enums.js';
import { structField } from './fields.js';
import { errorDetailOf, findMessage } from './catalog.js';
import type { Transport } from './transport.js';

export const BROADCAST_CLIENT_ID = 0xff;
export const DEFAULT_TIMEOUT_MS = 5000;
/**
 * How long close() waits for Allocate CID answers that came after their request gave up: what arrives in
 * that time is released, so a slow modem is not left holding a client id nobody knows (docs/faults.md).
 */
export const LATE_ALLOCATION_GRACE_MS = 1500;

export interface QmiResponse extends DecodedTlvs {
  readonly result: QmiResult;
  readonly transactionId: number;
}

export interface QmiIndication extends DecodedTlvs {
  readonly service: number;
  readonly clientId: number;
  readonly messageId: number;
  /** The schema of the message, when rmnetctl knows it (fields are then decoded by name). */
  readonly schema?: MessageSchema;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface DeviceOptions {
  timeoutMs?: number;
  /** close()'s wait for late Allocate CID answers (LATE_ALLOCATION_GRACE_MS). */
  lateAllocationGraceMs?: number;
  /** Debug log sink; one line per frame in and out. */
  log?: (line: string) => void;
}

interface Pending {
  readonly schema: MessageSchema;
  readonly service: number;
  readonly clientId: number;
  readonly resolve: (response: QmiResponse) => void;
  readonly reject: (error: RmnetError) => void;
  readonly timer: NodeJS.Timeout;
}

type IndicationHandler = (indication: QmiIndication) => void;

/** What a client id subscription hears besides indications: its client id is gone (modem reset). */
type GoneHandler = (reason: RmnetError) => void;

export class QmiDevice {
  readonly path: string;
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<string, Pending>();
  /**
   * Allocate CID transactions that timed out, with the service asked for: a late success is released at
   * once, so no client id leaks. What is still owed after the grace was probably allocated with its answer
   * lost: nobody can name that client id (see `settleAllocations`, `sync`).
   */
  private readonly lateAllocations = new Map<number, { service: number; timedOutAt: number }>();
  /** Releases of late client ids in flight, awaited by close(). */
  private readonly lateReleases = new Set<Promise<unknown>>();
  /** Wakes close() when a late allocation is settled. */
  private lateSettled: (() => void) | undefined;
  private readonly indicationHandlers = new Map<string, Set<IndicationHandler>>();
  private readonly resetHandlers = new Set<GoneHandler>();
  private readonly clients = new Set<QmiClient>();
  private ctlTransaction = 0;
  private closedError: RmnetError | undefined;
  private readonly timeoutMs: number;

  constructor(
    private readonly transport: Transport,
    private readonly options: DeviceOptions = {},
  ) {
    this.path = transport.path;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    transport.start({ data: (chunk) => this.onData(chunk), end: (error) => this.onEnd(error) });
  }

  get isClosed(): boolean {
    return this.closedError !== undefined;
  }

  /**
   * The client ids that were allocated when the port went away: the modem may still hold them (behind
   * qmi-proxy, or a port that re-enumerated). Whoever owns them records them for a release on a fresh port.
   */
  get orphanedClients(): ReadonlyArray<{ service: number; clientId: number }> {
    return this.orphans;
  }

  private readonly orphans: Array<{ service: number; clientId: number }> = [];

  /** Client ids this device allocated and has not released. */
  get allocatedClients(): readonly QmiClient[] {
    return [...this.clients];
  }

  /** Sends a CTL request (client id 0, u8 transaction id). */
  ctl(schema: MessageSchema, input: Fields = {}, options: RequestOptions = {}): Promise<QmiResponse> {
    this.ctlTransaction = this.ctlTransaction >= 0xff ? 1 : this.ctlTransaction + 1;
    return this.send(schema, 0, this.ctlTransaction, input, options);
  }

  /** Allocates a client id for `service` (CTL Allocate CID). */
  async allocateClient(service: number, options: RequestOptions = {}): Promise<QmiClient> {
    const transactionId = this.ctlTransaction >= 0xff ? 1 : this.ctlTransaction + 1;
    let response: QmiResponse;
    try {
      response = await this.ctl(ctlAllocateCid, { service }, options);
    } catch (error) {
      if (error instanceof RmnetError && error.code === 'QMI_TIMEOUT') this.lateAllocations.set(transactionId, { service, timedOutAt: Date.now() });
      // A refused allocation means the firmware lacks (or has no room in) that service: name the service.
      if (error instanceof RmnetError && error.code === 'QMI_ERROR') {
        const name = serviceName(service);
        const message = error.message.replace('CTL Allocate CID failed', `CTL Allocate CID (${name.toUpperCase()}) failed`);
        throw new RmnetError(error.code, message, error.category, { ...error.details, forService: name }, { cause: error });
      }
      throw error;
    }
    const allocation = structField(response.fields, 'allocation');
    const clientId = allocation?.clientId;
    if (typeof clientId !== 'number') {
      throw this.malformed(ctlAllocateCid, 'the response has no client id');
    }
    const client = new QmiClient(this, service, clientId);
    this.clients.add(client);
    return client;
  }

  /**
   * Takes over a client id allocated earlier (by another process that closed with keepClients, as qmicli
   * --client-cid does). Nothing is sent: the first request tells whether the modem still knows it
   * (InvalidClientId otherwise). Transaction ids restart at 1.
   */
  adoptClient(service: number, clientId: number): QmiClient {
    const existing = [...this.clients].find((c) => c.service === service && c.clientId === clientId);
    if (existing) return existing;
    const client = new QmiClient(this, service, clientId);
    this.clients.add(client);
    return client;
  }

  /** Runs `body` with a fresh client id and releases it afterwards, whatever happens. */
  async withClient<T>(service: number, body: (client: QmiClient) => Promise<T>): Promise<T> {
    const client = await this.allocateClient(service);
    try {
      return await body(client);
    } finally {
      await client.release().catch(() => {});
    }
  }

  /** Subscribes to indications of (service, client id); broadcast ones arrive too. Returns the unsubscribe. */
  onIndication(service: number, clientId: number, handler: IndicationHandler): () => void {
    const key = `${service}:${clientId}`;
    let set = this.indicationHandlers.get(key);
    if (!set) this.indicationHandlers.set(key, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Called when the modem resets (CTL Sync indication) or the port goes away: every client id is gone. */
  onReset(handler: GoneHandler): () => void {
    this.resetHandlers.add(handler);
    return () => this.resetHandlers.delete(handler);
  }

  /**
   * Releases the client ids still allocated (unless `keepClients`, for sessions that must outlive the
   * process) and closes the port. Pending requests fail with DEVICE_CLOSED.
   */
  async close(options: { keepClients?: boolean } = {}): Promise<void> {
    if (this.closedError) return;
    if (!options.keepClients) {
      for (const client of [...this.clients]) await client.release().catch(() => {});
    }
    await this.awaitLateAllocations();
    this.shutdown(new RmnetError('DEVICE_CLOSED', `${this.path}: QMI device closed`, Category.failure, { path: this.path }));
    this.transport.close();
  }

  /**
   * Waits the bounded grace for Allocate CID answers still owed (releasing those that arrive) and returns
   * the services whose answer never came: the modem probably allocated a client id that no Release CID can
   * name; they are the caller's from then on. The grace runs from each request's timeout.
   */
  async settleAllocations(): Promise<number[]> {
    await this.awaitLateAllocations();
    // Handed over to the caller, who records or frees them: a later settle does not report them again.
    const lost = [...this.lateAllocations.values()].map((l) => l.service);
    this.lateAllocations.clear();
    return lost;
  }

  /**
   * CTL Sync: the modem drops every client id it holds, whoever allocated it, and every session those
   * client ids own. The only way to free a client id whose Allocate CID answer was lost; the caller decides
   * that nobody else uses the modem. The client ids of this device are gone afterwards.
   */
  async sync(options: RequestOptions = {}): Promise<void> {
    await this.ctl(ctlSync, {}, options);
    for (const client of [...this.clients]) client.markGone('reset');
    this.lateAllocations.clear();
    this.lateSettled?.();
  }

  /** A bounded wait for Allocate CID answers still owed, and for the releases of those that arrive. */
  private async awaitLateAllocations(): Promise<void> {
    const grace = this.options.lateAllocationGraceMs ?? LATE_ALLOCATION_GRACE_MS;
    const deadline = Math.max(0, ...[...this.lateAllocations.values()].map((l) => l.timedOutAt + grace));
    while (this.lateAllocations.size > 0 && !this.closedError) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.options.log?.(`closing with ${this.lateAllocations.size} Allocate CID answer(s) still owed`);
        break;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.lateSettled = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.lateSettled = undefined;
    }
    await Promise.allSettled([...this.lateReleases]);
  }

  /**
   * CTL Release CID. One that gets no answer is sent once more (a lost frame is likelier than a modem that
   * ignores it); after that it throws RELEASE_UNANSWERED: the modem may still hold the client id.
   * @internal used by QmiClient and for late allocations
   */
  async releaseClientId(service: number | string, clientId: number, options: RequestOptions = {}): Promise<void> {
    const input = { release: { service, clientId } };
    const label = `${typeof service === 'number' ? serviceName(service).toUpperCase() : service.toUpperCase()} client ${clientId}`;
    try {
      await this.ctl(ctlReleaseCid, input, options);
    } catch (error) {
      if (!(error instanceof RmnetError) || error.code !== 'QMI_TIMEOUT') throw error;
      this.options.log?.(`no answer to Release CID of ${label}: sending it again`);
      try {
        await this.ctl(ctlReleaseCid, input, options);
      } catch (again) {
        // InvalidClientId: the first one did arrive, only its answer was lost.
        if (again instanceof RmnetError && again.code === 'QMI_ERROR' && again.details.qmiError === 'InvalidClientId') return;
        throw new RmnetError('RELEASE_UNANSWERED', `${this.path}: CTL Release CID of ${label} got no answer, twice: the modem may still hold it`, Category.timeout, {
          path: this.path,
          service: typeof service === 'number' ? serviceName(service) : service,
          clientId,
        }, { cause: again });
      }
    }
  }

  /** @internal used by QmiClient */
  send(schema: MessageSchema, clientId: number, transactionId: number, input: Fields, options: RequestOptions): Promise<QmiResponse> {
    if (this.closedError) return Promise.reject(this.closedError);
    const service = schema.service;
    const label = `${serviceName(service).toUpperCase()} ${schema.name}`;
    let tlvs;
    try {
      tlvs = encodeTlvs(schema.request, input, label);
    } catch (error) {
      return Promise.reject(
        new RmnetError('BAD_ARGUMENT', `${this.path}: cannot encode ${label}: ${(error as Error).message}`, Category.usage, {
          path: this.path,
          service: serviceName(service),
          qmiMessage: schema.name,
        }),
      );
    }
    const frame = encodeFrame({ fromModem: false, service, clientId, kind: 'request', transactionId, messageId: schema.id, tlvs });
    const key = `${service}:${clientId}:${transactionId}`;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise<QmiResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(
          new RmnetError('QMI_TIMEOUT', `${this.path}: no answer to ${label} within ${timeoutMs} ms`, Category.timeout, {
            path: this.path,
            service: serviceName(service),
            qmiMessage: schema.name,
            clientId,
            transactionId,
            timeoutMs,
          }),
        );
      }, timeoutMs);
      this.pending.set(key, { schema, service, clientId, resolve, reject, timer });
      this.options.log?.(`-> ${label} client ${clientId} tx ${transactionId} ${Buffer.from(frame).toString('hex')}`);
      try {
        this.transport.send(frame);
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(key);
        reject(new RmnetError('IO_ERROR', `${this.path}: write failed: ${(error as Error).message}`, Category.failure, { path: this.path }));
      }
    });
  }

  /** @internal */
  forgetClient(client: QmiClient): void {
    this.clients.delete(client);
  }

  private onData(chunk: Uint8Array): void {
    for (const item of this.decoder.push(chunk)) {
      if (isFrameError(item)) this.onFrameError(item);
      else this.onFrame(item);
    }
  }

  private onFrame(frame: QmuxFrame): void {
    this.options.log?.(
      `<- ${serviceName(frame.service)} ${frame.kind} 0x${frame.messageId.toString(16)} client ${frame.clientId} tx ${frame.transactionId}`,
    );
    if (!frame.fromModem) return; // our own echo, or a confused peer
    if (frame.kind === 'indication') {
      this.onIndicationFrame(frame);
      return;
    }
    if (frame.kind !== 'response') return;
    const key = `${frame.service}:${frame.clientId}:${frame.transactionId}`;
    const pending = this.pending.get(key);
    if (!pending) {
      this.onUnmatchedResponse(frame);
      return;
    }
    if (frame.messageId !== pending.schema.id) {
      // Same transaction id, another message: not our answer. Leave the request to its timeout.
      this.options.log?.(`response to message 0x${frame.messageId.toString(16)} matches no pending request`);
      return;
    }
    this.pending.delete(key);
    clearTimeout(pending.timer);
    const result = decodeResult(frame.tlvs);
    if (!result) {
      pending.reject(this.malformed(pending.schema, 'the response has no valid Result TLV'));
      return;
    }
    const decoded = decodeTlvs(pending.schema.response, frame.tlvs);
    if (result.status !== 0) {
      pending.reject(this.qmiError(pending.schema, result, decoded, pending.clientId));
      return;
    }
    if (decoded.errors.length > 0) {
      const first = decoded.errors[0]!;
      pending.reject(this.malformed(pending.schema, `TLV 0x${first.type.toString(16)} (${first.name}) ${first.reason}`));
      return;
    }
    pending.resolve({ ...decoded, result, transactionId: frame.transactionId });
  }

  private onUnmatchedResponse(frame: QmuxFrame): void {
    if (frame.service === QmiService.CTL && frame.messageId === ctlAllocateCid.id && this.lateAllocations.delete(frame.transactionId)) {
      const result = decodeResult(frame.tlvs);
      const allocation = structField(decodeTlvs(ctlAllocateCid.response, frame.tlvs).fields, 'allocation');
      if (result?.status === 0 && allocation && typeof allocation.clientId === 'number') {
        this.options.log?.(`releasing client id ${allocation.clientId} that arrived after its request timed out`);
        const release = this.releaseClientId(allocation.service as number | string, allocation.clientId).catch(() => {});
        this.lateReleases.add(release);
        void release.finally(() => this.lateReleases.delete(release));
      }
      this.lateSettled?.();
    }
  }

  private onIndicationFrame(frame: QmuxFrame): void {
    if (frame.service === QmiService.CTL && frame.messageId === ctlSync.id) {
      this.onModemReset();
      return;
    }
    const schema = findMessage(frame.service, frame.messageId);
    const decoded = schema?.indication
      ? decodeTlvs(schema.indication, frame.tlvs)
      : { fields: {}, unknown: frame.tlvs.filter((t) => t.type !== 0x02), errors: [] };
    const indication: QmiIndication = {
      ...decoded,
      service: frame.service,
      clientId: frame.clientId,
      messageId: frame.messageId,
      ...(schema ? { schema } : {}),
    };
    const deliver = (key: string) => {
      for (const handler of this.indicationHandlers.get(key) ?? []) {
        try {
          handler(indication);
        } catch (error) {
          this.options.log?.(`indication handler failed: ${(error as Error).message}`);
        }
      }
    };
    if (frame.clientId === BROADCAST_CLIENT_ID) {
      for (const key of [...this.indicationHandlers.keys()]) if (key.startsWith(`${frame.service}:`)) deliver(key);
    } else {
      deliver(`${frame.service}:${frame.clientId}`);
    }
  }

  /** Bytes that did not decode as QMUX so far: a port that answers, but not in QMI, is told apart from a silent one. */
  get undecodable(): { frames: number; first: FrameError | undefined } {
    return { frames: this.frameErrors, first: this.firstFrameError };
  }

  private frameErrors = 0;
  private firstFrameError: FrameError | undefined;

  private onFrameError(error: FrameError): void {
    this.options.log?.(`bad frame: ${error.error}: ${error.message}`);
    this.frameErrors++;
    this.firstFrameError ??= error;
    const header = error.header;
    if (!header || header.transactionId === undefined) return;
    const key = `${header.service}:${header.clientId}:${header.transactionId}`;
    const pending = this.pending.get(key);
    if (!pending) return;
    this.pending.delete(key);
    clearTimeout(pending.timer);
    pending.reject(this.malformed(pending.schema, `${error.error}: ${error.message}`));
  }

  private onModemReset(): void {
    const error = new RmnetError('MODEM_RESET', `${this.path}: the modem reset (CTL Sync indication): every QMI client id is gone`, Category.failure, {
      path: this.path,
    });
    for (const client of [...this.clients]) client.markGone('reset');
    this.failPending(error);
    for (const handler of [...this.resetHandlers]) handler(error);
  }

  private onEnd(cause?: Error): void {
    const error = new RmnetError(
      'DEVICE_GONE',
      `${this.path}: the ${this.transport.kind} closed${cause ? `: ${cause.message}` : ''}`,
      Category.failure,
      { path: this.path },
      { cause },
    );
    // The port is gone, not (necessarily) the modem: behind qmi-proxy or a re-enumerated port it keeps its
    // client ids and sessions. They are orphaned, not gone: releasing one says so, and the caller keeps
    // its record for a `down` on a fresh port.
    for (const client of [...this.clients]) {
      this.orphans.push({ service: client.service, clientId: client.clientId });
      client.markGone('port-lost');
    }
    this.shutdown(error);
    for (const handler of [...this.resetHandlers]) handler(error);
    this.transport.close();
  }

  private shutdown(error: RmnetError): void {
    if (this.closedError) return;
    this.closedError = error;
    this.failPending(error);
  }

  private failPending(error: RmnetError): void {
    for (const [key, pending] of [...this.pending]) {
      this.pending.delete(key);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  private malformed(schema: MessageSchema, reason: string): RmnetError {
    const label = `${serviceName(schema.service).toUpperCase()} ${schema.name}`;
    return new RmnetError('QMI_MALFORMED', `${this.path}: malformed answer to ${label}: ${reason}`, Category.protocol, {
      path: this.path,
      service: serviceName(schema.service),
      qmiMessage: schema.name,
      reason,
    });
  }

  private qmiError(schema: MessageSchema, result: QmiResult, decoded: DecodedTlvs, clientId: number): RmnetError {
    const label = `${serviceName(schema.service).toUpperCase()} ${schema.name}`;
    const errorName = qmiErrorName(result.error);
    const details: Record<string, unknown> = {
      path: this.path,
      service: serviceName(schema.service),
      qmiMessage: schema.name,
      clientId,
      qmiError: errorName,
      qmiErrorCode: result.error,
    };
    let text = `${this.path}: ${label} failed: QMI error ${errorName} (${result.error})`;
    // What the service says beyond the error code (WDS: the call end reason), when it registered a reading.
    const extra = errorDetailOf(schema.service, decoded.fields);
    if (extra) {
      Object.assign(details, extra.details);
      text += extra.text;
    }
    return new RmnetError('QMI_ERROR', text, Category.qmiError, details);
  }
}

/** A client id of one service on one device. Requests carry u16 transaction ids counted per client. */
export class QmiClient {
  private transaction = 0;
  /** gone: the modem reset and forgot it; orphaned: the port closed, the modem may still hold it. */
  private state: 'allocated' | 'released' | 'gone' | 'orphaned' = 'allocated';
  private readonly goneHandlers = new Set<GoneHandler>();

  constructor(
    readonly device: QmiDevice,
    readonly service: number,
    readonly clientId: number,
  ) {}

  get isAllocated(): boolean {
    return this.state === 'allocated';
  }

  /** The modem reset since: it forgot this client id and everything the client started. */
  get forgotten(): boolean {
    return this.state === 'gone';
  }

  request(schema: MessageSchema, input: Fields = {}, options: RequestOptions = {}): Promise<QmiResponse> {
    if (schema.service !== this.service) {
      return Promise.reject(new RmnetError('INTERNAL', `${schema.name} is not a ${serviceName(this.service).toUpperCase()} message`));
    }
    if (this.state !== 'allocated') {
      return Promise.reject(
        new RmnetError('CLIENT_GONE', `${this.device.path}: ${serviceName(this.service).toUpperCase()} client ${this.clientId} is ${this.state}`, Category.failure, {
          path: this.device.path,
          service: serviceName(this.service),
          clientId: this.clientId,
        }),
      );
    }
    this.transaction = this.transaction >= 0xffff ? 1 : this.transaction + 1;
    return this.device.send(schema, this.clientId, this.transaction, input, options);
  }

  /** Indications for this client id (and broadcast ones for its service). */
  onIndication(handler: (indication: QmiIndication) => void): () => void {
    return this.device.onIndication(this.service, this.clientId, handler);
  }

  /** Called once if the client id disappears under us (modem reset, port gone). */
  onGone(handler: GoneHandler): () => void {
    this.goneHandlers.add(handler);
    return () => this.goneHandlers.delete(handler);
  }

  /**
   * CTL Release CID (retried once, see QmiDevice.releaseClientId). Releasing a WDS client ends the session
   * it started. Safe to call twice. Throws when the port closed under the client: the modem may still hold it.
   */
  async release(options: RequestOptions = {}): Promise<void> {
    if (this.state === 'orphaned') throw this.orphanedError();
    if (this.state !== 'allocated') return;
    this.state = 'released';
    this.device.forgetClient(this);
    await this.device.releaseClientId(this.service, this.clientId, options);
  }

  private orphanedError(): RmnetError {
    return new RmnetError('CLIENT_ORPHANED', `${this.device.path}: the control port closed while ${serviceName(this.service).toUpperCase()} client ${this.clientId} was allocated: the modem may still hold it (and its session)`, Category.failure, {
      path: this.device.path,
      service: serviceName(this.service),
      clientId: this.clientId,
    });
  }

  /** Forget the client id without telling the modem (it keeps a session beyond this process). */
  abandon(): void {
    if (this.state !== 'allocated') return;
    this.state = 'released';
    this.device.forgetClient(this);
  }

  /** @internal */
  markGone(why: 'reset' | 'port-lost'): void {
    if (this.state !== 'allocated') return;
    this.state = why === 'reset' ? 'gone' : 'orphaned';
    this.device.forgetClient(this);
    const error = new RmnetError('CLIENT_GONE', `${this.device.path}: ${serviceName(this.service).toUpperCase()} client ${this.clientId} is gone`, Category.failure, {
      path: this.device.path,
      service: serviceName(this.service),
      clientId: this.clientId,
    });
    for (const handler of [...this.goneHandlers]) handler(error);
  }
}
