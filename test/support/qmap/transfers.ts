// Seeded random QMAP transfers for the differential tests: mostly plausible frames in the version's layout, mixed
// with every kind of malformed frame the kernel has a rule for. Deterministic for a seed (test/support/random.ts),
// and cheap: payload bytes are left as they are in the pool (only the bytes a rule reads are written), so a
// million transfers cost little more than their headers.
import { seededRandom } from '../random.js';
import type { ModelVersion } from './kernel-model.js';

export interface TransferPool {
  pool: Uint8Array;
  offsets: Uint32Array;
  lengths: Uint32Array;
  /** Transfers in this fill (the arrays may be longer). */
  count: number;
}

/** A reusable pool of `capacity` transfers, each at most `maxTransfer` bytes, laid back to back. */
export function transferPool(capacity: number, maxTransfer = 8192): TransferPool {
  return {
    pool: new Uint8Array(capacity * maxTransfer),
    offsets: new Uint32Array(capacity),
    lengths: new Uint32Array(capacity),
    count: 0,
  };
}

type Random = () => number;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

/** One kind of frame: writes it at `at` (at most `room` bytes) and returns the bytes written, or -1 to end the
 *  transfer there (a frame whose length runs past the end: nothing after it counts). */
type FrameKind = (g: Generator, at: number, room: number) => number;

class Generator {
  constructor(
    readonly random: Random,
    readonly data: Uint8Array,
    public version: ModelVersion,
    public links: readonly number[],
  ) {}

  /** A mux id with a link 90 % of the time, else any byte (0 and 255 included). */
  muxId(): number {
    return this.random() < 0.9 ? this.links[int(this.random, 0, this.links.length - 1)]! : int(this.random, 0, 255);
  }

  /** A payload length: small mostly (many frames per transfer), sometimes MTU-sized. */
  payload(): number {
    return this.random() < 0.9 ? int(this.random, 1, 64) : int(this.random, 65, 1500);
  }

  /**
   * A data frame in `version`'s layout, padded to 4 bytes the way the modem does. Returns its size, or 0 if it
   * does not fit in `room`. `firstByte`: the payload's first byte (an IP version nibble by default).
   */
  dataFrame(at: number, room: number, version: ModelVersion, packet: number, firstByte = -1): number {
    const pad = (4 - (packet & 3)) & 3;
    const length = packet + pad;
    const header = version === 5 ? 8 : 4;
    const size = header + length + (version === 4 ? 8 : 0);
    if (size > room) return 0;
    const d = this.data;
    const r = this.random;
    d[at] = (version === 5 ? 0x40 : 0) | pad;
    d[at + 1] = this.muxId();
    d[at + 2] = length >>> 8;
    d[at + 3] = length & 0xff;
    if (version === 5) {
      d[at + 4] = 2 << 1; // checksum offload, no further header
      d[at + 5] = r() < 0.5 ? 0x80 : 0;
      d[at + 6] = 0;
      d[at + 7] = 0;
    }
    d[at + header] = firstByte >= 0 ? firstByte : r() < 0.5 ? 0x45 : 0x60;
    if (version === 4) {
      const trailer = at + header + length;
      d[trailer] = 0;
      d[trailer + 1] = r() < 0.5 ? 0x01 : int(r, 0, 255);
    }
    return size;
  }

  /** A command frame: command bit, no v5 header, a v4 trailer. Sometimes with the next-header bit too. */
  commandFrame(at: number, room: number, length: number): number {
    const size = 4 + length + (this.version === 4 ? 8 : 0);
    if (size > room) return 0;
    const d = this.data;
    d[at] = 0x80 | (this.random() < 0.2 ? 0x40 : 0) | (this.random() < 0.8 ? 0 : int(this.random, 0, 3));
    d[at + 1] = int(this.random, 0, 255);
    d[at + 2] = length >>> 8;
    d[at + 3] = length & 0xff;
    return size;
  }
}

