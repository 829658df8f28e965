// WDS Get Packet Statistics on the client that owns a call: what the modem counted for that session. Asked on
// any other client it answers OutOfCall (the counters are the call's, not the PDN's).
import type { QmiClient } from '../qmi/device.js';
import type { Fields } from '../qmi/schema.js';
import { PacketStatisticsMask } from './enums.js';
import { wdsGetPacketStatistics } from './messages.js';

export interface PacketStatistics {
  txPackets: number | null;
  rxPackets: number | null;
  txErrors: number | null;
  rxErrors: number | null;
  txOverflows: number | null;
  rxOverflows: number | null;
  txBytes: bigint | null;
  rxBytes: bigint | null;
  txDropped: number | null;
  rxDropped: number | null;
}

const ALL = Object.values(PacketStatisticsMask).reduce((mask, bit) => mask | bit, 0);
/** Firmware answers 0xFFFFFFFF for a counter it does not keep. */
const UNKNOWN_U32 = 0xffffffff;

export function packetStatisticsFromFields(fields: Fields): PacketStatistics {
  const u32 = (name: string) => {
    const value = fields[name];
    return typeof value === 'number' && value !== UNKNOWN_U32 ? value : null;
  };
  const u64 = (name: string) => {
    const value = fields[name];
    return typeof value === 'bigint' ? value : null;
  };
  return {
    txPackets: u32('txPacketsOk'),
    rxPackets: u32('rxPacketsOk'),
    txErrors: u32('txPacketsError'),
    rxErrors: u32('rxPacketsError'),
    txOverflows: u32('txOverflows'),
    rxOverflows: u32('rxOverflows'),
    txBytes: u64('txBytesOk'),
    rxBytes: u64('rxBytesOk'),
    txDropped: u32('txPacketsDropped'),
    rxDropped: u32('rxPacketsDropped'),
  };
}

export async function getPacketStatistics(client: QmiClient): Promise<PacketStatistics> {
  return packetStatisticsFromFields((await client.request(wdsGetPacketStatistics, { mask: ALL })).fields);
}
