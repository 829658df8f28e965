// Link MAC addresses and neighbour entries against the real kernel, in a network namespace made for this
// file, cross-checked with `ip -j` as an independent peer (what the bench worker used to run itself).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtNetlink } from '../../../src/netlink/rtnl.js';
import { NetlinkError } from '../../../src/netlink/errors.js';
import { createNetns, deleteNetns, ip, ipJson } from './netns.js';
import { rejection } from '../../support/rejection.js';

const expectError = (promise: Promise<unknown>) => rejection(promise, NetlinkError);

let ns: { name: string; path: string };
let nl: RtNetlink;

beforeAll(async () => {
  ns = await createNetns('rmnetctl-neigh');
  nl = new RtNetlink({ netns: ns.path });
  await nl.createLink({ name: 'na0', link: { kind: 'veth', peerName: 'nb0' } });
  await nl.addAddress({ link: 'nb0', address: '192.0.2.2', prefixLength: 24 });
});

afterAll(async () => {
  nl?.close();
  if (ns) await deleteNetns(ns.name);
});


type IpLink = { ifname: string; address: string };
type IpNeigh = { dst: string; dev?: string; lladdr?: string; state: string[] };

describe('link MAC address', () => {
  it('sets a veth MAC, down and up, and reads it back via getLink and ip -j', async () => {
    await nl.setLinkAddress('na0', '02:00:5E:10:00:01');
    expect((await nl.getLink('na0')).address).toBe('02:00:5e:10:00:01');
    expect((await ipJson<IpLink[]>(ns.name, 'link', 'show', 'na0'))[0]!.address).toBe('02:00:5e:10:00:01');
    // veth changes its address while up too (IFF_LIVE_ADDR_CHANGE); by index this time
    await nl.setLinkUp('na0', true);
    const { index } = await nl.getLink('na0');
    await nl.setLinkAddress(index, '00:01:05:dc:45:00');
    expect((await nl.getLink('na0')).address).toBe('00:01:05:dc:45:00');
    expect((await ipJson<IpLink[]>(ns.name, 'link', 'show', 'na0'))[0]!.address).toBe('00:01:05:dc:45:00');
  });

  it('names an unknown interface (ENODEV -> NO_SUCH_INTERFACE), by name and by index', async () => {
    const byName = await expectError(nl.setLinkAddress('nosuch0', '02:00:5e:10:00:01'));
    expect(byName).toMatchObject({ errno: 'ENODEV', code: 'NO_SUCH_INTERFACE', category: 'notFound' });
    expect(byName.message).toContain('nosuch0');
    const byIndex = await expectError(nl.setLinkAddress(9999, '02:00:5e:10:00:01'));
    expect(byIndex).toMatchObject({ errno: 'ENODEV', code: 'NO_SUCH_INTERFACE' });
    expect(byIndex.message).toContain('ifindex 9999');
  });

  it('refuses bad MAC text as a usage error naming it, and a multicast MAC as the kernel does', async () => {
    const bad = await expectError(nl.setLinkAddress('na0', '02:00:5e:10:00'));
    expect(bad).toMatchObject({ code: 'BAD_MAC_ADDRESS', category: 'usage' });
    expect(bad.message).toContain('02:00:5e:10:00');
    const multicast = await expectError(nl.setLinkAddress('na0', '01:00:5e:00:00:01'));
    expect(multicast).toMatchObject({ code: 'LINK_SET_FAILED', errno: 'EADDRNOTAVAIL' });
    expect((await nl.getLink('na0')).address).toBe('00:01:05:dc:45:00');
  });
});

