// WDS enum tables, named as libqmi prints them (libqmi 1.32). Call end reasons: call-end.ts.
import type { EnumTable } from '../qmi/schema.js';

/** WDS IP family (Set IP Family, Start Network 0x19, indications, current settings). */
export const IP_FAMILY: EnumTable = { 0: 'unknown', 4: 'ipv4', 6: 'ipv6', 8: 'unspecified' };

export const PACKET_SERVICE_STATUS: EnumTable = { 0: 'unknown', 1: 'disconnected', 2: 'connected', 3: 'suspended', 4: 'authenticating' };

export const WDS_CLIENT_TYPE: EnumTable = { 1: 'tethered' };
export const AUTHENTICATION: EnumTable = { 0: 'none', 1: 'pap', 2: 'chap', 3: 'both' };

/** QmiWdsPacketStatisticsMaskFlag: which counters Get Packet Statistics should report. */
export const PacketStatisticsMask = {
  txPacketsOk: 1 << 0, rxPacketsOk: 1 << 1, txPacketsError: 1 << 2, rxPacketsError: 1 << 3, txOverflows: 1 << 4, rxOverflows: 1 << 5,
  txBytesOk: 1 << 6, rxBytesOk: 1 << 7, txPacketsDropped: 1 << 8, rxPacketsDropped: 1 << 9,
} as const;
/** The flag names libqmi prints for the mask, lowest bit first. */
export const PACKET_STATISTICS_FLAGS: EnumTable = {
  1: 'tx-packets-ok', 2: 'rx-packets-ok', 4: 'tx-packets-error', 8: 'rx-packets-error', 16: 'tx-overflows', 32: 'rx-overflows',
  64: 'tx-bytes-ok', 128: 'rx-bytes-ok', 256: 'tx-packets-dropped', 512: 'rx-packets-dropped',
};
