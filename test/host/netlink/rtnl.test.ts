// rtnetlink against the real kernel, inside network namespaces made for this file (veth, addresses,
// routes, events, and the kernel's own error texts), cross-checked with `ip -j` as an independent peer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtNetlink, watchEvents } from '../../../src/netlink/rtnl.js';
import { NetlinkError } from '../../../src/netlink/errors.js';
import { createNetns, deleteNetns, ip, ipJson } from './netns.js';
import { rejection } from '../../support/rejection.js';

const expectError = (promise: Promise<unknown>) => rejection(promise, NetlinkError);

let ns: { name: string; path: string };
let nl: RtNetlink;

beforeAll(async () => {
  ns = await createNetns('rmnetctl-nl');
  nl = new RtNetlink({ netns: ns.path });
});

afterAll(async () => {
  nl?.close();
  if (ns) await deleteNetns(ns.name);
});


describe('links', () => {
  it('lists lo in a fresh namespace and nothing of the host', async () => {
    const links = await nl.listLinks();
    expect(links.map((l) => l.name)).toEqual(['lo']);
    expect(links[0]).toMatchObject({ index: 1, up: true, mtu: 65536, kind: null });
  });

  it('creates a veth pair, reads it back, and agrees with ip -j', async () => {
    const a = await nl.createLink({ name: 'va0', link: { kind: 'veth', peerName: 'vb0' } });
    expect(a).toMatchObject({ name: 'va0', kind: 'veth', up: false, mtu: 1500 });
    const b = await nl.getLink('vb0');
    expect(b.parentIndex).toBe(a.index);
    expect(a.parentIndex).toBe(b.index);
    expect(a.maxMtu).toBeGreaterThan(1500);
    expect(a.stats).toMatchObject({ rxPackets: 0, txPackets: 0 });
    const peer = await ipJson<Array<{ ifindex: number; ifname: string; link: string; mtu: number; linkinfo: { info_kind: string } }>>(ns.name, '-d', 'link', 'show', 'va0');
    expect(peer[0]).toMatchObject({ ifindex: a.index, ifname: 'va0', link: 'vb0', mtu: 1500, linkinfo: { info_kind: 'veth' } });
  });

  it('sets links up and down, and the MTU', async () => {
    await nl.setLinkUp('va0', true);
    await nl.setLinkUp('vb0', true);
    expect((await nl.getLink('va0')).up).toBe(true);
    await nl.setMtu('va0', 9000);
    const shown = await ipJson<Array<{ mtu: number; flags: string[] }>>(ns.name, 'link', 'show', 'va0');
    expect(shown[0]!.mtu).toBe(9000);
    expect(shown[0]!.flags).toContain('UP');
    await nl.setLinkUp('va0', false);
    expect((await nl.getLink('va0')).up).toBe(false);
    await nl.setLinkUp('va0', true);
  });

  it('refuses a duplicate name with EEXIST and names the interface', async () => {
    const e = await expectError(nl.createLink({ name: 'va0', link: { kind: 'veth', peerName: 'vc0' } }));
    expect(e.errno).toBe('EEXIST');
    expect(e.code).toBe('LINK_EXISTS');
    expect(e.message).toContain('va0');
  });

  it('reports ENODEV for a missing interface, naming it', async () => {
    const e = await expectError(nl.getLink('nosuch0'));
    expect(e).toMatchObject({ errno: 'ENODEV', code: 'NO_SUCH_INTERFACE' });
    expect(e.message).toContain('nosuch0');
    const d = await expectError(nl.deleteLink('nosuch0'));
    expect(d).toMatchObject({ errno: 'ENODEV', code: 'NO_SUCH_INTERFACE' });
    const m = await expectError(nl.setMtu('nosuch0', 1400));
    expect(m.errno).toBe('ENODEV');
    expect(await nl.findLink('nosuch0')).toBeUndefined();
  });

  it('reports an MTU above max_mtu with the kernel extended ack', async () => {
    const e = await expectError(nl.setMtu('va0', 70000));
    expect(e.code).toBe('MTU_REFUSED');
    expect(e.errno).toBe('EINVAL');
    expect(e.extack).toMatch(/mtu greater than device maximum/);
  });

  it('has no rmnet here: EOPNOTSUPP with "Unknown device type" becomes "modprobe rmnet"', async () => {
    const e = await expectError(nl.createRmnetLink({ name: 'rmnet_data1', parent: 'va0', muxId: 1 }));
    expect(e.errno).toBe('EOPNOTSUPP');
    expect(e.extack).toBe('Unknown device type');
    expect(e.code).toBe('LINK_KIND_UNSUPPORTED');
    expect(e.message).toContain('modprobe rmnet');
    expect(e.message).toContain('rmnet_data1');
    expect(e.message).toContain('mux id 1');
    expect(await nl.findLink('rmnet_data1')).toBeUndefined();
  });
});

