// The NAS answers as domain values: registration (state, access technology, PLMN, roaming) from Get Serving
// System and Get System Info, signal in dBm and dB from Get Signal Info. Signed fields travel as u8/u16 in
// the schemas (nas/messages.ts); they are read as two's complement here.
import type { QmiClient } from '../qmi/device.js';
import { enumField, numberField, structField } from '../qmi/fields.js';
import type { FieldValue, Fields } from '../qmi/schema.js';
import { nasGetServingSystem, nasGetSignalInfo, nasGetSystemInfo } from './messages.js';

const int8 = (n: number) => (n << 24) >> 24;
const int16 = (n: number) => (n << 16) >> 16;
/** Get Signal Info's "not measured" (EN-DC without an NR measurement). */
const NOT_MEASURED = -32768;

/** The access technology, as one word: 'lte', '5gnr' (standalone), '5gnr-nsa' (LTE anchor with an NR leg), 'umts', ... */
export type AccessTechnology = string;

export interface Registration {
  /** libqmi's QmiNasRegistrationState name: registered, not-registered-searching, registration-denied, ... */
  state: string;
  /** null when not registered. */
  technology: AccessTechnology | null;
  /** The serving PLMN as digit strings ("001", "01"); null when not registered. */
  mcc: string | null;
  mnc: string | null;
  /** null when the modem did not say. */
  roaming: boolean | null;
}

export interface ServingSystem {
  state: string;
  radioInterfaces: string[];
  mcc: number | null;
  mnc: number | null;
  roaming: boolean | null;
}

export function servingSystemFromFields(fields: Fields): ServingSystem {
  const serving = structField(fields, 'servingSystem');
  const state = serving?.registrationState;
  const interfaces = Array.isArray(serving?.radioInterfaces) ? serving.radioInterfaces : [];
  const plmn = structField(fields, 'currentPlmn');
  const roaming = enumField(fields, 'roamingIndicator');
  return {
    state: state === undefined ? 'unknown' : String(state),
    radioInterfaces: interfaces.map(String),
    mcc: typeof plmn?.mcc === 'number' ? plmn.mcc : null,
    mnc: typeof plmn?.mnc === 'number' ? plmn.mnc : null,
    // QmiNasRoamingIndicatorStatus: 'on' is roaming, 'off' is home; other values (flashing, ...) say nothing.
    roaming: roaming === 'on' ? true : roaming === 'off' ? false : null,
  };
}

export interface SystemInfo {
  lte: { available: boolean; mcc: string | null; mnc: string | null; roaming: boolean | null } | null;
  nr5g: { available: boolean; mcc: string | null; mnc: string | null; roaming: boolean | null } | null;
  /** EN-DC: the LTE cell offers an NR leg. */
  endcAvailable: boolean;
}

function digits(value: FieldValue | undefined): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return null;
  const text = ['d0', 'd1', 'd2'].map((k) => value[k]).filter((c): c is number => typeof c === 'number' && c >= 0x30 && c <= 0x39).map((c) => String.fromCharCode(c)).join('');
  return text.length > 0 ? text : null;
}

function rat(fields: Fields, status: string, info: string): SystemInfo['lte'] {
  const service = structField(fields, status);
  if (!service) return null;
  const system = structField(fields, info);
  const networkId = system?.networkIdValid === 1;
  return {
    available: service.serviceStatus === 'available',
    mcc: networkId ? digits(system.mcc) : null,
    mnc: networkId ? digits(system.mnc) : null,
    roaming: system?.roamingStatusValid === 1 ? system.roamingStatus === 'on' || system.roamingStatus === 1 : null,
  };
}

export function systemInfoFromFields(fields: Fields): SystemInfo {
  return {
    lte: rat(fields, 'lteServiceStatus', 'lteSystemInfo'),
    nr5g: rat(fields, 'nr5gServiceStatus', 'nr5gSystemInfo'),
    endcAvailable: numberField(fields, 'eutraWithNr5gAvailability') === 1,
  };
}

