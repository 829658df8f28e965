// The emulated modem: a QMI firmware model (CTL, DMS, WDA, WDS), independent of any transport. A transport
// (pty.ts here, USB/IP in the lab) decodes the host's bytes into whole QMUX frames, hands them to the
// connection's `receive`, and writes out what `send` is given.
//
// It behaves like firmware where rmnetctl depends on it: client ids per service, one session per WDS client
// owned by that client (releasing the client ends it), Bind Mux Data Port before Start Network picks the mux,
// WDA sizes clamped to what the "hardware" supports, Packet Service Status indications to the owning client,
// a reset that forgets everything and says so with a CTL Sync indication.
import { decodeFrame, encodeFrame, isFrameError, type QmuxFrame, type RawTlv } from '../../src/qmi/framing.js';
import { decodeTlvs, encodeResult, encodeTlvs, type Fields, type MessageSchema } from '../../src/qmi/schema.js';
import { findMessage as findRmnetctlMessage } from '../../src/services.js';
import { ENDPOINT_TYPE, QmiError, QmiService, serviceName } from '../../src/qmi/enums.js';
import { AGGREGATION_PROTOCOL, LINK_LAYER } from '../../src/wda/enums.js';
import * as ctl from '../../src/qmi/messages.js';
import * as dms from '../../src/dms/messages.js';
import * as wda from '../../src/wda/messages.js';
import * as wds from '../../src/wds/messages.js';
import { RadioFirmware, defaultRadioBehaviour, firmwareProfile, type RadioBehaviour, type ServiceClient } from './services/firmware.js';
import { SERVICE_MESSAGES, UIM_SERVICE } from './services/messages.js';

/** What the firmware understands: rmnetctl's messages and those of test/modem/services (ModemManager's). */
export function findMessage(service: number, id: number): MessageSchema | undefined {
  return findRmnetctlMessage(service, id) ?? SERVICE_MESSAGES.find((m) => m.service === service && m.id === id);
}

export interface AddressPlan {
  ipv4?: { address: string; prefixLength: number; gateway: string; dns: string[] };
  ipv6?: { address: string; prefixLength: number; gateway: string; dns: string[] };
  mtu: number;
}

export interface StartNetworkFailure {
  /** Call end reason TLV 0x10 (e.g. 1 generic-unspecified, 1013 gsm-wcdma-unknown-apn). */
  callEndReason: number;
  /** Verbose call end reason TLV 0x11 (e.g. {type: 6 (3GPP), reason: 27 unknown-apn}). */
  verbose?: { type: number; reason: number };
  /** Only Start Network for this APN fails (the network refuses one APN); every APN when unset. */
  apn?: string;
  /** The QMI error of the result TLV; CallFailed (14) by default. */
  qmiError?: number;
}

export interface ModemBehaviour {
  model: string;
  revision: string;
  imei: string;
  /** WDA aggregation protocols the firmware accepts (0 disabled, 5 QMAP, 8 QMAPv4, 9 QMAPv5). */
  supportedAggregation: number[];
  /** What an unsupported aggregation request gets: 'disabled' granted in the response, or a QMI error. */
  unsupportedAggregation: 'grant-disabled' | 'error';
  /** DL aggregation clamps: a request above them is granted these (an EC25 gave 10 / 4096 for 32 / 31744). */
  downlinkMaxDatagrams: number;
  downlinkMaxSize: number;
  uplinkMaxDatagrams: number;
  uplinkMaxSize: number;
  downlinkMinimumPadding: number;
  /** Delay of every response, ms. */
  responseDelayMs: number;
  /** Extra delay per message, keyed "wds:Start Network", "ctl:Allocate CID", ... (ms). */
  messageDelaysMs: Record<string, number>;
  /** Messages whose requests are swallowed without an answer, keyed like messageDelaysMs. */
  dropResponses: string[];
  /** Messages answered with a malformed frame (a TLV whose length runs past the end), keyed likewise. */
  malformedResponses: string[];
  /** Messages the firmware refuses with this QMI error (InvalidQmiCommand, NotSupported...), keyed likewise:
   *  real firmware lacks optional messages (see FIRMWARE_PROFILES in services/firmware.ts). */
  refusedMessages: Record<string, number>;
  /** When set, WDS Start Network fails with this reason. */
  startNetworkFailure?: StartNetworkFailure;
  /** Addresses of the `index`-th session started on `muxId` (0 = no mux) for `ipFamily`. */
  addressPlan(muxId: number, ipFamily: 4 | 6, index: number): AddressPlan;
  /** Client ids a service hands out before ClientIdsExhausted. */
  maxClientsPerService: number;
  /** CTL Get Version Info list. */
  versions: Array<{ service: number; major: number; minor: number }>;
  /** Services Allocate CID accepts (others get InvalidServiceType); old firmware has no WDA. */
  services: number[];
  /**
   * Responses as some firmware writes them: TLVs in another order (ascending, the Result TLV last) and, on
   * the messages of VENDOR_TLVS, vendor TLVs (0xE0..) no published schema names, amid the others. A host
   * must look TLVs up by id and skip the unknown ones.
   */
  reorderedTlvs: boolean;
}

