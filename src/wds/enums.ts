// WDS enum tables, named as libqmi prints them (libqmi 1.32). Call end reasons: call-end.ts.
import type { EnumTable } from '../qmi/schema.js';

/** WDS IP family (Set IP Family, Start Network 0x19, indications, current settings). */
export const IP_FAMILY: EnumTable = { 0: 'unknown', 4: 'ipv4', 6: 'ipv6', 8: 'unspecified' };

export const PACKET_SERVICE_STATUS: EnumTable = { 0: 'unknown', 1: 'disconnected', 2: 'connected', 3: 'suspended', 4: 'authenticating' };

export const WDS_CLIENT_TYPE: EnumTable = { 1: 'tethered' };
export const AUTHENTICATION: EnumTable = { 0: 'none', 1: 'pap', 2: 'chap', 3: 'both' };
