// The addon's poll-driven fd against real kernel objects: a raw pty pair and a netlink socket.
import { describe, expect, it } from 'vitest';
import { openSync, writeSync, readSync, closeSync, constants } from 'node:fs';
import { native, isSystemError } from '../../src/io/native.js';
import { PollFd } from '../../src/io/poll-fd.js';

describe('native addon', () => {
  it('carries bytes both ways over a raw pty, 8-bit clean', async () => {
    const pty = native().openpty();
    expect(pty.path).toMatch(/^\/dev\/pts\/\d+$/);
    const slave = openSync(pty.path, constants.O_RDWR | constants.O_NOCTTY);
    const received: Buffer[] = [];
    const master = new PollFd(pty.master, { data: (c) => received.push(Buffer.from(c)), end: () => {} });
    // Bytes a cooked tty would eat or translate: ^C, ^D, CR, LF, 0xff.
    const sent = Buffer.from([0x01, 0x03, 0x04, 0x0d, 0x0a, 0x7f, 0xff, 0x00]);
    writeSync(slave, sent);
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.concat(received)).toEqual(sent);
    master.write(Buffer.from([0x80, 0x0a, 0x0d]));
    const back = Buffer.alloc(16);
    const n = readSync(slave, back);
    expect(back.subarray(0, n)).toEqual(Buffer.from([0x80, 0x0a, 0x0d]));
    master.close();
    closeSync(slave);
    native().close(pty.slave);
  });

  it('reports end of file when the other side of the pty closes', async () => {
    const pty = native().openpty();
    let ended = false;
    const master = new PollFd(pty.master, { data: () => {}, end: () => (ended = true) });
    native().close(pty.slave);
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(true);
    expect(master.isClosed).toBe(true);
  });

  it('closes cleanly with a read pending and keeps nothing alive', () => {
    const pty = native().openpty();
    const master = new PollFd(pty.master, { data: () => {}, end: () => {} });
    master.close();
    master.close();
    native().close(pty.slave);
    expect(master.isClosed).toBe(true);
  });

  it('throws errno names with the path', () => {
    try {
      native().open('/nonexistent/cdc-wdm9', native().O_RDWR);
      expect.unreachable();
    } catch (error) {
      expect(isSystemError(error) && error.code).toBe('ENOENT');
      expect((error as Error).message).toContain('/nonexistent/cdc-wdm9');
    }
  });

  it('opens a NETLINK_ROUTE socket', () => {
    const fd = native().netlinkOpen(0, 0, null);
    expect(fd).toBeGreaterThan(2);
    native().close(fd);
  });
});

describe('sd_notify datagrams', () => {
  it('reach an abstract AF_UNIX datagram socket like systemd binds', async () => {
    const { spawn } = await import('node:child_process');
    const name = `rmnetctl-notify-${process.pid}`;
    // python3 binds the listener (Node cannot bind AF_UNIX datagram sockets) and prints what it receives.
    const listener = spawn('python3', ['-c', `import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(b"\\0${name}")\nprint("ready",flush=True)\nprint(s.recv(4096).decode(),flush=True)`]);
    const out: string[] = [];
    listener.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    for (let i = 0; i < 100 && !out.join('').includes('ready'); i++) await new Promise((r) => setTimeout(r, 20));
    const { sdNotify } = await import('../../src/session/notify.js');
    expect(sdNotify('READY=1\nSTATUS=mux 1 up', `@${name}`)).toBe(true);
    await new Promise((r) => listener.once('exit', r));
    expect(out.join('')).toContain('READY=1\nSTATUS=mux 1 up');
    expect(sdNotify('READY=1', undefined)).toBe(false);
  });
});

describe('checksum offload switch (SIOCETHTOOL)', () => {
  it('switches rx-checksumming on a veth in a namespace of its own, and names a missing interface', async () => {
    const { kernelChecksumOffload } = await import('../../src/datapath/offload.js');
    const { createNetns, deleteNetns, ip } = await import('./netlink/netns.js');
    const ns = await createNetns('rmnetctl-offload');
    try {
      await ip('-n', ns.name, 'link', 'add', 'off0', 'type', 'veth', 'peer', 'name', 'off1');
      const offload = kernelChecksumOffload(ns.path);
      const rxChecksumming = async () => (await ip('netns', 'exec', ns.name, 'ethtool', '-k', 'off0')).match(/^rx-checksumming: (on|off)/m)?.[1];
      expect(await offload.setRxChecksum('off0', false)).toBe(false);
      expect(await rxChecksumming()).toBe('off'); // ethtool(8) as the independent peer
      expect(await offload.setRxChecksum('off0', true)).toBe(true);
      expect(await rxChecksumming()).toBe('on');
      await expect(offload.setRxChecksum('nosuch0', true)).rejects.toMatchObject({ code: 'OFFLOAD_FAILED', details: { interface: 'nosuch0', errno: 'ENODEV' } });
      // The host namespace has no off0: the switch acted inside the namespace only.
      await expect(kernelChecksumOffload().setRxChecksum('off0', true)).rejects.toMatchObject({ details: { errno: 'ENODEV' } });
    } finally {
      await deleteNetns(ns.name);
    }
  });
});
