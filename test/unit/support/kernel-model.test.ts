// The test kernel model (test/support/kernel) behind production's RtNetlink: setLinkAddress and the
// neighbour operations answer as against the kernel (test/host/netlink/neighbour.test.ts; the shared cases are
// in test/contract/kernel.contract.ts): same codes for bad text, a missing link and a missing entry. And the
// one-state rule the separate doubles could not show: netlink's "up" is what qmi_wwan's raw_ip sees.
import { describe, expect, it } from 'vitest';
import { RtNetlink } from '../../../src/netlink/rtnl.js';
import { setRawIp } from '../../../src/sysfs/qmi-wwan.js';
import { emptyKernel, fixtureKernel } from '../../support/kernel/index.js';

function netlink(): RtNetlink {
  const k = emptyKernel();
  k.model.add({ index: 2, name: 'bench0', kind: 'dummy' });
  k.model.add({ index: 3, name: 'bench1', kind: 'dummy' });
  return k.netlink;
}

describe('kernel model: MAC addresses and neighbours', () => {
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

describe('kernel model: one state behind both views', () => {
  it('refuses raw_ip (EBUSY) on a parent netlink brought up, and accepts it once netlink brought it down', async () => {
    const { sysfs, netlink: nl, model } = fixtureKernel('rawip');
    await nl.setLinkUp('wwan0', true);
    expect(await sysfs.read('class/net/wwan0/flags')).toBe('0x1091'); // sysfs shows dev->flags: no IFF_LOWER_UP (netlink's ifi_flags have it)
    await expect(setRawIp(sysfs, 'wwan0', false)).rejects.toMatchObject({ code: 'INTERFACE_UP', details: { errno: 'EBUSY' } });
    await nl.setLinkUp('wwan0', false);
    await setRawIp(sysfs, 'wwan0', false);
    // raw_ip Y -> N as netlink sees it: 802.3, MTU 1500, maxmtu 65535.
    expect(await nl.getLink('wwan0')).toMatchObject({ type: 1, mtu: 1500, maxMtu: 65535 });
    expect(model.log.map((s) => s.what)).toEqual(['RTM_NEWLINK wwan0 up', 'write class/net/wwan0/qmi/raw_ip N', 'RTM_NEWLINK wwan0 down', 'write class/net/wwan0/qmi/raw_ip N']);
  });

  it('shows a qmimux child made through sysfs to netlink, and an rmnet link made through netlink to sysfs', async () => {
    const { sysfs, netlink: nl } = fixtureKernel('rawip');
    await sysfs.write('class/net/wwan0/qmi/add_mux', '0x81');
    expect(await nl.getLink('qmimux0')).toMatchObject({ kind: null, mtu: 1500 });
    expect(await sysfs.readlink('class/net/qmimux0/lower_wwan0')).toBe('../../../platform/vhci_hcd.0/usb1/1-1/1-1:1.0/net/wwan0');
    await sysfs.write('class/net/wwan0/qmi/del_mux', '129');
    await nl.createRmnetLink({ name: 'rmnet_data1', parent: 'wwan0', muxId: 1 });
    expect(await sysfs.list('class/net/wwan0')).toContain('upper_rmnet_data1');
    // qmi_wwan reads every upper device as a qmimux child: the bogus 0x00 line of KERNEL.md.
    expect(await sysfs.read('class/net/wwan0/qmi/add_mux')).toBe('0x00');
  });

  it('fails the k-th kernel step on cue (the fault hook), with the errno production translates', async () => {
    const { netlink: nl, model } = fixtureKernel('rawip');
    model.fail({ at: 2, errno: 'ENODEV' });
    await nl.setMtu('wwan0', 1400);
    await expect(nl.setMtu('wwan0', 1300)).rejects.toMatchObject({ code: 'NO_SUCH_INTERFACE', errno: 'ENODEV' });
    await nl.setMtu('wwan0', 1300);
    expect((await nl.getLink('wwan0')).mtu).toBe(1300);
  });
});

// Issue 14: the supervisor's health check reads these counters through production's netlink layer.
describe('kernel model: link counters', () => {
  it('serves the counters tests move as IFLA_STATS64, per link, through RtNetlink and netlinkCounters', async () => {
    const { netlinkCounters } = await import('../../../src/health/counters.js');
    const k = emptyKernel();
    k.model.add({ index: 2, name: 'bench0', kind: 'dummy' });
    k.model.add({ index: 3, name: 'bench1', kind: 'dummy' });
    k.model.count('bench0', { rxPackets: 2, txPackets: 5 });
    k.model.count(2, { txPackets: 1, txBytes: 1400 });
    const stats = (await k.netlink.getLink('bench0')).stats!;
    expect([stats.rxPackets, stats.txPackets, stats.rxBytes, stats.txBytes, stats.rxErrors]).toEqual([2, 6, 200, 1900, 0]);
    const counters = netlinkCounters(k.netlink);
    expect(await counters.read('bench1')).toEqual({ rxPackets: 0, txPackets: 0 });
    expect(await counters.read('bench0')).toEqual({ rxPackets: 2, txPackets: 6 });
    expect(await counters.read('nosuch0')).toBeUndefined();
    expect(() => k.model.count('nosuch0', { rxPackets: 1 })).toThrow('ENODEV');
  });
});