/** Vendor TLVs the reorderedTlvs firmware adds to these responses: ids past every published one, opaque bytes. */
export const VENDOR_TLVS: Readonly<Record<string, readonly RawTlv[]>> = {
  'wda:Set Data Format': [{ type: 0xe0, value: Uint8Array.of(0x01, 0x00, 0x00, 0x00) }, { type: 0xe1, value: Uint8Array.of(0x5a) }],
  'wda:Get Data Format': [{ type: 0xe0, value: Uint8Array.of(0x01, 0x00, 0x00, 0x00) }, { type: 0xe1, value: Uint8Array.of(0x5a) }],
  'wds:Start Network': [{ type: 0xe2, value: Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x00, 0x01) }],
  'wds:Get Current Settings': [{ type: 0xe3, value: Uint8Array.of(0x02, 0x00) }, { type: 0xe4, value: new Uint8Array(0) }],
};

export interface GrantedDataFormat {
  linkLayer: string;
  uplinkAggregation: string;
  downlinkAggregation: string;
  downlinkMaxDatagrams: number;
  downlinkMaxSize: number;
  uplinkMaxDatagrams: number;
  uplinkMaxSize: number;
  downlinkMinimumPadding: number;
  qosFormat: boolean;
  endpoint?: { type: string; interfaceNumber: number };
}

export interface PdnSession {
  muxId: number;
  apn: string;
  ipFamily: 4 | 6;
  packetDataHandle: number;
  clientId: number;
  ipv4?: { address: string; prefixLength: number; gateway: string; dns: string[] };
  ipv6?: { address: string; prefixLength: number; gateway: string; dns: string[] };
  mtu: number;
  /** What the call carried so far (WDS Get Packet Statistics): each query adds one interval of traffic. */
  traffic: { rxPackets: number; txPackets: number; rxBytes: number; txBytes: number; rxDropped: number; queries: number };
}

/** One interval of a session's traffic per Get Packet Statistics query: more on higher mux ids, downlink-heavy. */
export function trafficInterval(muxId: number): { rxPackets: number; txPackets: number; rxBytes: number; txBytes: number } {
  const rxPackets = 100 + 10 * muxId;
  const txPackets = 40 + 5 * muxId;
  return { rxPackets, txPackets, rxBytes: rxPackets * 1280, txBytes: txPackets * 320 };
}

export interface ModemConnection {
  receive(frame: Uint8Array): void;
  detach(): void;
}

/** 10.<mux>.<index>.2/30 with gateway .1; fd00:<mux>:<index>::2/64 with gateway ::1. Deterministic. */
export function defaultAddressPlan(muxId: number, ipFamily: 4 | 6, index: number): AddressPlan {
  if (ipFamily === 4) {
    const base = `10.${muxId}.${index % 256}`;
    return { ipv4: { address: `${base}.2`, prefixLength: 30, gateway: `${base}.1`, dns: ['10.0.0.53', '10.0.0.54'] }, mtu: 1500 };
  }
  const base = `fd00:${muxId.toString(16)}:${index.toString(16)}`;
  return { ipv6: { address: `${base}::2`, prefixLength: 64, gateway: `${base}::1`, dns: ['fd00::53', 'fd00::54'] }, mtu: 1500 };
}

