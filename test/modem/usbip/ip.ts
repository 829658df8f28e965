/**
 * The bits of IPv4/IPv6 the emulated network needs: answer ICMP echo, build DL test packets. Checksums are
 * computed here (RFC 1071 one's complement sum; ICMPv6 over the IPv6 pseudo-header, RFC 8200 8.1).
 */

function sum16(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return fold(sum16(bytes, start, end, initial));
}

function putU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >> 8) & 0xff;
  bytes[offset + 1] = value & 0xff;
}

export function ipVersion(packet: Uint8Array): 4 | 6 | undefined {
  const v = (packet[0] ?? 0) >> 4;
  return v === 4 || v === 6 ? v : undefined;
}

/** ICMPv6 checksum over pseudo-header (src, dst, upper-layer length, next header 58) + message. */
function icmpv6Checksum(packet: Uint8Array, payloadStart: number, payloadLength: number): number {
  let sum = sum16(packet, 8, 40); // source and destination addresses
  sum += payloadLength;
  sum += 58;
  return fold(sum16(packet, payloadStart, payloadStart + payloadLength, sum));
}

/**
 * If `packet` is an ICMP echo request (v4 type 8, v6 type 128), returns the echo reply (addresses swapped,
 * checksums recomputed), else undefined. The request must be well formed; anything else is ignored.
 */
export function echoReply(packet: Uint8Array): Uint8Array | undefined {
  const version = ipVersion(packet);
  if (version === 4) {
    if (packet.length < 20) return undefined;
    const headerLength = (packet[0]! & 0x0f) * 4;
    const totalLength = (packet[2]! << 8) | packet[3]!;
    if (packet[9] !== 1 || totalLength > packet.length || headerLength + 8 > totalLength) return undefined;
    if (packet[headerLength] !== 8) return undefined;
    const reply = new Uint8Array(packet.subarray(0, totalLength)); // a copy even if packet is a Buffer
    reply.set(packet.subarray(16, 20), 12);
    reply.set(packet.subarray(12, 16), 16);
    reply[8] = 64; // TTL
    putU16(reply, 10, 0);
    putU16(reply, 10, internetChecksum(reply, 0, headerLength));
    reply[headerLength] = 0; // echo reply
    putU16(reply, headerLength + 2, 0);
    putU16(reply, headerLength + 2, internetChecksum(reply, headerLength, totalLength));
    return reply;
  }
  if (version === 6) {
    if (packet.length < 48) return undefined;
    const payloadLength = (packet[4]! << 8) | packet[5]!;
    if (packet[6] !== 58 || 40 + payloadLength > packet.length || packet[40] !== 128) return undefined;
    const reply = new Uint8Array(packet.subarray(0, 40 + payloadLength));
    reply.set(packet.subarray(24, 40), 8);
    reply.set(packet.subarray(8, 24), 24);
    reply[7] = 64; // hop limit
    reply[40] = 129;
    putU16(reply, 42, 0);
    putU16(reply, 42, icmpv6Checksum(reply, 40, payloadLength));
    return reply;
  }
  return undefined;
}

export function parseIpv4(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map((p) => Number(p) & 0xff));
}

/**
 * An IPv4 UDP datagram of exactly `totalLength` bytes (>= 28) from `source` to `destination`, port 9
 * (discard); its payload carries `sequence` so a receiver could tell datagrams apart.
 */
export function udp4Packet(source: string, destination: string, totalLength: number, sequence: number): Uint8Array {
  const length = Math.max(28, totalLength);
  const p = new Uint8Array(length);
  p[0] = 0x45;
  putU16(p, 2, length);
  putU16(p, 4, sequence & 0xffff);
  p[8] = 64;
  p[9] = 17;
  p.set(parseIpv4(source), 12);
  p.set(parseIpv4(destination), 16);
  putU16(p, 10, internetChecksum(p, 0, 20));
  putU16(p, 20, 40000);
  putU16(p, 22, 9);
  putU16(p, 24, length - 20);
  for (let i = 28; i < length; i++) p[i] = (sequence + i) & 0xff;
  // UDP checksum 0: allowed over IPv4 (RFC 768), keeps the generator cheap for 32 x 1 KiB transfers
  return p;
}