/** Frame kinds and their weights: the mix every transfer is drawn from. */
const KINDS: Array<[weight: number, name: string, write: FrameKind]> = [
  [40, 'data', (g, at, room) => g.dataFrame(at, room, g.version, g.payload())],
  [4, 'not IP', (g, at, room) => g.dataFrame(at, room, g.version, g.payload(), int(g.random, 0, 255))],
  [5, 'command', (g, at, room) => g.commandFrame(at, room, 4 * int(g.random, 1, 4))],
  [2, 'command, zero length', (g, at, room) => g.commandFrame(at, room, 0)],
  [
    4,
    'zero length',
    (g, at, room) => {
      const size = g.dataFrame(at, room, g.version, 4);
      if (size === 0) return 0;
      g.data[at] = g.data[at]! & 0xc0;
      g.data[at + 2] = g.data[at + 3] = 0;
      return size - 4; // the extras of the layout stay, the 4 payload bytes go
    },
  ],
  [
    4,
    'pad >= length',
    (g, at, room) => {
      const size = g.dataFrame(at, room, g.version, 4 * int(g.random, 1, 2));
      if (size !== 0) g.data[at] = (g.data[at]! & 0xc0) | int(g.random, (g.data[at + 3]! & 0x3f) || 1, 63);
      return size;
    },
  ],
  [
    3,
    'pad < length, not the modem\'s',
    (g, at, room) => {
      const size = g.dataFrame(at, room, g.version, g.payload());
      if (size !== 0) g.data[at] = (g.data[at]! & 0xc0) | int(g.random, 0, 3);
      return size;
    },
  ],
  [
    5,
    'v5 layout without the next-header bit',
    (g, at, room) => {
      const size = g.dataFrame(at, room, 5, g.payload());
      if (size !== 0) g.data[at] = g.data[at]! & ~0x40;
      return size;
    },
  ],
  [
    3,
    'v5 header of another type',
    (g, at, room) => {
      const size = g.dataFrame(at, room, 5, g.payload());
      if (size !== 0) g.data[at + 4] = int(g.random, 0, 255) ^ (g.random() < 0.5 ? 0 : 0x01);
      return size;
    },
  ],
  [3, 'another version\'s layout', (g, at, room) => g.dataFrame(at, room, ([1, 4, 5] as const)[int(g.random, 0, 2)]!, g.payload())],
  [
    3,
    'header bit flipped',
    (g, at, room) => {
      const size = g.dataFrame(at, room, g.version, g.payload());
      if (size !== 0) {
        const i = at + int(g.random, 0, 4);
        g.data[i] = g.data[i]! ^ (1 << int(g.random, 0, 7));
      }
      return size;
    },
  ],
  [
    2,
    'length past the end',
    (g, at, room) => {
      if (room < 4) return 0;
      const d = g.data;
      d[at] = g.version === 5 ? 0x40 : 0;
      d[at + 1] = g.muxId();
      const length = int(g.random, room - 3, room + 2000); // sometimes it just fits: a frame that ends exactly
      d[at + 2] = (length >>> 8) & 0xff;
      d[at + 3] = length & 0xff;
      return -1;
    },
  ],
  [
    2,
    'garbage',
    (g, at, room) => {
      const n = Math.min(room, int(g.random, 1, 12));
      for (let i = 0; i < n; i++) g.data[at + i] = int(g.random, 0, 255);
      return n;
    },
  ],
];
const TOTAL_WEIGHT = KINDS.reduce((sum, [w]) => sum + w, 0);

/** The kind names, for messages. */
export const FRAME_KINDS = KINDS.map(([, name]) => name);

function pickKind(random: Random): FrameKind {
  let x = random() * TOTAL_WEIGHT;
  for (const [weight, , write] of KINDS) {
    x -= weight;
    if (x < 0) return write;
  }
  return KINDS[0]![2];
}

/**
 * Fills `pool` with `count` transfers for `version` (links: the mux ids that have a link), deterministically for
 * `seed`. Each transfer: 0..16 frames of the mix, then sometimes cut short at a random byte or followed by 1..5
 * stray bytes.
 */
export function fillTransfers(pool: TransferPool, count: number, seed: number, version: ModelVersion, links: readonly number[]): void {
  const random = seededRandom(seed);
  const maxTransfer = Math.floor(pool.pool.length / pool.offsets.length);
  const g = new Generator(random, pool.pool, version, links);
  // Back to back, as the C walk takes them; a reader that reads past a transfer's end reads the next one.
  let begin = 0;
  for (let t = 0; t < count; t++) {
    const limit = begin + maxTransfer;
    let at = begin;
    const frames = random() < 0.03 ? 0 : int(random, 1, 16);
    for (let f = 0; f < frames; f++) {
      const written = pickKind(random)(g, at, limit - at);
      if (written < 0) {
        at = Math.min(limit, at + 4 + int(random, 0, 64)); // a few bytes of the bogus frame
        break;
      }
      if (written === 0) break; // no room left
      at += written;
    }
    const tail = random();
    if (tail < 0.15 && at > begin) at = begin + int(random, 0, at - begin - 1); // truncated transfer
    else if (tail < 0.25) {
      const n = Math.min(limit - at, int(random, 1, 5));
      for (let i = 0; i < n; i++) pool.pool[at + i] = int(random, 0, 255);
      at += n;
    }
    pool.offsets[t] = begin;
    pool.lengths[t] = at - begin;
    begin = at;
  }
  pool.count = count;
}
