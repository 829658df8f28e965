// The device, SIM and radio side of the emulated firmware (issue #12): DMS identity and operating mode, a UIM
// card (ready, PIN required or absent), NAS registration on an emulated LTE network (optionally with 5G NR
// signal), WDS profiles. Independent of any transport: modem.ts hands it the requests it does not handle
// itself and gives it a way to send indications to a client.
//
// Like firmware: the modem registers only when online with a usable SIM; going low-power deregisters it and
// registered clients get Serving System and System Info indications when that changes; messages it does not
// model get InvalidQmiCommand (unknown message) or NotSupported (a known message for a file or feature it
// does not have).
import type { Fields, MessageSchema } from '../../../src/qmi/schema.js';
import { QmiError, QmiService } from '../../../src/qmi/enums.js';
import type { ModemBehaviour } from '../modem.js';
import * as m from './messages.js';

export type SimState = 'ready' | 'pin-required' | 'absent';

export interface RadioBehaviour {
  manufacturer: string;
  hardwareRevision: string;
  /** undefined: the SIM has no MSISDN (Get MSISDN answers NotProvisioned). */
  msisdn?: string;
  sim: SimState;
  iccid: string;
  imsi: string;
  mcc: string;
  mnc: string;
  operatorName: string;
  /** The network accepts registration (false: searching forever). */
  networkAvailable: boolean;
  /** 5G NR (NSA) beside LTE: NR5G system info and signal. */
  nr5g: boolean;
  /** nr5gRsrq: the 5G "Signal Strength Extended" TLV (dB); -11 when not given. */
  signal: { rssi: number; rsrq: number; rsrp: number; snrTenthsDb: number; nr5gRsrp: number; nr5gSnrTenthsDb: number; nr5gRsrq?: number };
  tac: number;
  cellId: number;
  /** Operating mode out of reset (0 online, 1 low-power). */
  initialOperatingMode: number;
  /** WDS profiles (3GPP). */
  profiles: Array<{ index: number; name: string; apn: string; pdpType: number }>;
}

export function defaultRadioBehaviour(): RadioBehaviour {
  return {
    manufacturer: 'Quectel',
    hardwareRevision: '10000',
    msisdn: '+15550100001',
    sim: 'ready',
    iccid: '89001012012341234012',
    imsi: '001010123456789',
    mcc: '001',
    mnc: '01',
    operatorName: 'rmnetctl lab',
    networkAvailable: true,
    nr5g: false,
    signal: { rssi: -65, rsrq: -9, rsrp: -95, snrTenthsDb: 130, nr5gRsrp: -90, nr5gSnrTenthsDb: 150 },
    tac: 0x1234,
    cellId: 0x01a2d001,
    initialOperatingMode: 0,
    profiles: [{ index: 1, name: 'internet', apn: 'internet', pdpType: 3 }],
  };
}

export interface ServiceClient {
  service: number;
  clientId: number;
  /** NAS Register Indications / UIM Register Events choices of this client. */
  registrations: Set<string>;
}

export type ServiceReply = { result?: { status: number; error: number }; fields?: Fields; after?: () => void };

export interface FirmwareHooks {
  /** Clients of `service` currently allocated. */
  clients(service: number): ServiceClient[];
  indicate(client: ServiceClient, schema: MessageSchema, fields: Fields): void;
  /** The firmware restarts (DMS Set Operating Mode reset). */
  restart(): void;
}

const fail = (error: number): ServiceReply => ({ result: { status: 1, error } });
/** QMI errors (libqmi's QmiProtocolError) the models below return besides those src/qmi/enums.ts names. */
const NotProvisioned = 16;
const DeviceNotReady = 52;
const InvalidTransition = 60;
/** No service: libqmi's NoNetworkFound. */
const NoService = 13;

/** BCD-swapped nibbles of a digit string, F-padded (EF_ICCID). */
function swappedBcd(digits: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < digits.length; i += 2) {
    const lo = parseInt(digits[i]!, 16);
    const hi = i + 1 < digits.length ? parseInt(digits[i + 1]!, 16) : 0xf;
    out.push((hi << 4) | lo);
  }
  return out;
}