describe('neighbours', () => {
  it('replaces a permanent IPv4 neighbour, lists it, and agrees with ip -j neigh', async () => {
    await nl.replaceNeighbour({ link: 'nb0', address: '192.0.2.1', lladdr: '00:01:05:dc:45:00', permanent: true });
    const nb0 = await nl.getLink('nb0');
    const listed = (await nl.listNeighbours('nb0')).filter((n) => n.address === '192.0.2.1');
    expect(listed).toEqual([expect.objectContaining({ index: nb0.index, family: 4, address: '192.0.2.1', lladdr: '00:01:05:dc:45:00', permanent: true })]);
    expect((await nl.listNeighbours()).some((n) => n.address === '192.0.2.1' && n.index === nb0.index)).toBe(true);
    expect(await nl.listNeighbours('na0')).not.toContainEqual(expect.objectContaining({ address: '192.0.2.1' }));
    const shown = await ipJson<IpNeigh[]>(ns.name, 'neigh', 'show', 'dev', 'nb0', 'to', '192.0.2.1');
    expect(shown).toEqual([expect.objectContaining({ dst: '192.0.2.1', lladdr: '00:01:05:dc:45:00', state: ['PERMANENT'] })]);
  });

  it('replaces in place (one entry, the new MAC), including an entry ip made', async () => {
    await nl.replaceNeighbour({ link: 'nb0', address: '192.0.2.1', lladdr: '02:00:5e:10:00:02' });
    const shown = await ipJson<IpNeigh[]>(ns.name, 'neigh', 'show', 'dev', 'nb0', 'to', '192.0.2.1');
    expect(shown).toEqual([expect.objectContaining({ lladdr: '02:00:5e:10:00:02', state: ['PERMANENT'] })]);
    await ip('-n', ns.name, 'neigh', 'add', '192.0.2.9', 'lladdr', '02:00:5e:10:00:09', 'dev', 'nb0', 'nud', 'reachable');
    expect((await nl.listNeighbours('nb0')).find((n) => n.address === '192.0.2.9')).toMatchObject({ lladdr: '02:00:5e:10:00:09', permanent: false });
    await nl.replaceNeighbour({ link: 'nb0', address: '192.0.2.9', lladdr: '02:00:5e:10:00:0a', permanent: true });
    expect((await nl.listNeighbours('nb0')).filter((n) => n.address === '192.0.2.9')).toEqual([expect.objectContaining({ lladdr: '02:00:5e:10:00:0a', permanent: true })]);
  });

  it('handles IPv6 entries and non-permanent ones', async () => {
    await nl.replaceNeighbour({ link: 'nb0', address: '2001:db8::1', lladdr: '02:00:5e:10:00:03', permanent: false });
    expect((await nl.listNeighbours('nb0')).find((n) => n.address === '2001:db8::1')).toMatchObject({ family: 6, lladdr: '02:00:5e:10:00:03', permanent: false });
    const shown = await ipJson<IpNeigh[]>(ns.name, '-6', 'neigh', 'show', 'dev', 'nb0', 'to', '2001:db8::1');
    expect(shown[0]).toMatchObject({ dst: '2001:db8::1', lladdr: '02:00:5e:10:00:03' });
    expect(shown[0]!.state).not.toContain('PERMANENT');
    await nl.deleteNeighbour({ link: 'nb0', address: '2001:db8::1' });
  });

  it('deletes an entry (gone for ip too), and names what is missing', async () => {
    await nl.deleteNeighbour({ link: 'nb0', address: '192.0.2.1' });
    await nl.deleteNeighbour({ link: 'nb0', address: '192.0.2.9' });
    expect((await nl.listNeighbours('nb0')).filter((n) => n.address.startsWith('192.0.2.'))).toEqual([]);
    expect(await ipJson<IpNeigh[]>(ns.name, 'neigh', 'show', 'dev', 'nb0', 'to', '192.0.2.1')).toEqual([]);
    const again = await expectError(nl.deleteNeighbour({ link: 'nb0', address: '192.0.2.1' }));
    expect(again).toMatchObject({ code: 'NO_SUCH_NEIGHBOUR', errno: 'ENOENT', category: 'notFound' });
    expect(again.message).toContain('192.0.2.1 dev nb0');
  });

  it('names an unknown interface (ENODEV -> NO_SUCH_INTERFACE) and refuses bad text before asking the kernel', async () => {
    for (const link of ['nosuch0', 9999]) {
      const e = await expectError(nl.replaceNeighbour({ link, address: '192.0.2.1', lladdr: '02:00:5e:10:00:01' }));
      expect(e).toMatchObject({ errno: 'ENODEV', code: 'NO_SUCH_INTERFACE', category: 'notFound' });
      expect(e.message).toContain(String(link));
      expect(await expectError(nl.deleteNeighbour({ link, address: '192.0.2.1' }))).toMatchObject({ code: 'NO_SUCH_INTERFACE' });
    }
    await expect(nl.listNeighbours('nosuch0')).rejects.toMatchObject({ code: 'NO_SUCH_INTERFACE' });
    const mac = await expectError(nl.replaceNeighbour({ link: 'nb0', address: '192.0.2.1', lladdr: '02:00:5e:10:00:zz' }));
    expect(mac).toMatchObject({ code: 'BAD_MAC_ADDRESS', category: 'usage' });
    expect(mac.message).toContain('02:00:5e:10:00:zz');
    expect(await expectError(nl.replaceNeighbour({ link: 'nb0', address: '192.0.2', lladdr: '02:00:5e:10:00:01' }))).toMatchObject({ code: 'BAD_ADDRESS', category: 'usage' });
    expect(await ipJson<IpNeigh[]>(ns.name, 'neigh', 'show', 'dev', 'nb0', 'to', '192.0.2.1')).toEqual([]);
  });
});
