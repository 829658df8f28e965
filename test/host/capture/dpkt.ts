// Reads a pcapng file with Debian's python3-dpkt (an independent reader): every interface with its link type
// and name, and each packet's interface, length and bytes. dpkt's pcapng.Reader reads only the first IDB, so
// the blocks are walked here and each is decoded by dpkt's own block classes (as test/unit/capture does).
import { execFile } from 'node:child_process';

const SCRIPT = `
import sys, json, struct, dpkt
from dpkt import pcapng as p
data = open(sys.argv[1], 'rb').read()
shb = p.SectionHeaderBlockLE(data[:struct.unpack('<I', data[4:8])[0]])
at = shb.len
ifaces, packets = [], []
while at < len(data):
    kind, length = struct.unpack('<II', data[at:at + 8])
    buf = data[at:at + length]
    if len(buf) < length:
        raise SystemExit('truncated block at %d' % at)
    if kind == p.PCAPNG_BT_IDB:
        i = p.InterfaceDescriptionBlockLE(buf)
        ifaces.append({"linktype": i.linktype, "name": next((bytes(o.data).decode() for o in i.opts if o.code == p.PCAPNG_OPT_IF_NAME), None)})
    elif kind == p.PCAPNG_BT_EPB:
        e = p.EnhancedPacketBlockLE(buf)
        ip = dpkt.ip.IP(bytes(e.pkt_data))
        packets.append({"iface": e.iface_id, "len": e.pkt_len, "hex": bytes(e.pkt_data).hex(), "ipLen": ip.len, "ts": ((e.ts_high << 32) | e.ts_low) / 1e6})
    at += length
print(json.dumps({"interfaces": ifaces, "packets": packets}))
`;

export interface DpktCapture {
  interfaces: { linktype: number; name: string | null }[];
  packets: { iface: number; len: number; hex: string; ipLen: number; ts: number }[];
}

export function readPcapng(path: string): Promise<DpktCapture> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', ['-c', SCRIPT, path], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`dpkt: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as DpktCapture);
    });
  });
}

/** Packets per interface name, as hex, in file order. */
export function byInterface(capture: DpktCapture): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const packet of capture.packets) {
    const name = capture.interfaces[packet.iface]!.name ?? `#${packet.iface}`;
    out.set(name, [...(out.get(name) ?? []), packet.hex]);
  }
  return out;
}
