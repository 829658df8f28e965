// One contract, two kernels: the same assertions run against the test kernel model (test/support/kernel,
// test/unit/contract/kernel.test.ts) and against the real kernel in a throwaway network namespace
// (test/host/netlink/contract.test.ts), so the model cannot drift from the kernel unnoticed. Sections a
// target cannot run are skipped (reported as skipped, with the reason) by what it declares: rmnet needs the module (the host here has none: there
// the "not loaded" section runs instead), qmi_wwan needs a real modem's interface and sysfs (the lab VM:
// run `runKernelContract` from a lab guest scenario with `qmiWwan` set: it needs no vitest runner). Every refusal is checked through production's
// own translation (RtNetlink, src/sysfs/qmi-wwan.ts): code, errno and, where the kernel sends one, extack.
import { describe as vitestDescribe, expect, it as vitestIt } from 'vitest';
import type { Netlink } from '../../src/netlink/rtnl.js';
import { addMux, delMux, readQmiWwanMode, setPassThrough, setRawIp } from '../../src/sysfs/qmi-wwan.js';
import type { Sysfs } from '../../src/sysfs/sysfs.js';
import { upperDevices } from '../../src/sysfs/topology.js';
import { QmimuxBackend } from '../../src/datapath/qmimux.js';

const qmimuxChildren = async (sysfs: Sysfs, parent: string) => new QmimuxBackend(sysfs).list(parent);

export interface ContractTarget {
  netlink: Netlink;
  /** Whether RTM_NEWLINK kind rmnet is available (the rmnet module is loaded). */
  rmnet: boolean;
  /** A qmi_wwan interface to run the qmi_wwan section on (it is left down, raw_ip=Y, no links), with a netlink
   *  socket in the namespace it lives in (the modem's, which need not be the one the other sections use). */
  qmiWwan?: { netlink: Netlink; sysfs: Sysfs; parent: string; maxPacketSize: number };
  close(): Promise<void> | void;
}

/** How the contract's tests are registered: vitest's describe/it, or a plain collector (runKernelContract). */
export interface ContractRunner {
  describe(name: string, body: () => void): void;
  it(name: string, run: () => Promise<void>): void;
}

/** A test the target cannot run: reported as skipped (with the reason), never as a pass. */
class NotApplicable extends Error {}
function need(available: boolean, what: string): void {
  if (!available) throw new NotApplicable(`needs ${what}`);
}

const vitestRunner: ContractRunner = {
  describe: vitestDescribe,
  it: (name, run) =>
    vitestIt(name, async (ctx) => {
      try {
        await run();
      } catch (e) {
        if (e instanceof NotApplicable) ctx.skip(e.message);
        else throw e;
      }
    }),
};