describe('addresses and routes', () => {
  it('adds and deletes IPv4 and IPv6 addresses', async () => {
    await nl.addAddress({ link: 'va0', address: '10.77.0.2', prefixLength: 24 });
    await nl.addAddress({ link: 'va0', address: '2001:db8:77::2', prefixLength: 64, noDad: true });
    const addresses = await nl.listAddresses('va0');
    expect(addresses.map((a) => `${a.address}/${a.prefixLength}`)).toEqual(expect.arrayContaining(['10.77.0.2/24', '2001:db8:77::2/64']));
    const shown = await ipJson<Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>>(ns.name, 'addr', 'show', 'va0');
    expect(shown[0]!.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(expect.arrayContaining(['10.77.0.2/24', '2001:db8:77::2/64']));
    const dup = await expectError(nl.addAddress({ link: 'va0', address: '10.77.0.2', prefixLength: 24 }));
    expect(dup).toMatchObject({ errno: 'EEXIST', code: 'ADDRESS_EXISTS' });
    await nl.deleteAddress({ link: 'va0', address: '10.77.0.2', prefixLength: 24 });
    expect((await nl.listAddresses('va0')).map((a) => a.address)).not.toContain('10.77.0.2');
    await nl.addAddress({ link: 'va0', address: '10.77.0.2', prefixLength: 24 });
  });

  it('adds a default route with a metric and one in another table, and deletes them', async () => {
    await nl.addRoute({ destination: 'default', gateway: '10.77.0.1', link: 'va0', metric: 700 });
    await nl.addRoute({ destination: 'default', family: 4, link: 'va0', table: 1234, metric: 5 });
    await nl.addRoute({ destination: 'default', gateway: '2001:db8:77::1', link: 'va0', metric: 700 });
    const main = (await nl.listRoutes(4)).filter((r) => r.destination === 'default' && r.table === 254);
    expect(main).toEqual([expect.objectContaining({ gateway: '10.77.0.1', metric: 700, protocol: 4 })]);
    const other = await nl.listRoutes(4, 1234);
    expect(other).toEqual([expect.objectContaining({ destination: 'default', gateway: null, metric: 5, table: 1234 })]);
    const shown = await ipJson<Array<{ dst: string; gateway?: string; metric?: number }>>(ns.name, 'route', 'show', 'table', '1234');
    expect(shown).toEqual([expect.objectContaining({ dst: 'default', metric: 5 })]);
    const v6 = (await nl.listRoutes(6)).filter((r) => r.destination === 'default');
    expect(v6).toEqual([expect.objectContaining({ gateway: '2001:db8:77::1', metric: 700 })]);
    const dup = await expectError(nl.addRoute({ destination: 'default', gateway: '10.77.0.1', link: 'va0', metric: 700 }));
    expect(dup).toMatchObject({ errno: 'EEXIST', code: 'ROUTE_EXISTS' });
    await nl.deleteRoute({ destination: 'default', family: 4, link: 'va0', table: 1234, metric: 5 });
    await nl.deleteRoute({ destination: 'default', gateway: '10.77.0.1', link: 'va0', metric: 700 });
    await nl.deleteRoute({ destination: 'default', gateway: '2001:db8:77::1', link: 'va0', metric: 700 });
    expect((await nl.listRoutes(4)).filter((r) => r.destination === 'default')).toEqual([]);
    const gone = await expectError(nl.deleteRoute({ destination: 'default', family: 4, link: 'va0', table: 1234 }));
    expect(gone).toMatchObject({ errno: 'ESRCH', code: 'NO_SUCH_ROUTE' });
  });
});

describe('events', () => {
  it('streams link creation, change and deletion', async () => {
    const events = watchEvents(['link', 'ipv4-address'], { netns: ns.path });
    try {
      await ip('-n', ns.name, 'link', 'add', 'ev0', 'type', 'veth', 'peer', 'name', 'ev1');
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        const e = await events.next(2000);
        if (!e) break;
        if (e.type === 'link') seen.push(`${e.action} ${e.link.name}`);
        if (seen.includes('new ev0') && seen.includes('new ev1')) break;
      }
      expect(seen).toEqual(expect.arrayContaining(['new ev0', 'new ev1']));
      await nl.addAddress({ link: 'ev0', address: '10.78.0.1', prefixLength: 30 });
      let address;
      for (let i = 0; i < 20 && !address; i++) {
        const e = await events.next(2000);
        if (!e) break;
        if (e.type === 'address') address = e.address;
      }
      expect(address).toMatchObject({ address: '10.78.0.1', prefixLength: 30 });
      await nl.deleteLink('ev0');
      let deleted = false;
      for (let i = 0; i < 20 && !deleted; i++) {
        const e = await events.next(2000);
        if (!e) break;
        deleted = e.type === 'link' && e.action === 'delete' && e.link.name === 'ev0';
      }
      expect(deleted).toBe(true);
    } finally {
      events.close();
    }
  });
});