/** EF_IMSI (TS 31.102 4.2.2): length, then parity/type nibble 9 (odd) or 1 (even) and the digits swapped. */
function efImsi(imsi: string): number[] {
  const first = (imsi.length % 2 === 1 ? 0x9 : 0x1) | (parseInt(imsi[0]!, 10) << 4);
  const rest = swappedBcd(imsi.slice(1));
  return [rest.length + 1, first, ...rest];
}

const USIM_AID = [0xa0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xff, 0xff, 0xff, 0xff, 0x89, 0x06, 0x19, 0x00, 0x00];

export class RadioFirmware {
  readonly behaviour: RadioBehaviour;
  private operatingMode: number;
  private registeredState = false;

  constructor(private readonly hooks: FirmwareHooks, behaviour: Partial<RadioBehaviour> = {}) {
    this.behaviour = { ...defaultRadioBehaviour(), ...behaviour };
    this.operatingMode = this.behaviour.initialOperatingMode;
    this.registeredState = this.shouldRegister();
  }

  /** What the radio state is now, for tests. */
  state(): { operatingMode: string; registered: boolean; sim: SimState } {
    return { operatingMode: m.DMS_OPERATING_MODE[this.operatingMode] ?? String(this.operatingMode), registered: this.registeredState, sim: this.behaviour.sim };
  }

  registered(): boolean {
    return this.registeredState;
  }

  /** The firmware restarted: operating mode as out of reset. */
  reset(): void {
    this.operatingMode = this.behaviour.initialOperatingMode;
    this.registeredState = this.shouldRegister();
  }

  /** Re-evaluate registration after a behaviour change (SIM removed, network lost); indicates a change. */
  update(): void {
    const next = this.shouldRegister();
    if (next === this.registeredState) return;
    this.registeredState = next;
    this.indicateRegistration();
  }

  handles(service: number): boolean {
    return service === 0x02 || service === 0x03 || service === m.UIM_SERVICE || service === 0x01;
  }

  handle(client: ServiceClient, schema: MessageSchema, fields: Fields): ServiceReply | undefined {
    switch (schema.service) {
      case 0x02:
        return this.dms(client, schema, fields);
      case 0x03:
        return this.nas(client, schema, fields);
      case m.UIM_SERVICE:
        return this.uim(client, schema, fields);
      case 0x01:
        return this.wds(schema, fields);
      default:
        return undefined;
    }
  }

  private shouldRegister(): boolean {
    return this.operatingMode === 0 && this.behaviour.sim === 'ready' && this.behaviour.networkAvailable;
  }

  // ---- DMS ----------------------------------------------------------------------------------------------
  private dms(client: ServiceClient, schema: MessageSchema, fields: Fields): ServiceReply | undefined {
    const b = this.behaviour;
    switch (schema.id) {
      case m.dmsSetEventReport.id:
        if (fields.operatingModeReporting === 1) client.registrations.add('operatingMode');
        else if (fields.operatingModeReporting === 0) client.registrations.delete('operatingMode');
        return {};
      case m.dmsGetCapabilities.id:
        return {
          fields: {
            info: {
              maxTxChannelRate: 50_000_000, maxRxChannelRate: 150_000_000, dataServiceCapability: 4, simCapability: 2,
              radioInterfaceList: b.nr5g ? ['gsm', 'umts', 'lte', '5gnr'] : ['gsm', 'umts', 'lte'],
            },
          },
        };
      case m.dmsGetManufacturer.id:
        return { fields: { manufacturer: b.manufacturer } };
      case m.dmsGetMsisdn.id:
        if (b.sim !== 'ready') return fail(DeviceNotReady);
        return b.msisdn ? { fields: { msisdn: b.msisdn } } : fail(NotProvisioned);
      case m.dmsUimGetPinStatus.id: {
        if (b.sim === 'absent') return fail(DeviceNotReady);
        const pin1 = { currentStatus: b.sim === 'pin-required' ? 'enabled-not-verified' : 'disabled', verifyRetriesLeft: 3, unblockRetriesLeft: 10 };
        return { fields: { pin1Status: pin1, pin2Status: { currentStatus: 'enabled-not-verified', verifyRetriesLeft: 3, unblockRetriesLeft: 10 } } };
      }
      case m.dmsGetHardwareRevision.id:
        return { fields: { revision: b.hardwareRevision } };
      case m.dmsGetOperatingMode.id:
        return { fields: { mode: this.operatingMode, hardwareRestrictedMode: 0 } };
      case m.dmsSetOperatingMode.id: {
        const mode = typeof fields.mode === 'number' ? fields.mode : Number(Object.entries(m.DMS_OPERATING_MODE).find(([, n]) => n === fields.mode)?.[0] ?? NaN);
        if (![0, 1, 3, 4, 6, 7].includes(mode)) return fail(QmiError.InvalidArgument);
        // Reset is accepted from offline only (ModemManager goes offline first, as firmware wants). The modem
        // restarts after answering: a real one drops off USB and re-enumerates; here every client id and
        // session is forgotten and a CTL Sync indication goes out (EmulatedModem.reset).
        if (mode === 4) {
          if (this.operatingMode !== 3) return fail(InvalidTransition);
          return { after: () => setTimeout(() => this.hooks.restart(), 0) };
        }
        const changed = mode !== this.operatingMode;
        this.operatingMode = mode;
        return {
          after: () => {
            if (changed) this.indicateOperatingMode();
            // Registration follows after a short attach, as on a network.
            setTimeout(() => this.update(), mode === 0 ? 200 : 0);
          },
        };
      }
      case m.dmsGetTime.id: {
        const units = BigInt(Date.now() - Date.UTC(1980, 0, 6)) * 4n / 5n; // 1.25 ms units
        return {
          fields: {
            deviceTime: { timeCount: { low: Number(units & 0xffffffffn), high: Number((units >> 32n) & 0xffffn) }, timeSource: 'device' },
            systemTime: BigInt(Date.now() - Date.UTC(1980, 0, 6)),
          },
        };
      }
      default:
        return undefined;
    }
  }

