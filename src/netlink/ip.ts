// Prefix and MAC address text for rtnetlink requests; IP address text is src/ip-address.ts.
import { parseIp, type Family } from '../ip-address.js';

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
