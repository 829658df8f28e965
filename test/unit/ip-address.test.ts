// The one IP text codec (src/ip-address.ts): what it accepts (RFC 4291 section 2.2) and how it prints
// (RFC 5952), including the IPv4-in-IPv6 forms the two former codecs disagreed on.
import { describe, expect, it } from 'vitest';
import { formatIp, formatIpv6, parseIp, parseIpv4, parseIpv6 } from '../../src/ip-address.js';

const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('hex') : undefined);

describe('IPv4 text', () => {
  it('takes four decimal octets and nothing else', () => {
    expect(hex(parseIpv4('10.1.2.3'))).toBe('0a010203');
    expect(hex(parseIpv4('0.0.0.0'))).toBe('00000000');
    expect(hex(parseIpv4('255.255.255.255'))).toBe('ffffffff');
    // inet_aton shorthands and octal-looking octets are ambiguous: refused.
    for (const bad of ['010.1.2.3', '10.1.2', '10.1.2.3.4', '256.0.0.1', '1.2.3.-4', '0x1.2.3.4', '', '1..2.3', ' 1.2.3.4']) {
      expect(parseIpv4(bad), bad).toBeUndefined();
    }
    expect(formatIp(Uint8Array.of(192, 0, 2, 1))).toBe('192.0.2.1');
  });
});

describe('IPv6 text', () => {
  it('prints RFC 5952 text: lower case, longest zero run compressed, first on a tie, never one group', () => {
    for (const text of ['::', '::1', '2001:db8::1', 'fd00:1:2::2', '1:2:3:4:5:6:7:8', '1::8', '1:0:0:2::3', '2001:db8:0:1:1:1:1:1', '2001:db8::1:0:0:1']) {
      expect(formatIpv6(parseIpv6(text)!), text).toBe(text);
    }
    expect(formatIpv6(parseIpv6('2001:DB8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(parseIpv6('2001:0db8:0000:0000:0000:0000:0000:0001')!)).toBe('2001:db8::1');
    expect(formatIpv6(parseIpv6('2001:db8:0:1:1:1:1:1')!)).toBe('2001:db8:0:1:1:1:1:1');
  });

  it('reads a dotted quad in the last 32 bits of any address (RFC 4291 2.2 form 3)', () => {
    expect(hex(parseIpv6('::ffff:10.0.0.1'))).toBe('00000000000000000000ffff0a000001');
    expect(hex(parseIpv6('::10.0.0.1'))).toBe('0000000000000000000000000a000001');
    expect(hex(parseIpv6('64:ff9b::192.0.2.33'))).toBe('0064ff9b0000000000000000c0000221');
    expect(hex(parseIpv6('1:2:3:4:5:6:1.2.3.4'))).toBe('00010002000300040005000601020304');
  });

  it('prints IPv4-mapped addresses in mixed notation (RFC 5952 section 5), every other address in hex', () => {
    expect(formatIpv6(parseIpv6('::ffff:a00:1')!)).toBe('::ffff:10.0.0.1');
    expect(formatIpv6(parseIpv6('0:0:0:0:0:ffff:192.0.2.1')!)).toBe('::ffff:192.0.2.1');
    // IPv4-compatible (deprecated) and NAT64 addresses cannot be told from others by prefix: hex.
    expect(formatIpv6(parseIpv6('::10.0.0.1')!)).toBe('::a00:1');
    expect(formatIpv6(parseIpv6('64:ff9b::192.0.2.33')!)).toBe('64:ff9b::c000:221');
    expect(formatIpv6(parseIpv6('::ffff:0:a00:1')!)).toBe('::ffff:0:a00:1');
  });

  it('refuses what is not one of the RFC 4291 forms', () => {
    for (const bad of [
      '1:2:3', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4::5:6:7:8', ':1::', '1::2:', '12345::1', '1.2.3.4::', '::1.2.3.4:1',
      '::ffff:010.0.0.1', '1:2:3:4:5:6:7:1.2.3.4', 'fe80::1%eth0', '2001:db8::/64', '', ':', ':::',
    ]) {
      expect(parseIpv6(bad), bad).toBeUndefined();
    }
  });

  it('tells the families apart and formats any byte string without throwing', () => {
    expect(parseIp('10.0.0.1')?.family).toBe(4);
    expect(parseIp('::ffff:10.0.0.1')?.family).toBe(6);
    expect(parseIp('nonsense')).toBeUndefined();
    expect(formatIp(Uint8Array.of(1, 2, 3))).toBe('010203');
  });
});