export function defaultBehaviour(): ModemBehaviour {
  return {
    model: 'EC25-EMU',
    revision: 'EC25EFAR06A06M4G-EMU',
    imei: '867698040000001',
    supportedAggregation: [0, 5, 9],
    unsupportedAggregation: 'grant-disabled',
    downlinkMaxDatagrams: 32,
    downlinkMaxSize: 32768,
    uplinkMaxDatagrams: 16,
    uplinkMaxSize: 16384,
    downlinkMinimumPadding: 0,
    responseDelayMs: 0,
    messageDelaysMs: {},
    dropResponses: [],
    malformedResponses: [],
    refusedMessages: {},
    addressPlan: defaultAddressPlan,
    maxClientsPerService: 15,
    versions: [
      { service: QmiService.CTL, major: 1, minor: 5 },
      { service: QmiService.WDS, major: 1, minor: 67 },
      { service: QmiService.DMS, major: 1, minor: 14 },
      { service: QmiService.NAS, major: 1, minor: 25 },
      { service: QmiService.WDA, major: 1, minor: 16 },
      { service: UIM_SERVICE, major: 1, minor: 46 },
    ],
    services: [QmiService.WDS, QmiService.DMS, QmiService.NAS, QmiService.QOS, QmiService.WDA, UIM_SERVICE],
    reorderedTlvs: false,
  };
}

interface ClientState extends ServiceClient {
  service: number;
  clientId: number;
  connection: Connection;
  muxId: number;
  ipFamily: 4 | 6;
  endpoint?: { type: number; interfaceNumber: number };
}

interface Connection {
  send: (frame: Uint8Array) => void;
  attached: boolean;
}

type Reply = { result?: { status: number; error: number }; fields?: Fields; extra?: RawTlv[]; after?: () => void } | 'drop';

function initialFormat(): GrantedDataFormat {
  // A modem out of reset: 802.3 framing, no aggregation.
  return {
    linkLayer: '802-3',
    uplinkAggregation: 'disabled',
    downlinkAggregation: 'disabled',
    downlinkMaxDatagrams: 0,
    downlinkMaxSize: 0,
    uplinkMaxDatagrams: 0,
    uplinkMaxSize: 0,
    downlinkMinimumPadding: 0,
    qosFormat: false,
  };
}

export class EmulatedModem {
  readonly behaviour: ModemBehaviour;
  private readonly connections = new Set<Connection>();
  private readonly clientTable = new Map<string, ClientState>();
  private readonly sessionTable = new Map<string, PdnSession>(); // by `${service}:${clientId}` of the owner
  private readonly sessionCounters = new Map<string, number>();
  private format: GrantedDataFormat = initialFormat();
  private nextClientId = new Map<number, number>();
  private handleCounter = 0;
  /** Restarts asked by the host (DMS Set Operating Mode reset), for tests. */
  resets = 0;
  /** Every request frame received, for tests that check what a host sent. */
  readonly received: QmuxFrame[] = [];
  /** DMS identity and operating mode, the SIM (UIM), NAS registration and signal, WDS profiles. */
  readonly radio: RadioFirmware;

  constructor(behaviour: Partial<ModemBehaviour> = {}, radio: Partial<RadioBehaviour> = {}) {
    this.behaviour = { ...defaultBehaviour(), ...behaviour };
    this.radio = new RadioFirmware(
      {
        clients: (service) => [...this.clientTable.values()].filter((c) => c.service === service && c.connection.attached),
        indicate: (client, schema, fields) => {
          const owner = this.clientTable.get(`${client.service}:${client.clientId}`);
          if (!owner?.connection.attached || !schema.indication) return;
          const tlvs = encodeTlvs(schema.indication, fields, `emulated ${schema.name} indication`);
          owner.connection.send(encodeFrame({ fromModem: true, service: owner.service, clientId: owner.clientId, kind: 'indication', transactionId: 0, messageId: schema.id, tlvs }));
        },
        restart: () => {
          this.resets++;
          this.reset();
        },
      },
      radio,
    );
  }

  /** A modem running a named firmware profile (services/firmware.ts), with `behaviour` and `radio` on top. */
  static withFirmware(name: string, behaviour: Partial<ModemBehaviour> = {}, radio: Partial<RadioBehaviour> = {}): EmulatedModem {
    const profile = firmwareProfile(name);
    return new EmulatedModem({ ...profile.modem, ...behaviour }, { ...profile.radio, ...radio });
  }

