// --listen's address: what it accepts, where it binds, and which addresses need --allow-remote.
import { describe, expect, it } from 'vitest';
import { checkExposure, isLoopback, parseListenAddress } from '../../../src/metrics/listen.js';

describe('--listen address', () => {
  it.each([
    ['127.0.0.1:9842', { host: '127.0.0.1', port: 9842 }],
    ['[::1]:9842', { host: '::1', port: 9842 }],
    [':9842', { host: '127.0.0.1', port: 9842 }],
    ['9842', { host: '127.0.0.1', port: 9842 }],
    ['0.0.0.0:1', { host: '0.0.0.0', port: 1 }],
    ['[::]:65535', { host: '::', port: 65535 }],
  ])('reads %s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected);
  });

  it.each(['', 'x', '127.0.0.1', '127.0.0.1:', ':0', '[127.0.0.1]:9842', '::1:9842', 'localhost:9842', '1.2.3:9842', '127.0.0.1:65536'])('refuses %j as BAD_ADDRESS', (text) => {
    expect(() => parseListenAddress(text)).toThrow(expect.objectContaining({ code: 'BAD_ADDRESS', category: 'usage' }));
  });

  it('serves loopback freely and anything else only with --allow-remote', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.0.2.1', '2001:db8::1', '128.0.0.1']) expect(isLoopback(host)).toBe(false);
    expect(() => checkExposure({ host: '0.0.0.0', port: 9842 }, false)).toThrow(expect.objectContaining({ code: 'LISTEN_NOT_LOOPBACK' }));
    expect(() => checkExposure({ host: '0.0.0.0', port: 9842 }, true)).not.toThrow();
  });
});