/** Runs the contract without a test runner (e.g. inside the lab guest), one test after another. */
export async function runKernelContract(name: string, open: () => Promise<ContractTarget>): Promise<Array<{ test: string; ok: boolean; skipped?: string; error?: string }>> {
  const tests: Array<[string, () => Promise<void>]> = [];
  const path: string[] = [];
  kernelContract(name, open, {
    describe(section, body) {
      path.push(section);
      body();
      path.pop();
    },
    it(test, run) {
      tests.push([[...path, test].join(' > '), run]);
    },
  });
  const results: Array<{ test: string; ok: boolean; skipped?: string; error?: string }> = [];
  for (const [test, run] of tests) {
    try {
      await run();
      results.push({ test, ok: true });
    } catch (e) {
      if (e instanceof NotApplicable) results.push({ test, ok: true, skipped: e.message });
      else results.push({ test, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return results;
}

const error = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e);

export function kernelContract(name: string, open: () => Promise<ContractTarget>, runner: ContractRunner = vitestRunner): void {
  const { describe, it } = runner;
  describe(`kernel contract: ${name}`, () => {
    // Each test opens its own target (a fresh namespace or model) so tests never see each other's links.
    const withTarget = (fn: (t: ContractTarget) => Promise<void>) => async () => {
      const t = await open();
      try {
        await fn(t);
      } finally {
        await t.close();
      }
    };

    const vethPair = async (nl: Netlink, a = 'ka0', b = 'kb0') => {
      const link = await nl.createLink({ name: a, link: { kind: 'veth', peerName: b } });
      await nl.setLinkUp(a, true);
      await nl.setLinkUp(b, true);
      return link;
    };

    describe('links', () => {
      it('creates a veth pair whose ends name each other, and refuses a second one of that name (EEXIST)', withTarget(async ({ netlink: nl }) => {
        const a = await nl.createLink({ name: 'ka0', link: { kind: 'veth', peerName: 'kb0' } });
        const b = await nl.getLink('kb0');
        expect(a).toMatchObject({ name: 'ka0', kind: 'veth', up: false, mtu: 1500, parentIndex: b.index });
        expect(b.parentIndex).toBe(a.index);
        expect(await error(nl.createLink({ name: 'ka0', link: { kind: 'veth', peerName: 'kc0' } }))).toMatchObject({ code: 'LINK_EXISTS', errno: 'EEXIST' });
        expect(await nl.findLink('kc0')).toBeUndefined();
      }));

      it('sets a link up and down and reads it back', withTarget(async ({ netlink: nl }) => {
        await nl.createLink({ name: 'ka0', link: { kind: 'veth', peerName: 'kb0' } });
        await nl.setLinkUp('ka0', true);
        expect((await nl.getLink('ka0')).up).toBe(true);
        await nl.setLinkUp('ka0', false);
        expect((await nl.getLink('ka0')).up).toBe(false);
      }));

      it('answers ENODEV for a missing interface, for every link operation', withTarget(async ({ netlink: nl }) => {
        const codes = { code: 'NO_SUCH_INTERFACE', errno: 'ENODEV', category: 'notFound' };
        expect(await error(nl.getLink('nosuch0'))).toMatchObject(codes);
        expect(await error(nl.getLink(999_999))).toMatchObject(codes);
        expect(await error(nl.setLinkUp('nosuch0', true))).toMatchObject(codes);
        expect(await error(nl.setMtu('nosuch0', 1400))).toMatchObject(codes);
        expect(await error(nl.deleteLink('nosuch0'))).toMatchObject(codes);
        expect(await nl.findLink('nosuch0')).toBeUndefined();
      }));

      it('refuses MTUs outside min/max with the kernel\'s texts (EINVAL), keeps the old MTU', withTarget(async ({ netlink: nl }) => {
        await nl.createLink({ name: 'ka0', link: { kind: 'veth', peerName: 'kb0' } });
        await nl.setMtu('ka0', 9000);
        const link = await nl.getLink('ka0');
        expect(link.mtu).toBe(9000);
        expect(await error(nl.setMtu('ka0', link.maxMtu! + 1))).toMatchObject({ code: 'MTU_REFUSED', errno: 'EINVAL', extack: 'mtu greater than device maximum' });
        expect(await error(nl.setMtu('ka0', link.minMtu! - 1))).toMatchObject({ code: 'MTU_REFUSED', errno: 'EINVAL', extack: 'mtu less than device minimum' });
        expect((await nl.getLink('ka0')).mtu).toBe(9000);
      }));

      it('deletes a veth end and its peer goes with it', withTarget(async ({ netlink: nl }) => {
        await nl.createLink({ name: 'ka0', link: { kind: 'veth', peerName: 'kb0' } });
        await nl.deleteLink('ka0');
        expect(await nl.findLink('ka0')).toBeUndefined();
        expect(await nl.findLink('kb0')).toBeUndefined();
        expect(await error(nl.deleteLink('ka0'))).toMatchObject({ code: 'NO_SUCH_INTERFACE' });
      }));
    });

    describe('rmnet', () => {
      it('without the module: "Unknown device type" becomes "modprobe rmnet", and nothing is left', withTarget(async (t) => {
        need(!t.rmnet, 'a kernel without the rmnet module');
        const nl = t.netlink;
        await vethPair(nl);
        const before = (await nl.listLinks()).map((l) => l.name);
        const e = await error(nl.createRmnetLink({ name: 'rmk1', parent: 'ka0', muxId: 1 }));
        expect(e).toMatchObject({ code: 'LINK_KIND_UNSUPPORTED', errno: 'EOPNOTSUPP', extack: 'Unknown device type' });
        expect((e as Error).message).toContain('modprobe rmnet');
        expect((await nl.listLinks()).map((l) => l.name)).toEqual(before);
      }));

      it('creates a link on a parent: mux id, flags and parent read back, MTU parent - 4', withTarget(async (t) => {
        need(t.rmnet, 'the rmnet module (modprobe rmnet)');
        const nl = t.netlink;
        const parent = await vethPair(nl);
        const link = await nl.createRmnetLink({ name: 'rmk1', parent: 'ka0', muxId: 1, flags: { flags: 1, mask: 1 } });
        expect(link).toMatchObject({ name: 'rmk1', kind: 'rmnet', muxId: 1, parentIndex: parent.index, mtu: 1496, rmnetFlags: { flags: 1 } });
        expect((await nl.listLinks()).filter((l) => l.kind === 'rmnet').map((l) => [l.name, l.muxId])).toEqual([['rmk1', 1]]);
      }));

      it('refuses a taken mux id (MUX_IN_USE) and a taken name (LINK_EXISTS) and leaves the first link alone', withTarget(async (t) => {
        need(t.rmnet, 'the rmnet module (modprobe rmnet)');
        const nl = t.netlink;
        await vethPair(nl);
        await nl.createRmnetLink({ name: 'rmk1', parent: 'ka0', muxId: 1 });
        expect(await error(nl.createRmnetLink({ name: 'rmk2', parent: 'ka0', muxId: 1 }))).toMatchObject({ code: 'MUX_IN_USE', errno: 'EBUSY' });
        expect(await error(nl.createRmnetLink({ name: 'rmk1', parent: 'ka0', muxId: 2 }))).toMatchObject({ code: 'LINK_EXISTS', errno: 'EEXIST' });
        expect((await nl.listLinks()).filter((l) => l.kind === 'rmnet').map((l) => l.name)).toEqual(['rmk1']);
      }));

      it('refuses a parent MTU above 16388 at creation (PARENT_MTU_TOO_LARGE), then vetoes lowering it below a child (EPERM)', withTarget(async (t) => {
        need(t.rmnet, 'the rmnet module (modprobe rmnet)');
        const nl = t.netlink;
        await vethPair(nl);
        await nl.setMtu('ka0', 20000);
        expect(await error(nl.createRmnetLink({ name: 'rmk1', parent: 'ka0', muxId: 1 }))).toMatchObject({ code: 'PARENT_MTU_TOO_LARGE', errno: 'EINVAL' });
        await nl.setMtu('ka0', 16388);
        expect((await nl.createRmnetLink({ name: 'rmk1', parent: 'ka0', muxId: 1 })).mtu).toBe(16384);
        await nl.setMtu('ka0', 32769);
        expect(await error(nl.setMtu('ka0', 16000))).toMatchObject({ code: 'MTU_REFUSED', errno: 'EPERM', category: 'conflict' });
        expect((await nl.getLink('ka0')).mtu).toBe(32769);
      }));

      it('deletes a link; deleting the parent takes its links along', withTarget(async (t) => {
        need(t.rmnet, 'the rmnet module (modprobe rmnet)');
        const nl = t.netlink;
        await vethPair(nl);
        await nl.createRmnetLink({ name: 'rmk1', parent: 'ka0', muxId: 1 });
        await nl.createRmnetLink({ name: 'rmk2', parent: 'ka0', muxId: 2 });
        await nl.deleteLink('rmk1');
        expect(await nl.findLink('rmk1')).toBeUndefined();
        await nl.deleteLink('ka0');
        expect(await nl.findLink('rmk2')).toBeUndefined();
      }));
    });

    describe('addresses', () => {
      it('adds, lists, refuses a duplicate (EEXIST), deletes, refuses a missing one (EADDRNOTAVAIL)', withTarget(async ({ netlink: nl }) => {
        const a = await vethPair(nl);
        const spec = { link: 'ka0', address: '192.0.2.2', prefixLength: 24 };
        await nl.addAddress(spec);
        await nl.addAddress({ link: 'ka0', address: '2001:db8::2', prefixLength: 64, noDad: true });
        const mine = (await nl.listAddresses('ka0')).filter((x) => !x.address.startsWith('fe80'));
        expect(mine.map((x) => [x.index, x.family, x.address, x.prefixLength])).toEqual([[a.index, 4, '192.0.2.2', 24], [a.index, 6, '2001:db8::2', 64]]);
        // IPv4's extack texts are newer than 6.1, which sends the errno alone (found by the lab's run of this contract).
        const exists = await error(nl.addAddress(spec));
        expect(exists).toMatchObject({ code: 'ADDRESS_EXISTS', errno: 'EEXIST' });
        expect([undefined, 'ipv4: Address already assigned']).toContain((exists as { extack?: string }).extack);
        await nl.deleteAddress(spec);
        expect((await nl.listAddresses('ka0')).map((x) => x.address)).not.toContain('192.0.2.2');
        const missing = await error(nl.deleteAddress(spec));
        expect(missing).toMatchObject({ code: 'NO_SUCH_ADDRESS', errno: 'EADDRNOTAVAIL' });
        expect([undefined, 'ipv4: Address not found']).toContain((missing as { extack?: string }).extack);
      }));
    });

    describe('routes', () => {
      it('adds, lists, refuses a duplicate (EEXIST), deletes, refuses a missing one (ESRCH)', withTarget(async ({ netlink: nl }) => {
        const a = await vethPair(nl);
        const spec = { destination: '198.51.100.0/24', link: 'ka0', metric: 50 };
        await nl.addRoute(spec);
        await nl.addRoute({ destination: '2001:db8:5::/64', link: 'ka0', metric: 60 });
        expect((await nl.listRoutes(4)).filter((r) => r.destination === '198.51.100.0/24').map((r) => [r.outputIndex, r.metric, r.table])).toEqual([[a.index, 50, 254]]);
        expect((await nl.listRoutes(6)).filter((r) => r.destination === '2001:db8:5::/64').map((r) => [r.outputIndex, r.metric])).toEqual([[a.index, 60]]);
        expect(await error(nl.addRoute(spec))).toMatchObject({ code: 'ROUTE_EXISTS', errno: 'EEXIST' });
        await nl.deleteRoute(spec);
        expect((await nl.listRoutes(4)).map((r) => r.destination)).not.toContain('198.51.100.0/24');
        expect(await error(nl.deleteRoute(spec))).toMatchObject({ code: 'NO_SUCH_ROUTE', errno: 'ESRCH' });
      }));

      it('accepts a gateway on a connected prefix and refuses one that is not (ENETUNREACH)', withTarget(async ({ netlink: nl }) => {
        await vethPair(nl);
        await nl.addAddress({ link: 'ka0', address: '192.0.2.2', prefixLength: 24 });
        await nl.addRoute({ destination: '203.0.113.0/24', gateway: '192.0.2.1', link: 'ka0' });
        expect((await nl.listRoutes(4)).find((r) => r.destination === '203.0.113.0/24')).toMatchObject({ gateway: '192.0.2.1' });
        expect(await error(nl.addRoute({ destination: '203.0.114.0/24', gateway: '10.99.0.1', link: 'ka0' }))).toMatchObject({ code: 'ROUTE_FAILED', errno: 'ENETUNREACH', extack: 'Nexthop has invalid gateway' });
      }));
    });

    describe('neighbours and MAC addresses', () => {
      it('replaces one entry per link and address, lists, deletes, refuses a missing one (ENOENT)', withTarget(async ({ netlink: nl }) => {
        const a = await vethPair(nl);
        await nl.replaceNeighbour({ link: 'ka0', address: '192.0.2.1', lladdr: '02:00:5e:10:00:01' });
        await nl.replaceNeighbour({ link: 'ka0', address: '192.0.2.1', lladdr: '02:00:5e:10:00:02' });
        expect((await nl.listNeighbours('ka0')).filter((n) => n.address === '192.0.2.1').map((n) => [n.index, n.lladdr, n.permanent])).toEqual([[a.index, '02:00:5e:10:00:02', true]]);
        await nl.deleteNeighbour({ link: 'ka0', address: '192.0.2.1' });
        expect(await error(nl.deleteNeighbour({ link: 'ka0', address: '192.0.2.1' }))).toMatchObject({ code: 'NO_SUCH_NEIGHBOUR', errno: 'ENOENT' });
        expect(await error(nl.replaceNeighbour({ link: 'nosuch0', address: '192.0.2.1', lladdr: '02:00:5e:10:00:01' }))).toMatchObject({ code: 'NO_SUCH_INTERFACE' });
      }));

      it('sets a MAC (read back lowercase) and refuses a multicast one (EADDRNOTAVAIL)', withTarget(async ({ netlink: nl }) => {
        await nl.createLink({ name: 'ka0', link: { kind: 'veth', peerName: 'kb0' } });
        await nl.setLinkAddress('ka0', '02:00:5E:10:00:09');
        expect((await nl.getLink('ka0')).address).toBe('02:00:5e:10:00:09');
        expect(await error(nl.setLinkAddress('ka0', '01:00:5e:10:00:09'))).toMatchObject({ code: 'LINK_SET_FAILED', errno: 'EADDRNOTAVAIL' });
      }));
    });

    describe('qmi_wwan (lab only: a real modem)', () => {
      const qmi = (fn: (t: ContractTarget, q: NonNullable<ContractTarget['qmiWwan']>) => Promise<void>) => withTarget(async (t) => {
        const q = t.qmiWwan;
        if (!q) throw new NotApplicable('needs a qmi_wwan interface (the lab)');
        // From a known state: down, no links, 802.3.
        await q.netlink.setLinkUp(q.parent, false);
        await setPassThrough(q.sysfs, q.parent, false);
        await setRawIp(q.sysfs, q.parent, false);
        try {
          await fn(t, q);
        } finally {
          await q.netlink.setLinkUp(q.parent, false);
          for (const child of await qmimuxChildren(q.sysfs, q.parent)) await delMux(q.sysfs, q.parent, child.muxId);
          await setPassThrough(q.sysfs, q.parent, false);
          await setRawIp(q.sysfs, q.parent, true);
        }
      });

      it('raw_ip cannot change while netlink has the parent up (INTERFACE_UP)', qmi(async (_t, q) => {
        const nl = q.netlink;
        await nl.setLinkUp(q.parent, true);
        expect(await error(setRawIp(q.sysfs, q.parent, true))).toMatchObject({ code: 'INTERFACE_UP', details: { errno: 'EBUSY' } });
        await nl.setLinkUp(q.parent, false);
        await setRawIp(q.sysfs, q.parent, true);
        expect(await readQmiWwanMode(q.sysfs, q.parent)).toEqual({ rawIp: true, passThrough: false });
      }));

      it('pass_through needs raw_ip (RAW_IP_REQUIRED); raw_ip cannot be cleared under it (PASS_THROUGH_SET)', qmi(async (_t, q) => {
        expect(await error(setPassThrough(q.sysfs, q.parent, true))).toMatchObject({ code: 'RAW_IP_REQUIRED', details: { errno: 'EINVAL' } });
        await setRawIp(q.sysfs, q.parent, true);
        await setPassThrough(q.sysfs, q.parent, true);
        expect(await error(setRawIp(q.sysfs, q.parent, false))).toMatchObject({ code: 'PASS_THROUGH_SET', details: { errno: 'EINVAL' } });
      }));

      it('raw_ip Y -> N resets the MTU to 1500 and opens maxmtu to 65535; EDOM for MTU + header multiples of the packet size', qmi(async (_t, q) => {
        const nl = q.netlink;
        await setRawIp(q.sysfs, q.parent, true);
        await setRawIp(q.sysfs, q.parent, false);
        expect(await nl.getLink(q.parent)).toMatchObject({ mtu: 1500, maxMtu: 65535 });
        await nl.setMtu(q.parent, 2 * q.maxPacketSize * 16); // 802.3: + 14 is no multiple
        await nl.setMtu(q.parent, 1500);
        await setRawIp(q.sysfs, q.parent, true);
        expect(await error(nl.setMtu(q.parent, q.maxPacketSize * 64))).toMatchObject({ code: 'MTU_REFUSED', errno: 'EDOM' });
      }));

      it('add_mux makes a qmimux child with qmap/mux_id and upper/lower links; refuses a taken id; del_mux an unknown one', qmi(async (_t, q) => {
        await setRawIp(q.sysfs, q.parent, true);
        await addMux(q.sysfs, q.parent, 0x81);
        const [child] = await qmimuxChildren(q.sysfs, q.parent);
        expect(child).toMatchObject({ muxId: 0x81 });
        expect(await upperDevices(q.sysfs, q.parent)).toEqual([child!.name]);
        expect(await error(addMux(q.sysfs, q.parent, 0x81))).toMatchObject({ code: 'MUX_IN_USE', details: { errno: 'EINVAL' } });
        expect(await error(delMux(q.sysfs, q.parent, 0x82))).toMatchObject({ code: 'MUX_NOT_FOUND', details: { errno: 'EINVAL' } });
        await delMux(q.sysfs, q.parent, 0x81);
        expect(await qmimuxChildren(q.sysfs, q.parent)).toEqual([]);
      }));
    });
  });
}
