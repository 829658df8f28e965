// Shared by the QMAP tests: a seeded PRNG (failures reproduce) and random IP-looking packets.

export { seededRandom } from '../../support/random.js';

export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** A packet whose first nibble says IPv4 or IPv6 (qmimux skips anything else), then random bytes. */
export function randomIpPacket(random: () => number, length: number): Uint8Array {
  const packet = new Uint8Array(length);
  for (let i = 0; i < length; i++) packet[i] = Math.floor(random() * 256);
  if (length > 0) packet[0] = random() < 0.5 ? 0x45 : 0x60;
  return packet;
}

export function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** Builds a transfer from raw frames given as [byte0, muxId, length, ...payload bytes]. */
export function rawFrame(byte0: number, muxId: number, length: number, payload: ArrayLike<number>): number[] {
  return [byte0, muxId, length >>> 8, length & 0xff, ...Array.from(payload)];
}
