// IP and MAC address text <-> bytes, strict (no inet_aton shorthands). IPv6 formatting follows RFC 5952.
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export function parseIp(text: string): { family: Family; bytes: Uint8Array } | undefined {
  if (isIPv4(text)) return { family: 4, bytes: Uint8Array.from(text.split('.').map(Number)) };
  if (!isIPv6(text)) return undefined;
  let head = text;
  let tail4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const maybe4 = text.slice(lastColon + 1);
  if (maybe4.includes('.')) {
    tail4 = maybe4.split('.').map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').filter((g) => g.length > 0).map((g) => Number.parseInt(g, 16)) : []);
  const l = groups(left);
  const r = groups(right);
  const words = right === undefined ? l : [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[i * 2] = w >> 8;
    bytes[i * 2 + 1] = w & 0xff;
  });
  if (tail4.length === 4) bytes.set(tail4, 12);
  return { family: 6, bytes };
}

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return Buffer.from(bytes).toString('hex');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  // Longest run of two or more zero words becomes "::" (first one on a tie).
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

/** "10.0.0.0/8", "default", "2001:db8::/32" -> address bytes and prefix length. */
export function parsePrefix(text: string, family?: Family): { family: Family; bytes: Uint8Array; prefixLength: number } | undefined {
  if (text === 'default') {
    const f = family ?? 4;
    return { family: f, bytes: new Uint8Array(f === 4 ? 4 : 16), prefixLength: 0 };
  }
  const [address, length, extra] = text.split('/');
  if (extra !== undefined || address === undefined) return undefined;
  const ip = parseIp(address);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const prefixLength = length === undefined ? max : /^\d{1,3}$/.test(length) ? Number(length) : NaN;
  if (!(prefixLength >= 0 && prefixLength <= max)) return undefined;
  return { ...ip, prefixLength };
}

/** "02:00:5e:10:00:01" (six hex octets, colon-separated, either case) -> 6 bytes; undefined otherwise. */
export function parseMac(text: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i.test(text)) return undefined;
  return Uint8Array.from(text.split(':').map((o) => Number.parseInt(o, 16)));
}

/** Link-layer address bytes as lowercase colon-separated hex (any length, as `ip` prints them); null when empty. */
export function formatLladdr(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return null;
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += (i > 0 ? ':' : '') + (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return text;
}