  private indicateOperatingMode(): void {
    for (const client of this.hooks.clients(0x02)) {
      if (client.registrations.has('operatingMode')) this.hooks.indicate(client, m.dmsSetEventReport, { operatingMode: this.operatingMode });
    }
  }

  // ---- UIM ----------------------------------------------------------------------------------------------
  cardStatus(): Fields {
    const sim = this.behaviour.sim;
    if (sim === 'absent') {
      return {
        cardStatus: {
          indexGwPrimary: 0xffff, index1xPrimary: 0xffff, indexGwSecondary: 0xffff, index1xSecondary: 0xffff,
          cards: [{ cardState: 'absent', upinState: 'not-initialized', upinRetries: 0, upukRetries: 0, errorCode: 'no-atr-received', applications: [] }],
        },
      };
    }
    const locked = sim === 'pin-required';
    return {
      cardStatus: {
        indexGwPrimary: 0x0000, index1xPrimary: 0xffff, indexGwSecondary: 0xffff, index1xSecondary: 0xffff,
        cards: [{
          cardState: 'present', upinState: 'not-initialized', upinRetries: 0, upukRetries: 0, errorCode: 0,
          applications: [{
            type: 'usim', state: locked ? 'pin1-or-upin-pin-required' : 'ready', personalizationState: locked ? 0 : 2, personalizationFeature: 0,
            personalizationRetries: 0, personalizationUnblockRetries: 0, applicationIdentifier: [...USIM_AID], upinReplacesPin1: 0,
            pin1State: locked ? 'enabled-not-verified' : 'disabled', pin1Retries: 3, puk1Retries: 10,
            pin2State: 'enabled-not-verified', pin2Retries: 3, puk2Retries: 10,
          }],
        }],
      },
    };
  }

