// The Netlink double answers setLinkAddress and the neighbour operations the way RtNetlink does against the
// kernel (test/host/netlink/neighbour.test.ts): same codes for bad text, a missing link and a missing entry.
import { describe, expect, it } from 'vitest';
import { FakeNetlink } from './doubles.js';

function netlink(): FakeNetlink {
  const nl = new FakeNetlink();
  nl.links = [FakeNetlink.link({ index: 1, name: 'lo' }), FakeNetlink.link({ index: 2, name: 'bench0' }), FakeNetlink.link({ index: 3, name: 'bench1' })];
  return nl;
}

describe('FakeNetlink MAC addresses and neighbours', () => {
  it('sets a MAC (lowercase, as the kernel reports it) and refuses bad text or a missing link', async () => {
    const nl = netlink();
    await nl.setLinkAddress('bench0', '00:01:05:DC:45:00');
    expect((await nl.getLink(2)).address).toBe('00:01:05:dc:45:00');
    await expect(nl.setLinkAddress('bench0', '00:01:05:dc:45')).rejects.toMatchObject({ code: 'BAD_MAC_ADDRESS', category: 'usage' });
    await expect(nl.setLinkAddress('nosuch0', '00:01:05:dc:45:00')).rejects.toMatchObject({ code: 'NO_SUCH_INTERFACE', errno: 'ENODEV' });
  });

  it('replaces one entry per link and address, lists by link, deletes, and names what is missing', async () => {
    const nl = netlink();
    await nl.replaceNeighbour({ link: 'bench1', address: '192.0.2.1', lladdr: '02:00:5e:10:00:01', permanent: true });
    await nl.replaceNeighbour({ link: 3, address: '192.0.2.1', lladdr: '02:00:5e:10:00:02' });
    await nl.replaceNeighbour({ link: 'bench0', address: '2001:db8::1', lladdr: '02:00:5e:10:00:03', permanent: false });
    expect(await nl.listNeighbours('bench1')).toEqual([expect.objectContaining({ index: 3, family: 4, address: '192.0.2.1', lladdr: '02:00:5e:10:00:02', permanent: true })]);
    expect((await nl.listNeighbours()).map((n) => [n.index, n.address, n.permanent])).toEqual([[3, '192.0.2.1', true], [2, '2001:db8::1', false]]);
    await nl.deleteNeighbour({ link: 'bench1', address: '192.0.2.1' });
    expect(await nl.listNeighbours(3)).toEqual([]);
    await expect(nl.deleteNeighbour({ link: 'bench1', address: '192.0.2.1' })).rejects.toMatchObject({ code: 'NO_SUCH_NEIGHBOUR', errno: 'ENOENT' });
    await expect(nl.replaceNeighbour({ link: 'nosuch0', address: '192.0.2.1', lladdr: '02:00:5e:10:00:01' })).rejects.toMatchObject({ code: 'NO_SUCH_INTERFACE' });
    await expect(nl.replaceNeighbour({ link: 'bench1', address: '192.0.2.1', lladdr: 'zz' })).rejects.toMatchObject({ code: 'BAD_MAC_ADDRESS', category: 'usage' });
    await expect(nl.replaceNeighbour({ link: 'bench1', address: '192.0.2', lladdr: '02:00:5e:10:00:01' })).rejects.toMatchObject({ code: 'BAD_ADDRESS', category: 'usage' });
  });
});