  /**
   * Another firmware is flashed and the modem restarts with everything forgotten, on the same USB device,
   * while no host holds a client (the lab runs several profiles in one boot this way). No CTL Sync is sent:
   * over USB it would wait on the interrupt endpoint and reach the next host to open the port, which would
   * take it for a reset under its own new clients (seen in the lab).
   */
  flash(name: string, behaviour: Partial<ModemBehaviour> = {}): void {
    const profile = firmwareProfile(name);
    Object.assign(this.behaviour, defaultBehaviour(), profile.modem, behaviour);
    Object.assign(this.radio.behaviour, defaultRadioBehaviour(), profile.radio);
    this.reset({ indicate: false });
  }

  attach(send: (frame: Uint8Array) => void): ModemConnection {
    const connection: Connection = { send, attached: true };
    this.connections.add(connection);
    return {
      receive: (frame) => this.receive(connection, frame),
      detach: () => {
        connection.attached = false;
        this.connections.delete(connection);
      },
    };
  }

  dataFormat(): GrantedDataFormat {
    return { ...this.format, ...(this.format.endpoint ? { endpoint: { ...this.format.endpoint } } : {}) };
  }

  sessions(): PdnSession[] {
    return [...this.sessionTable.values()].map((s) => structuredClone(s));
  }

  clients(): Array<{ service: number; clientId: number }> {
    return [...this.clientTable.values()].map(({ service, clientId }) => ({ service, clientId }));
  }

  /** The firmware restarts: a CTL Sync indication to every connection; client ids, sessions, format forgotten. */
  reset(options: { indicate?: boolean } = {}): void {
    this.clientTable.clear();
    this.sessionTable.clear();
    this.sessionCounters.clear();
    this.nextClientId.clear();
    this.format = initialFormat();
    this.radio.reset();
    if (options.indicate === false) return;
    const frame = encodeFrame({ fromModem: true, service: 0, clientId: 0, kind: 'indication', transactionId: 0, messageId: ctl.ctlSync.id, tlvs: [] });
    for (const connection of this.connections) connection.send(frame);
  }

  /** The network drops the sessions on `muxId`: Packet Service Status 'disconnected' to each owning client. */
  dropSession(muxId: number, callEndReason = 3, options: { indicate?: boolean } = {}): void {
    for (const [key, session] of [...this.sessionTable]) {
      if (session.muxId !== muxId) continue;
      this.sessionTable.delete(key);
      const owner = this.clientTable.get(key);
      // indicate: false models an indication lost on the way (a proxy that did not forward it, a full queue).
      if (owner && options.indicate !== false) this.sendPacketServiceStatus(owner, 'disconnected', session.ipFamily, callEndReason);
    }
  }

  // ---- frame handling ----------------------------------------------------------------------------------

  private receive(connection: Connection, bytes: Uint8Array): void {
    const frame = decodeFrame(bytes);
    if (isFrameError(frame) || frame.fromModem || frame.kind !== 'request') return; // firmware ignores garbage
    this.received.push(frame);
    const schema = findMessage(frame.service, frame.messageId);
    const key = schema ? `${serviceName(frame.service)}:${schema.name}` : `${serviceName(frame.service)}:0x${frame.messageId.toString(16)}`;
    if (this.behaviour.dropResponses.includes(key)) return;
    const refusal = this.behaviour.refusedMessages[key];
    const reply = refusal !== undefined ? failure(refusal) : this.handle(connection, frame, schema);
    if (reply === 'drop') return;
    let tlvs: RawTlv[] = [encodeResult(reply.result ?? { status: 0, error: 0 })];
    if (schema && reply.fields) tlvs.push(...encodeTlvs(schema.response, reply.fields, `emulated ${key}`));
    if (reply.extra) tlvs.push(...reply.extra);
    if (this.behaviour.reorderedTlvs) tlvs = reordered(tlvs, VENDOR_TLVS[key] ?? []);
    const response = encodeFrame({
      fromModem: true,
      service: frame.service,
      clientId: frame.clientId,
      kind: 'response',
      transactionId: frame.transactionId,
      messageId: frame.messageId,
      tlvs,
    });
    if (this.behaviour.malformedResponses.includes(key)) {
      // The last TLV claims 200 more bytes than the frame holds.
      response[response.length - tlvLengthOffset(tlvs)] = 0xff;
    }
    const delay = this.behaviour.responseDelayMs + (this.behaviour.messageDelaysMs[key] ?? 0);
    const deliver = () => {
      if (!connection.attached) return;
      connection.send(response);
      reply.after?.();
    };
    if (delay > 0) setTimeout(deliver, delay);
    else deliver();
  }