  private uim(client: ServiceClient, schema: MessageSchema, fields: Fields): ServiceReply | undefined {
    const b = this.behaviour;
    switch (schema.id) {
      case m.uimRegisterEvents.id: {
        const value = fields.eventRegistrationMask;
        const named = Object.entries(m.UIM_EVENT_REGISTRATION).find(([, n]) => n === value)?.[0];
        const mask = typeof value === 'number' ? value : Number(named ?? 0);
        if (mask & 1) client.registrations.add('card-status');
        return { fields: { eventRegistrationMask: mask & 0x1 } };
      }
      case m.uimGetCardStatus.id:
        return { fields: this.cardStatus() };
      case m.uimGetSlotStatus.id: {
        const present = b.sim !== 'absent';
        return {
          fields: {
            physicalSlotStatus: [{ physicalCardStatus: present ? 'present' : 'absent', physicalSlotStatus: 'active', logicalSlot: 1, iccid: present ? swappedBcd(b.iccid) : [] }],
            physicalSlotInformation: [{ cardProtocol: present ? 2 : 0, validApplications: present ? 1 : 0, atrValue: present ? [0x3b, 0x9f, 0x96, 0x80, 0x1f, 0xc7] : [], isEuicc: 0 }],
          },
        };
      }
      case m.uimReadTransparent.id: {
        if (b.sim === 'absent') return fail(DeviceNotReady);
        const file = fields.file as { fileId?: number } | undefined;
        const content = this.efContent(file?.fileId ?? 0);
        if (!content) return { result: { status: 1, error: QmiError.NotSupported }, fields: { cardResult: { sw1: 0x6a, sw2: 0x82 } } };
        if (b.sim === 'pin-required' && file?.fileId !== 0x2fe2) return { result: { status: 1, error: DeviceNotReady }, fields: { cardResult: { sw1: 0x69, sw2: 0x82 } } };
        return { fields: { cardResult: { sw1: 0x90, sw2: 0x00 }, readResult: content } };
      }
      default:
        return undefined;
    }
  }

  private efContent(fileId: number): number[] | undefined {
    const b = this.behaviour;
    switch (fileId) {
      case 0x2fe2: // EF_ICCID
        return swappedBcd(b.iccid);
      case 0x6f07: // EF_IMSI
        return efImsi(b.imsi);
      case 0x6fad: // EF_AD: normal operation, length of MNC in the IMSI
        return [0x00, 0x00, 0x00, b.mnc.length];
      case 0x6f46: { // EF_SPN: display condition, name padded with 0xFF to 16 bytes
        const name = [...new TextEncoder().encode(b.operatorName)].slice(0, 16);
        return [0x01, ...name, ...new Array<number>(16 - name.length).fill(0xff)];
      }
      default:
        return undefined;
    }
  }

  /** Card Status indication to UIM clients that registered for it (the SIM changed). */
  indicateCardStatus(): void {
    for (const client of this.hooks.clients(m.UIM_SERVICE)) {
      if (client.registrations.has('card-status')) this.hooks.indicate(client, m.uimCardStatusIndication, this.cardStatus());
    }
  }

  // ---- NAS ----------------------------------------------------------------------------------------------
  private nas(client: ServiceClient, schema: MessageSchema, fields: Fields): ServiceReply | undefined {
    switch (schema.id) {
      case m.nasRegisterIndications.id:
        for (const name of ['servingSystemEvents', 'systemInfo', 'signalInfo']) {
          if (fields[name] === 1) client.registrations.add(name);
          else if (fields[name] === 0) client.registrations.delete(name);
        }
        return {};
      case m.nasGetServingSystem.id:
        return { fields: this.servingSystem() };
      case m.nasGetSystemInfo.id:
        return { fields: this.systemInfo() };
      case m.nasGetHomeNetwork.id:
        if (this.behaviour.sim !== 'ready') return fail(DeviceNotReady);
        return { fields: { homeNetwork: this.plmn() } };
      case m.nasGetSignalStrength.id: {
        if (!this.registeredState) return fail(NoService);
        const s = this.behaviour.signal;
        return {
          fields: {
            signalStrength: { strength: m.s8(s.rssi), radioInterface: 'lte' },
            rssiList: [{ rssi: -s.rssi & 0xff, radioInterface: 'lte' }],
            rsrq: { rsrq: m.s8(s.rsrq), radioInterface: 'lte' },
            lteSnr: m.s16(s.snrTenthsDb),
            lteRsrp: m.s16(s.rsrp),
          },
        };
      }
      case m.nasGetSignalInfo.id:
        if (!this.registeredState) return fail(NoService);
        return { fields: this.signalInfo() };
      case m.nasConfigSignalInfo.id:
        return {};
      default:
        return undefined;
    }
  }

  private plmn(): Fields[string] {
    return { mcc: Number(this.behaviour.mcc), mnc: Number(this.behaviour.mnc), description: this.behaviour.operatorName };
  }