describe('counters and more events', () => {
  it('reads IFLA_STATS64 counters that match ip -s', async () => {
    // Traffic on lo only moves when we make it: the counters are stable between the two reads.
    await ip('netns', 'exec', ns.name, 'ping', '-c', '3', '-i', '0.01', '-s', '100', '127.0.0.1');
    const lo = await nl.getLink('lo');
    const shown = await ipJson<Array<{ stats64: { rx: { bytes: number; packets: number }; tx: { bytes: number; packets: number } } }>>(ns.name, '-s', 'link', 'show', 'lo');
    expect(lo.stats).toMatchObject({ rxPackets: shown[0]!.stats64.rx.packets, rxBytes: shown[0]!.stats64.rx.bytes, txPackets: shown[0]!.stats64.tx.packets, txBytes: shown[0]!.stats64.tx.bytes });
    expect(lo.stats!.rxPackets).toBeGreaterThanOrEqual(6);
  });

  it('streams IPv6 address and IPv4/IPv6 route events', async () => {
    const events = watchEvents(['ipv6-address', 'ipv4-route', 'ipv6-route'], { netns: ns.path });
    try {
      await nl.addAddress({ link: 'va0', address: '2001:db8:99::5', prefixLength: 64, noDad: true });
      await nl.addRoute({ destination: '10.99.0.0/16', gateway: '10.77.0.1', link: 'va0', metric: 42 });
      await nl.addRoute({ destination: '2001:db8:aa::/48', gateway: '2001:db8:77::1', link: 'va0' });
      const seen: string[] = [];
      for (let i = 0; i < 30; i++) {
        const e = await events.next(2000);
        if (!e) break;
        if (e.type === 'address') seen.push(`address ${e.action} ${e.address.address}/${e.address.prefixLength}`);
        if (e.type === 'route') seen.push(`route ${e.action} ${e.route.destination}${e.route.metric !== null ? ` metric ${e.route.metric}` : ''}`);
        // IPv6 address notifications may come after the routes (addrconf sends them from its own work).
        if (['address new 2001:db8:99::5/64', 'route new 10.99.0.0/16 metric 42', 'route new 2001:db8:aa::/48 metric 1024'].every((x) => seen.includes(x))) break;
      }
      expect(seen).toEqual(expect.arrayContaining(['address new 2001:db8:99::5/64', 'route new 10.99.0.0/16 metric 42', 'route new 2001:db8:aa::/48 metric 1024']));
    } finally {
      events.close();
    }
  });
});

describe('scale', () => {
  it('dumps 200 links quickly', async () => {
    for (let i = 0; i < 100; i++) await nl.createLink({ name: `sa${i}`, link: { kind: 'veth', peerName: `sb${i}` } });
    const started = performance.now();
    const rounds = 20;
    let count = 0;
    for (let i = 0; i < rounds; i++) count = (await nl.listLinks()).length;
    const perDump = (performance.now() - started) / rounds;
    expect(count).toBeGreaterThanOrEqual(201);
    console.log(`netlink dump of ${count} links: ${perDump.toFixed(2)} ms per dump (decode included)`);
    expect(perDump).toBeLessThan(500);
  });
});