  private handle(connection: Connection, frame: QmuxFrame, schema: MessageSchema | undefined): Reply {
    if (!schema) return failure(QmiError.InvalidQmiCommand);
    const request = decodeTlvs(schema.request, frame.tlvs);
    if (request.errors.length > 0) return failure(QmiError.MalformedMessage);
    if (frame.service === QmiService.CTL) return this.handleCtl(connection, schema, request.fields);
    const client = this.clientTable.get(`${frame.service}:${frame.clientId}`);
    if (!client) return failure(QmiError.InvalidClientId);
    if (this.radio.handles(frame.service)) {
      const answer = this.radio.handle(client, schema, request.fields);
      if (answer) return answer;
    }
    switch (frame.service) {
      case QmiService.DMS:
        return this.handleDms(schema);
      case QmiService.WDA:
        return this.handleWda(schema, request.fields);
      case QmiService.WDS:
        return this.handleWds(client, schema, request.fields);
      default:
        return failure(QmiError.InvalidQmiCommand);
    }
  }

  private handleCtl(connection: Connection, schema: MessageSchema, fields: Fields): Reply {
    switch (schema.id) {
      case ctl.ctlGetVersionInfo.id:
        return { fields: { services: this.behaviour.versions.map((v) => ({ ...v })) } };
      case ctl.ctlAllocateCid.id: {
        const service = enumNumber(fields.service) ?? -1;
        if (!this.behaviour.services.includes(service)) return failure(QmiError.InvalidServiceType);
        const inUse = [...this.clientTable.values()].filter((c) => c.service === service).length;
        if (inUse >= this.behaviour.maxClientsPerService) return failure(QmiError.ClientIdsExhausted);
        // Firmware hands out increasing ids per service, wrapping, skipping ids in use.
        let clientId = this.nextClientId.get(service) ?? 1;
        while (this.clientTable.has(`${service}:${clientId}`)) clientId = clientId >= 0xfe ? 1 : clientId + 1;
        this.nextClientId.set(service, clientId >= 0xfe ? 1 : clientId + 1);
        this.clientTable.set(`${service}:${clientId}`, { service, clientId, connection, muxId: 0, ipFamily: 4, registrations: new Set() });
        return { fields: { allocation: { service, clientId } } };
      }
      case ctl.ctlReleaseCid.id: {
        const release = fields.release;
        if (typeof release !== 'object' || release instanceof Uint8Array || Array.isArray(release)) return failure(QmiError.MissingArgument);
        const service = typeof release.service === 'number' ? release.service : enumNumber(release.service);
        const clientId = release.clientId;
        const key = `${service}:${clientId}`;
        if (!this.clientTable.has(key)) return failure(QmiError.InvalidClientId);
        this.clientTable.delete(key);
        // The session belongs to the client: it ends with it (no indication, nobody is left to hear it).
        this.sessionTable.delete(key);
        return { fields: { release: { service: service ?? 0, clientId: typeof clientId === 'number' ? clientId : 0 } } };
      }
      case ctl.ctlSync.id:
        // A Sync request makes the firmware drop every client id (and so every session).
        this.clientTable.clear();
        this.sessionTable.clear();
        return {};
      default:
        return failure(QmiError.InvalidQmiCommand);
    }
  }

  private handleDms(schema: MessageSchema): Reply {
    switch (schema.id) {
      case dms.dmsGetModel.id:
        return { fields: { model: this.behaviour.model } };
      case dms.dmsGetRevision.id:
        return { fields: { revision: this.behaviour.revision } };
      case dms.dmsGetIds.id:
        return { fields: { esn: '0', imei: this.behaviour.imei } };
      default:
        return failure(QmiError.InvalidQmiCommand);
    }
  }