  servingSystem(): Fields {
    const on = this.registeredState;
    const searching = this.operatingMode === 0 && this.behaviour.sim === 'ready';
    const fields: Fields = {
      servingSystem: {
        registrationState: on ? 'registered' : searching ? 'not-registered-searching' : 'not-registered',
        csAttachState: on ? 'attached' : 'detached',
        psAttachState: on ? 'attached' : 'detached',
        selectedNetwork: on ? '3gpp' : 'unknown',
        radioInterfaces: on ? ['lte'] : [],
      },
    };
    if (on) {
      fields.roamingIndicator = 1; // off: home network
      fields.dataServiceCapability = [11]; // lte
      fields.currentPlmn = this.plmn();
      fields.cid3gpp = this.behaviour.cellId;
      fields.lteTac = this.behaviour.tac;
    }
    return fields;
  }

  systemInfo(): Fields {
    const on = this.registeredState;
    const status = on ? 'available' : 'none';
    const fields: Fields = { lteServiceStatus: { serviceStatus: status, trueServiceStatus: status, preferredDataPath: 0 } };
    if (on) {
      const info = (cid: number) => ({
        domainValid: 1, domain: 'cs-ps', serviceCapabilityValid: 1, serviceCapability: 'cs-ps', roamingStatusValid: 1, roamingStatus: 0,
        forbiddenValid: 1, forbidden: 0, lacValid: 0, lac: 0, cidValid: 1, cid, registrationRejectInfoValid: 0, registrationRejectDomain: 'none',
        registrationRejectCause: 0, networkIdValid: 1, mcc: m.plmnDigits(this.behaviour.mcc), mnc: m.plmnDigits(this.behaviour.mnc), tacValid: 1, tac: this.behaviour.tac,
      });
      fields.lteSystemInfo = info(this.behaviour.cellId);
      if (this.behaviour.nr5g) {
        fields.eutraWithNr5gAvailability = 1;
        fields.nr5gServiceStatus = { serviceStatus: 'available', trueServiceStatus: 'available', preferredDataPath: 0 };
      }
    }
    return fields;
  }

  signalInfo(): Fields {
    const s = this.behaviour.signal;
    const fields: Fields = { lteSignalStrength: { rssi: m.s8(s.rssi), rsrq: m.s8(s.rsrq), rsrp: m.s16(s.rsrp), snr: m.s16(s.snrTenthsDb) } };
    if (this.behaviour.nr5g) {
      fields.nr5gSignalStrength = { rsrp: m.s16(s.nr5gRsrp), snr: m.s16(s.nr5gSnrTenthsDb) };
      fields.nr5gSignalStrengthExtended = m.s16(s.nr5gRsrq ?? -11); // the 5G RSRQ, libqmi: "5G Signal Strength Extended"
    }
    return fields;
  }

  private indicateRegistration(): void {
    for (const client of this.hooks.clients(0x03)) {
      if (client.registrations.has('servingSystemEvents')) this.hooks.indicate(client, m.nasGetServingSystem, this.servingSystem());
      if (client.registrations.has('systemInfo')) this.hooks.indicate(client, m.nasSystemInfoIndication, this.systemInfo());
      if (this.registeredState && client.registrations.has('signalInfo')) this.hooks.indicate(client, m.nasSignalInfoIndication, this.signalInfo());
    }
  }

  // ---- WDS (profiles; sessions and their packet statistics stay in modem.ts) -----------------------------
  private wds(schema: MessageSchema, fields: Fields): ServiceReply | undefined {
    const profiles = this.behaviour.profiles;
    const settings = (p: RadioBehaviour['profiles'][number]): Fields => ({ profileName: p.name, pdpType: p.pdpType, apnName: p.apn, authentication: 0, pdpContextNumber: p.index });
    switch (schema.id) {
      case m.wdsSetEventReport.id:
      case m.wdsIndicationRegister.id:
        return {};
      case m.wdsGetProfileList.id: {
        const type = fields.profileType;
        if (type !== undefined && type !== '3gpp' && type !== 0) return { fields: { profileList: [] } };
        return { fields: { profileList: profiles.map((p) => ({ profileType: '3gpp', profileIndex: p.index, profileName: p.name })) } };
      }
      case m.wdsGetProfileSettings.id: {
        const id = fields.profileId as { profileType?: unknown; profileIndex?: number } | undefined;
        const profile = profiles.find((p) => p.index === id?.profileIndex);
        return profile ? { fields: settings(profile) } : fail(QmiError.InvalidArgument);
      }
      case m.wdsGetDefaultSettings.id: {
        const profile = profiles[0];
        return profile ? { fields: settings(profile) } : fail(QmiError.InvalidArgument);
      }
      default:
        return undefined;
    }
  }
}

