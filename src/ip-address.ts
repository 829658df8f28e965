// IP address text <-> bytes, the one codec of the code base (netlink/ for the kernel, qmi/ for WDS settings).
// Pure, no Node API. Parsing is strict: dotted quads without leading zeros (no inet_aton shorthands or octal),
// the IPv6 forms of RFC 4291 section 2.2 (hex groups, one "::" standing for at least one zero group, the last
// 32 bits optionally as a dotted quad), no zone index, no prefix. Formatting is RFC 5952: lower case, no
// leading zeros, the longest run of two or more zero groups as "::" (the first on a tie), and (section 5)
// IPv4-mapped addresses (::ffff:0:0/96) in mixed notation, "::ffff:192.0.2.1", as inet_ntop, iproute2 and
// libqmi print them; no other address gets a dotted tail (IPv4-compatible ::/96 is deprecated, RFC 4291 2.5.5.1).

export type Family = 4 | 6;

const OCTET = /^(0|[1-9]\d{0,2})$/;
const GROUP = /^[0-9a-fA-F]{1,4}$/;

/** "192.0.2.1" -> 4 bytes in network order; undefined for anything but four decimal octets. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? Uint8Array.from(octets) : undefined;
}

/** IPv6 text -> 16 bytes in network order; undefined when the text is not one of RFC 4291's forms. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const split = (s: string) => (s === '' ? [] : s.split(':'));
  const head = split(halves[0]!);
  const tail = halves.length === 2 ? split(halves[1]!) : [];
  // A dotted quad may stand for the last two groups only (not before a trailing "::").
  const last = halves.length === 2 ? tail : head;
  let embedded: Uint8Array | undefined;
  if (last.length > 0 && last[last.length - 1]!.includes('.')) {
    embedded = parseIpv4(last.pop()!);
    if (!embedded) return undefined;
  }
  const groups = [...head, ...tail];
  if (!groups.every((g) => GROUP.test(g))) return undefined;
  const explicit = groups.length + (embedded ? 2 : 0);
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined;
  const words = [...head, ...Array<string>(8 - explicit).fill('0'), ...tail].map((g) => Number.parseInt(g, 16));
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  if (embedded) bytes.set(embedded, 12);
  return bytes;
}

export function parseIp(text: string): { family: Family; bytes: Uint8Array } | undefined {
  const v4 = parseIpv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(text);
  return v6 ? { family: 6, bytes: v6 } : undefined;
}

export function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[0] ?? 0}.${bytes[1] ?? 0}.${bytes[2] ?? 0}.${bytes[3] ?? 0}`;
}

/** RFC 5952 text of 16 bytes in network order. */
export function formatIpv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) return `::ffff:${formatIpv4(bytes.subarray(12, 16))}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

/** 4 bytes as IPv4, 16 as IPv6; any other length (a malformed attribute) as plain hex, so nothing throws. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return formatIpv4(bytes);
  if (bytes.length === 16) return formatIpv6(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