  private handleWda(schema: MessageSchema, fields: Fields): Reply {
    if (schema.id === wda.wdaGetDataFormat.id) return { fields: this.formatFields() };
    if (schema.id !== wda.wdaSetDataFormat.id) return failure(QmiError.InvalidQmiCommand);
    const b = this.behaviour;
    const next = { ...this.format };
    const linkLayer = enumNumber(fields.linkLayer);
    if (linkLayer !== undefined) {
      if (linkLayer !== 1 && linkLayer !== 2) return failure(QmiError.InvalidArgument);
      next.linkLayer = LINK_LAYER[linkLayer]!;
    }
    for (const direction of ['uplinkAggregation', 'downlinkAggregation'] as const) {
      const protocol = enumNumber(fields[direction]);
      if (protocol === undefined) continue;
      if (!b.supportedAggregation.includes(protocol)) {
        if (b.unsupportedAggregation === 'error') return failure(QmiError.InvalidArgument);
        next[direction] = 'disabled';
      } else {
        next[direction] = AGGREGATION_PROTOCOL[protocol] ?? String(protocol);
      }
    }
    const clamp = (requested: unknown, limit: number) => (typeof requested === 'number' ? Math.min(requested, limit) : limit);
    const aggregating = next.downlinkAggregation !== 'disabled';
    next.downlinkMaxDatagrams = aggregating ? clamp(fields.downlinkMaxDatagrams, b.downlinkMaxDatagrams) : 0;
    next.downlinkMaxSize = aggregating ? clamp(fields.downlinkMaxSize, b.downlinkMaxSize) : 0;
    const uplinkAggregating = next.uplinkAggregation !== 'disabled';
    next.uplinkMaxDatagrams = uplinkAggregating ? clamp(fields.uplinkMaxDatagrams, b.uplinkMaxDatagrams) : 0;
    next.uplinkMaxSize = uplinkAggregating ? clamp(fields.uplinkMaxSize, b.uplinkMaxSize) : 0;
    next.downlinkMinimumPadding = aggregating ? b.downlinkMinimumPadding : 0;
    if (typeof fields.qosFormat === 'number') next.qosFormat = fields.qosFormat !== 0;
    const endpoint = fields.endpoint;
    if (typeof endpoint === 'object' && !(endpoint instanceof Uint8Array) && !Array.isArray(endpoint)) {
      const type = enumNumber(endpoint.type) ?? 0;
      next.endpoint = { type: ENDPOINT_TYPE[type] ?? String(type), interfaceNumber: Number(endpoint.interfaceNumber) };
    }
    this.format = next;
    return { fields: this.formatFields() };
  }

  private formatFields(): Fields {
    const f = this.format;
    return {
      qosFormat: f.qosFormat ? 1 : 0,
      linkLayer: f.linkLayer,
      uplinkAggregation: f.uplinkAggregation,
      downlinkAggregation: f.downlinkAggregation,
      ndpSignature: 0,
      downlinkMaxDatagrams: f.downlinkMaxDatagrams,
      downlinkMaxSize: f.downlinkMaxSize,
      uplinkMaxDatagrams: f.uplinkMaxDatagrams,
      uplinkMaxSize: f.uplinkMaxSize,
      downlinkMinimumPadding: f.downlinkMinimumPadding,
      flowControl: 0,
    };
  }

  private handleWds(client: ClientState, schema: MessageSchema, fields: Fields): Reply {
    const key = `${client.service}:${client.clientId}`;
    const session = this.sessionTable.get(key);
    switch (schema.id) {
      case wds.wdsBindMuxDataPort.id: {
        const muxId = typeof fields.muxId === 'number' ? fields.muxId : 0;
        if (muxId < 1 || muxId > 254) return failure(QmiError.InvalidArgument);
        if (session) return failure(QmiError.InvalidOperation);
        client.muxId = muxId;
        const endpoint = fields.endpoint;
        if (typeof endpoint === 'object' && !(endpoint instanceof Uint8Array) && !Array.isArray(endpoint)) {
          client.endpoint = { type: enumNumber(endpoint.type) ?? 0, interfaceNumber: Number(endpoint.interfaceNumber) };
        }
        return {};
      }
      case wds.wdsSetIpFamily.id: {
        const family = enumNumber(fields.preference);
        if (family === 4 || family === 6) client.ipFamily = family;
        else if (family !== 8) return failure(QmiError.InvalidIpFamilyPreference);
        return {};
      }
      case wds.wdsStartNetwork.id:
        return this.startNetwork(client, key, session, fields);
      case wds.wdsStopNetwork.id: {
        const handle = fields.packetDataHandle;
        if (!session) return failure(QmiError.OutOfCall);
        if (handle !== session.packetDataHandle && handle !== 0xffffffff) return failure(QmiError.InvalidHandle);
        this.sessionTable.delete(key);
        return { after: () => this.sendPacketServiceStatus(client, 'disconnected', session.ipFamily, 2) };
      }
      case wds.wdsGetPacketServiceStatus.id:
        return { fields: { connectionStatus: session ? 'connected' : 'disconnected' } };
      case wds.wdsGetCurrentSettings.id:
        return session ? { fields: this.currentSettings(session, fields.requestedSettings) } : failure(QmiError.OutOfCall);
      case wds.wdsGetPacketStatistics.id:
        return session ? { fields: this.packetStatistics(session, fields.mask) } : failure(QmiError.OutOfCall);
      default:
        return failure(QmiError.InvalidQmiCommand);
    }
  }