// ---- Firmware profiles -----------------------------------------------------------------------------------
// Named behaviours of real firmware, one entry each, chosen with EmulatedModem.withFirmware(name) (tests) or
// serve.js --firmware NAME. An entry overrides the defaults; what it leaves out stays as defaultBehaviour().

export interface FirmwareProfile {
  /** What real firmware it models, for --help and test names. */
  description: string;
  modem?: Partial<ModemBehaviour>;
  radio?: Partial<RadioBehaviour>;
}

export const FIRMWARE_PROFILES: Record<string, FirmwareProfile> = {};

// Firmware that answers what a data call needs and refuses the optional questions: no DMS Get Revision or
// Get IDs (IMEI), no WDS Get Packet Service Status or Get Packet Statistics (polling them is optional; the
// indications still come). Get Model, WDA Get/Set Data Format and the WDS session messages are answered.
FIRMWARE_PROFILES['refuses-optional'] = {
  description: 'refuses optional messages: DMS Get Revision, Get IDs, WDS Get Packet Service Status, Get Packet Statistics',
  modem: {
    refusedMessages: {
      'dms:Get Revision': QmiError.InvalidQmiCommand,
      'dms:Get IDs': QmiError.NotSupported,
      'wds:Get Packet Service Status': QmiError.InvalidQmiCommand,
      'wds:Get Packet Statistics': QmiError.NotSupported,
    },
  },
};

/** Aggregation protocols as WDA numbers them (PROTOCOL.md): 0 disabled, 5 QMAP (v1), 8 QMAPv4, 9 QMAPv5. */
const DISABLED = 0;
const QMAP = 5;
const QMAPV4 = 8;
const QMAPV5 = 9;

// Quectel EC25-E in a Teltonika RUT240 (openwrt/packages#30185, FIELD.md): refuses QMAPv5 and QMAPv4,
// accepts QMAPv1, and clamps DL aggregation as Quectel modules were seen to (asked 32 / 31744, granted
// 10 / 4096, read back the same). The refusal is modelled as an error result, the strictest form. The
// service versions are those the RUT240's CTL Get Version Info listed in that thread.
FIRMWARE_PROFILES['ec25-e-qmap-v1'] = {
  description: 'Quectel EC25-E (openwrt/packages#30185): QMAPv1 only, QMAPv5/v4 refused with an error, DL clamped to 10 datagrams / 4096 bytes',
  modem: {
    model: 'EC25',
    revision: 'EC25EFAR06A06M4G-EMU',
    supportedAggregation: [DISABLED, QMAP],
    unsupportedAggregation: 'error',
    downlinkMaxDatagrams: 10,
    downlinkMaxSize: 4096,
    versions: [
      { service: QmiService.CTL, major: 1, minor: 5 },
      { service: QmiService.WDS, major: 1, minor: 67 },
      { service: QmiService.DMS, major: 1, minor: 0 },
      { service: QmiService.NAS, major: 1, minor: 25 },
      { service: QmiService.QOS, major: 1, minor: 12 },
      { service: m.UIM_SERVICE, major: 1, minor: 46 },
      { service: QmiService.WDA, major: 1, minor: 16 },
    ],
  },
  radio: { manufacturer: 'Quectel' },
};

// An SDX55-class 5G modem (Fibocom FM150-AE in FIELD.md's debug logs): QMAPv5 granted with a 32768-byte DL,
// above rmnet's 16384 link rule, so the parent MTU has to grow after the links exist. (That FM150-AE also
// crashed when connecting with aggregation on; a crash is not modelled.) 5G NR (NSA) beside LTE.
FIRMWARE_PROFILES['sdx55-qmapv5'] = {
  description: 'SDX55-class 5G modem (Fibocom FM150-AE, FIELD.md): QMAPv5 granted 32 datagrams / 32768 bytes, 5G NR NSA',
  modem: {
    model: 'FM150-AE',
    revision: 'FM150AE-EMU', // not a published revision string
    supportedAggregation: [DISABLED, QMAP, QMAPV4, QMAPV5],
    downlinkMaxDatagrams: 32,
    downlinkMaxSize: 32768,
  },
  radio: { manufacturer: 'Fibocom', nr5g: true },
};

