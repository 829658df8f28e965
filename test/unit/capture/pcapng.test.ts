// The pcapng writer's output read back by an independent reader (Debian's python3-dpkt): the interfaces with
// their link types and names, every packet on the right interface with its bytes, lengths and timestamp.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LINKTYPE_RAW, LINKTYPE_USER0, PcapngWriter } from '../../../src/capture/index.js';

const PYTHON = '/usr/bin/python3';
// dpkt's pcapng.Reader reads only the first IDB, so the blocks are walked here and each one is decoded by
// dpkt's own block classes (SHB, IDB, EPB little-endian); the interface of each packet comes from its EPB.
const SCRIPT = `
import sys, json, struct, dpkt
from dpkt import pcapng as p
data = sys.stdin.buffer.read()
at = 0
ifaces, packets = [], []
shb = p.SectionHeaderBlockLE(data[:struct.unpack('<I', data[4:8])[0]])
assert shb.bom == p.BYTE_ORDER_MAGIC_LE or shb.bom == p.BYTE_ORDER_MAGIC, hex(shb.bom)
at = shb.len
while at < len(data):
    kind, length = struct.unpack('<II', data[at:at + 8])
    buf = data[at:at + length]
    if kind == p.PCAPNG_BT_IDB:
        i = p.InterfaceDescriptionBlockLE(buf)
        ifaces.append({"linktype": i.linktype, "name": next((bytes(o.data).decode() for o in i.opts if o.code == p.PCAPNG_OPT_IF_NAME), None)})
    elif kind == p.PCAPNG_BT_EPB:
        e = p.EnhancedPacketBlockLE(buf)
        packets.append({"iface": e.iface_id, "ts": ((e.ts_high << 32) | e.ts_low) / 1e6, "caplen": e.caplen, "len": e.pkt_len, "hex": bytes(e.pkt_data).hex()})
    at += length
out = {"interfaces": ifaces, "packets": packets}
ip = dpkt.ip.IP(bytes.fromhex(packets[0]["hex"]))
out["first"] = {"src": ".".join(map(str, ip.src)), "dst": ".".join(map(str, ip.dst)), "p": ip.p}
print(json.dumps(out))
`;

function dpkt(input: Uint8Array): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-c', SCRIPT], (error, stdout, stderr) => {
      if (error) reject(new Error(`dpkt: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout));
    });
    child.stdin!.end(Buffer.from(input));
  });
}

/** A minimal IPv4/ICMP echo request from 10.0.0.2 to 192.0.2.1 (checksums are not checked by the reader). */
function ipv4(payloadLength: number): Uint8Array {
  const total = 20 + 8 + payloadLength;
  const p = new Uint8Array(total);
  p[0] = 0x45;
  p[2] = total >> 8;
  p[3] = total & 0xff;
  p[8] = 64;
  p[9] = 1;
  p.set([10, 0, 0, 2], 12);
  p.set([192, 0, 2, 1], 16);
  p[20] = 8;
  for (let i = 28; i < total; i++) p[i] = i & 0xff;
  return p;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

describe('PcapngWriter', () => {
  it('writes interfaces and packets that dpkt decodes back exactly', async () => {
    const chunks: Uint8Array[] = [];
    const writer = new PcapngWriter((c) => chunks.push(c));
    const mux1 = writer.addInterface({ name: 'mux 1', linkType: LINKTYPE_RAW });
    const mux2 = writer.addInterface({ name: 'mux 2', linkType: LINKTYPE_RAW });
    const raw = writer.addInterface({ name: 'qmap', linkType: LINKTYPE_USER0 });
    expect([mux1, mux2, raw]).toEqual([0, 1, 2]);
    // Odd lengths exercise the 4-byte padding; a subarray with an offset exercises offset/length.
    const a = ipv4(1);
    const b = ipv4(30);
    const framed = concat([Uint8Array.of(0, 1, 0, b.length), b, Uint8Array.of(9, 9)]);
    writer.packet(mux1, 1_700_000_000_123_456n, a);
    writer.packet(mux2, 1_700_000_000_223_456n, framed, 4, b.length);
    writer.packet(raw, 1_700_000_001_000_000n, framed);
    const decoded = await dpkt(concat(chunks));
    expect(decoded.interfaces).toEqual([
      { linktype: 101, name: 'mux 1' },
      { linktype: 101, name: 'mux 2' },
      { linktype: 147, name: 'qmap' },
    ]);
    expect(decoded.packets.map((p: any) => p.hex)).toEqual([
      Buffer.from(a).toString('hex'),
      Buffer.from(b).toString('hex'),
      Buffer.from(framed).toString('hex'),
    ]);
    expect(decoded.packets.map((p: any) => [p.iface, p.caplen, p.len])).toEqual([
      [0, a.length, a.length],
      [1, b.length, b.length],
      [2, framed.length, framed.length],
    ]);
    expect(decoded.packets[0].ts).toBeCloseTo(1_700_000_000.123456, 5);
    expect(decoded.packets[1].ts).toBeCloseTo(1_700_000_000.223456, 5);
    expect(decoded.first).toEqual({ src: '10.0.0.2', dst: '192.0.2.1', p: 1 });
  });

  it('refuses a packet on an interface it never described', () => {
    const writer = new PcapngWriter(() => {});
    expect(() => writer.packet(0, 0n, new Uint8Array(1))).toThrow(/interface 0/);
  });

  it('frames every block with equal leading and trailing lengths, a multiple of 4', () => {
    const chunks: Uint8Array[] = [];
    const writer = new PcapngWriter((c) => chunks.push(c));
    writer.addInterface({ name: 'mux 17', linkType: LINKTYPE_RAW });
    writer.packet(0, 5n, ipv4(3));
    for (const c of chunks) {
      const v = new DataView(c.buffer, c.byteOffset, c.byteLength);
      expect(c.length % 4).toBe(0);
      expect(v.getUint32(4, true)).toBe(c.length);
      expect(v.getUint32(c.length - 4, true)).toBe(c.length);
    }
  });

  it('batching gives the same bytes as a chunk per block, zeroes a reused pad, and only on flush', () => {
    const write = (writer: PcapngWriter) => {
      const a = writer.addInterface({ name: 'mux1 (wwan0.1)', linkType: LINKTYPE_RAW });
      for (let i = 0; i < 3000; i++) writer.packet(a, 1_700_000_000_000_000 + i, ipv4(i % 7), 0, 28 + (i % 7));
    };
    const single: Uint8Array[] = [];
    write(new PcapngWriter((c) => single.push(c)));
    const batched: Uint8Array[] = [];
    const writer = new PcapngWriter((c) => batched.push(c.slice()), undefined, { batch: true });
    write(writer);
    expect(batched).toHaveLength(0);
    writer.flush();
    expect(Buffer.concat(batched).equals(Buffer.concat(single))).toBe(true);
    // Over 1 MiB of packets: the batch hands on full chunks by itself, and the bytes still agree.
    const big: Uint8Array[] = [];
    const many: Uint8Array[] = [];
    const bw = new PcapngWriter((c) => big.push(c.slice()), undefined, { batch: true });
    const sw = new PcapngWriter((c) => many.push(c));
    for (const w of [bw, sw]) {
      const id = w.addInterface({ name: 'mux2', linkType: LINKTYPE_RAW });
      for (let i = 0; i < 1200; i++) w.packet(id, BigInt(i), ipv4(1000 + (i % 3)), 0, 1025 + (i % 3));
    }
    bw.flush();
    expect(big.length).toBeGreaterThan(1);
    expect(Buffer.concat(big).equals(Buffer.concat(many))).toBe(true);
  });
});