  private startNetwork(client: ClientState, key: string, existing: PdnSession | undefined, fields: Fields): Reply {
    if (existing) return failure(QmiError.NoEffect);
    const failureBehaviour = this.behaviour.startNetworkFailure;
    if (failureBehaviour && (failureBehaviour.apn === undefined || failureBehaviour.apn === fields.apn)) {
      const failed: Fields = { callEndReason: failureBehaviour.callEndReason };
      if (failureBehaviour.verbose) failed.verboseCallEndReason = { ...failureBehaviour.verbose };
      return { result: { status: 1, error: failureBehaviour.qmiError ?? QmiError.CallFailed }, fields: failed };
    }
    // A 3GPP profile index without an APN: the call uses the stored profile's APN; an unknown index is
    // refused as firmware does (InvalidProfile).
    let apn = typeof fields.apn === 'string' ? fields.apn : '';
    if (typeof fields.profileIndex3gpp === 'number' && fields.apn === undefined) {
      const profile = this.radio.behaviour.profiles.find((p) => p.index === fields.profileIndex3gpp);
      if (!profile) return failure(QmiError.InvalidProfile);
      apn = profile.apn;
    }
    const requested = enumNumber(fields.ipFamily);
    const ipFamily: 4 | 6 = requested === 4 || requested === 6 ? requested : client.ipFamily;
    const clash = [...this.sessionTable.values()].find((s) => s.muxId === client.muxId && s.ipFamily === ipFamily);
    if (clash) {
      // One client per IP family and mux: a second call on the same PDN is refused by the network.
      return {
        result: { status: 1, error: QmiError.CallFailed },
        fields: { callEndReason: 1, verboseCallEndReason: { type: 6, reason: 55 } },
      };
    }
    const counterKey = `${client.muxId}:${ipFamily}`;
    const index = this.sessionCounters.get(counterKey) ?? 0;
    this.sessionCounters.set(counterKey, index + 1);
    const plan = this.behaviour.addressPlan(client.muxId, ipFamily, index);
    this.handleCounter = (this.handleCounter + 1) & 0xffff;
    const session: PdnSession = {
      muxId: client.muxId,
      apn,
      ipFamily,
      packetDataHandle: (0x80000000 | (client.muxId << 16) | this.handleCounter) >>> 0,
      clientId: client.clientId,
      mtu: plan.mtu,
      traffic: { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxDropped: 0, queries: 0 },
      ...(ipFamily === 4 && plan.ipv4 ? { ipv4: structuredClone(plan.ipv4) } : {}),
      ...(ipFamily === 6 && plan.ipv6 ? { ipv6: structuredClone(plan.ipv6) } : {}),
    };
    this.sessionTable.set(key, session);
    return {
      fields: { packetDataHandle: session.packetDataHandle },
      after: () => this.sendPacketServiceStatus(client, 'connected', ipFamily),
    };
  }

  /** The counters the mask asks for, after one more interval of traffic (firmware answers only those). */
  private packetStatistics(session: PdnSession, requested: unknown): Fields {
    const mask = typeof requested === 'number' ? requested : 0;
    const t = session.traffic;
    const step = trafficInterval(session.muxId);
    t.rxPackets += step.rxPackets;
    t.txPackets += step.txPackets;
    t.rxBytes += step.rxBytes;
    t.txBytes += step.txBytes;
    t.queries += 1;
    if (t.queries % 4 === 0) t.rxDropped += 1;
    const all: Array<[number, string, number | bigint]> = [
      [1, 'txPacketsOk', t.txPackets], [2, 'rxPacketsOk', t.rxPackets], [4, 'txPacketsError', 0], [8, 'rxPacketsError', 0],
      [16, 'txOverflows', 0], [32, 'rxOverflows', 0], [64, 'txBytesOk', BigInt(t.txBytes)], [128, 'rxBytesOk', BigInt(t.rxBytes)],
      [256, 'txPacketsDropped', 0], [512, 'rxPacketsDropped', t.rxDropped],
    ];
    return Object.fromEntries(all.filter(([bit]) => (mask & bit) !== 0).map(([, name, value]) => [name, value]));
  }