// Firmware that echoes DL size 0 (FIELD.md: the "4-byte URB storm" wwand's docs describe): it "grants" QMAP
// aggregation with transfers too small for any packet. rmnetctl treats that rung as unusable (GRANT_RULES
// in src/wda/ladder.ts); with every aggregating rung so granted and a mux asked for, up refuses.
FIRMWARE_PROFILES['dl-grant-zero'] = {
  description: 'grants QMAP/QMAPv5 DL aggregation of 0 bytes (FIELD.md: the "4-byte URB storm")',
  modem: { downlinkMaxSize: 0 },
};

// Firmware that grants one DL datagram per transfer (with a full-size transfer): aggregation in name only.
// It works, one packet per transfer; rmnetctl takes it and says so in the decision line.
FIRMWARE_PROFILES['dl-grant-one'] = {
  description: 'grants QMAPv5 DL aggregation of 1 datagram per transfer (aggregation in name only)',
  modem: { downlinkMaxDatagrams: 1 },
};

// Firmware older than WDA: Allocate CID for WDA answers InvalidServiceType and Get Version Info does not
// list it (the versions below are illustrative, not one published modem's), so the data format cannot be
// set through WDA and no mux can be bound: one PDN on the parent is all such a modem carries (FIELD.md
// notes the older CTL Set Data Format path, which rmnetctl does not use).
FIRMWARE_PROFILES['no-wda'] = {
  description: 'old firmware without WDA: CTL Allocate CID (WDA) answers InvalidServiceType; raw-ip on the parent only',
  modem: {
    services: [QmiService.WDS, QmiService.DMS, QmiService.NAS, QmiService.QOS, m.UIM_SERVICE],
    versions: [
      { service: QmiService.CTL, major: 1, minor: 4 },
      { service: QmiService.WDS, major: 1, minor: 12 },
      { service: QmiService.DMS, major: 1, minor: 5 },
      { service: QmiService.NAS, major: 1, minor: 8 },
      { service: QmiService.QOS, major: 1, minor: 2 },
      { service: m.UIM_SERVICE, major: 1, minor: 4 },
    ],
  },
};

// Firmware with a smaller client table: 8 client ids per service, then ClientIdsExhausted (libqmi's error
// 5). Each IP family of a PDN holds one WDS client, so the 9th family is refused.
FIRMWARE_PROFILES['wds-8-clients'] = {
  description: 'hands out 8 client ids per service, then ClientIdsExhausted',
  modem: { maxClientsPerService: 8 },
};

// Firmware that writes response TLVs in another order (the Result TLV last) and adds vendor TLVs (0xE0..)
// to WDA Get/Set Data Format, WDS Start Network and Get Current Settings (FIELD.md: TLVs out of order and an
// unknown TLV on a UIM response). A host must look TLVs up by id and skip the ones it does not know.
FIRMWARE_PROFILES['reordered-tlvs'] = {
  description: 'response TLVs in reverse order (Result last) and vendor TLVs 0xE0.. on WDA and WDS answers (FIELD.md)',
  modem: { reorderedTlvs: true },
};

export function firmwareProfile(name: string): FirmwareProfile {
  const profile = FIRMWARE_PROFILES[name];
  if (!profile) throw new Error(`unknown firmware profile "${name}" (known: ${Object.keys(FIRMWARE_PROFILES).join(', ') || 'none'})`);
  return profile;
}
/** A 5G NR (EN-DC) module on an LTE anchor, as an RM500Q-class modem reports it: for `new EmulatedModem({}, NR5G_NSA_RADIO)`. */
export const NR5G_NSA_RADIO: Partial<RadioBehaviour> = {
  hardwareRevision: '20000',
  nr5g: true,
  signal: { rssi: -61, rsrq: -10, rsrp: -92, snrTenthsDb: 115, nr5gRsrp: -84, nr5gSnrTenthsDb: 182, nr5gRsrq: -12 },
};