/**
 * One registration out of what the modem answered (either may be missing): the state from Serving System, the
 * PLMN digits from System Info (Serving System's u16 MNC cannot tell "01" from "001"), 5G from either.
 */
export function registrationOf(serving: ServingSystem | null, system: SystemInfo | null): Registration {
  const lteOrNr = system?.nr5g?.available ? system.nr5g : system?.lte?.available ? system.lte : null;
  // The PLMN digits of whichever RAT has them (EN-DC: often only the LTE anchor reports a network id).
  const plmn = [system?.nr5g, system?.lte].find((r) => r?.available && r.mcc !== null && r.mnc !== null) ?? null;
  const registered = serving ? serving.state === 'registered' : lteOrNr !== null;
  const state = serving?.state ?? (registered ? 'registered' : 'not-registered');
  let technology: string | null = null;
  if (registered) {
    const interfaces = serving?.radioInterfaces ?? [];
    if (interfaces.includes('5gnr') && !interfaces.includes('lte')) technology = '5gnr';
    else if (system?.nr5g?.available && (system.lte?.available || interfaces.includes('lte'))) technology = '5gnr-nsa';
    else if (system?.nr5g?.available && !system.lte?.available) technology = '5gnr';
    else technology = interfaces[0] ?? (system?.lte?.available ? 'lte' : null);
  }
  const pad = (n: number | null, width: number) => (n === null ? null : String(n).padStart(width, '0'));
  return {
    state,
    technology,
    mcc: registered ? (plmn?.mcc ?? pad(serving?.mcc ?? null, 3)) : null,
    mnc: registered ? (plmn?.mnc ?? pad(serving?.mnc ?? null, 2)) : null,
    roaming: registered ? (serving?.roaming ?? lteOrNr?.roaming ?? null) : null,
  };
}

export interface Signal {
  lte: { rssiDbm: number; rsrqDb: number; rsrpDbm: number; sinrDb: number } | null;
  /** Values the modem did not measure are null. */
  nr5g: { rsrpDbm: number | null; rsrqDb: number | null; sinrDb: number | null } | null;
}

export function signalFromFields(fields: Fields): Signal {
  const lte = structField(fields, 'lteSignalStrength');
  const nr = structField(fields, 'nr5gSignalStrength');
  const nrRsrq = numberField(fields, 'nr5gSignalStrengthExtended');
  const measured = (n: number | null) => (n === null || n === NOT_MEASURED ? null : n);
  const num = (v: FieldValue | undefined) => (typeof v === 'number' ? v : null);
  const nrRsrp = measured(num(nr?.rsrp) === null ? null : int16(num(nr?.rsrp)!));
  const nrSnr = measured(num(nr?.snr) === null ? null : int16(num(nr?.snr)!));
  const nrRsrqValue = measured(nrRsrq === undefined ? null : int16(nrRsrq));
  return {
    lte:
      lte && typeof lte.rssi === 'number' && typeof lte.rsrq === 'number' && typeof lte.rsrp === 'number' && typeof lte.snr === 'number'
        ? { rssiDbm: int8(lte.rssi), rsrqDb: int8(lte.rsrq), rsrpDbm: int16(lte.rsrp), sinrDb: int16(lte.snr) / 10 }
        : null,
    nr5g:
      nr || nrRsrq !== undefined
        ? { rsrpDbm: nrRsrp, rsrqDb: nrRsrqValue, sinrDb: nrSnr === null ? null : nrSnr / 10 }
        : null,
  };
}

export async function getServingSystem(nas: QmiClient): Promise<ServingSystem> {
  return servingSystemFromFields((await nas.request(nasGetServingSystem)).fields);
}

export async function getSystemInfo(nas: QmiClient): Promise<SystemInfo> {
  return systemInfoFromFields((await nas.request(nasGetSystemInfo)).fields);
}

export async function getSignal(nas: QmiClient): Promise<Signal> {
  return signalFromFields((await nas.request(nasGetSignalInfo)).fields);
}