  private currentSettings(session: PdnSession, requested: unknown): Fields {
    const mask = typeof requested === 'number' ? requested : 0xffffffff;
    const want = (bit: number) => (mask & bit) !== 0;
    const bits = wds.CurrentSettingsMask;
    const fields: Fields = {};
    if (want(bits.apnName)) fields.apn = session.apn;
    if (session.ipv4) {
      if (want(bits.ipAddress)) {
        fields.ipv4Address = session.ipv4.address;
        fields.ipv4SubnetMask = maskOfPrefix(session.ipv4.prefixLength);
      }
      if (want(bits.gatewayInfo)) fields.ipv4Gateway = session.ipv4.gateway;
      if (want(bits.dnsAddress)) {
        if (session.ipv4.dns[0]) fields.ipv4PrimaryDns = session.ipv4.dns[0];
        if (session.ipv4.dns[1]) fields.ipv4SecondaryDns = session.ipv4.dns[1];
      }
    }
    if (session.ipv6) {
      if (want(bits.ipAddress)) fields.ipv6Address = { address: session.ipv6.address, prefixLength: session.ipv6.prefixLength };
      if (want(bits.gatewayInfo)) fields.ipv6Gateway = { address: session.ipv6.gateway, prefixLength: session.ipv6.prefixLength };
      if (want(bits.dnsAddress)) {
        if (session.ipv6.dns[0]) fields.ipv6PrimaryDns = session.ipv6.dns[0];
        if (session.ipv6.dns[1]) fields.ipv6SecondaryDns = session.ipv6.dns[1];
      }
    }
    if (want(bits.mtu)) fields.mtu = session.mtu;
    if (want(bits.ipFamily)) fields.ipFamily = session.ipFamily;
    return fields;
  }

  private sendPacketServiceStatus(client: ClientState, status: 'connected' | 'disconnected', ipFamily: 4 | 6, callEndReason?: number): void {
    if (!client.connection.attached) return;
    const schema = wds.wdsGetPacketServiceStatus;
    const fields: Fields = { connectionStatus: { status, reconfigurationRequired: 0 }, ipFamily };
    if (callEndReason !== undefined) fields.callEndReason = callEndReason;
    const tlvs = encodeTlvs(schema.indication, fields, 'emulated Packet Service Status indication');
    client.connection.send(
      encodeFrame({ fromModem: true, service: client.service, clientId: client.clientId, kind: 'indication', transactionId: 0, messageId: schema.id, tlvs }),
    );
  }
}

/**
 * The reorderedTlvs firmware's answer: the schema TLVs in ascending id order (encodeTlvs writes them
 * descending, as libqmi does) with the vendor TLVs spliced into the middle, and the Result TLV last.
 */
function reordered(tlvs: readonly RawTlv[], vendor: readonly RawTlv[]): RawTlv[] {
  const [result, ...fields] = tlvs;
  const ascending = [...fields].reverse();
  const middle = Math.ceil(ascending.length / 2);
  return [...ascending.slice(0, middle), ...vendor, ...ascending.slice(middle), result!];
}

/** Offset from the end of the frame of the last TLV's length field (low byte). */
function tlvLengthOffset(tlvs: RawTlv[]): number {
  const last = tlvs[tlvs.length - 1]!;
  return last.value.length + 2;
}

function failure(error: number): Reply {
  return { result: { status: 1, error } };
}

/** Decoded enum fields arrive as names; the model works with numbers. */
function enumNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  for (const table of [LINK_LAYER, AGGREGATION_PROTOCOL, ENDPOINT_TYPE, { 4: 'ipv4', 6: 'ipv6', 8: 'unspecified' }, { 1: 'wds', 2: 'dms', 3: 'nas', 4: 'qos', 0x0b: 'uim', 0x1a: 'wda' }] as Array<Record<number, string>>) {
    for (const [key, name] of Object.entries(table)) if (name === value) return Number(key);
  }
  return undefined;
}

function maskOfPrefix(prefixLength: number): string {
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (mask >>> shift) & 0xff).join('.');
}

