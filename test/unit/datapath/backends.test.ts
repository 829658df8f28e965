// The two backends and the read-outs on recorded trees: qmimux through sysfs (the new link found by
// qmap/mux_id), rmnet through netlink (mux id read back), mux allocation and the mux id -> link map,
// and the bad inputs that must fail with a clear error while leaving the system as it was. Recorded trees are
// read as files; what changes runs on the test kernel model loaded from the same trees.
import { describe, expect, it } from 'vitest';
import { QmimuxBackend } from '../../../src/datapath/qmimux.js';
import { RmnetBackend, defaultRmnetName, rmnetFlagsFor } from '../../../src/datapath/rmnet.js';
import { readMuxMap } from '../../../src/datapath/mux.js';
import { checkMuxIdFree } from '../../../src/datapath/mux-id.js';
import { describeAction } from '../../../src/datapath/plan.js';
import { planSetUp, restoreKernelMode, setUpDatapath } from '../../../src/datapath/setup.js';
import { UndoStack } from '../../../src/undo.js';
import { FileSysfs } from '../../../src/sysfs/sysfs.js';
import { addMux, setPassThrough, setRawIp } from '../../../src/sysfs/qmi-wwan.js';
import { fileURLToPath } from 'node:url';
import { fixtureKernel } from '../../support/kernel/index.js';

const fixture = (name: string) => new FileSysfs(fileURLToPath(new URL(`../../fixtures/sysfs/${name}/sys`, import.meta.url)));
/** The model's sysfs view of a recorded tree (it records the writes that reached it). */
const copy = (name: string) => fixtureKernel(name).sysfs;
/** The kernel's links of the recorded rmnet tree, as `ip -d link` showed them (fixture-info.txt). */
const recordedRmnet = () => fixtureKernel('rmnet');

describe('qmimux backend', () => {
  it('lists the recorded children with mux ids from qmap/mux_id', async () => {
    expect(await new QmimuxBackend(fixture('qmimux')).list('wwan0')).toEqual([
      { muxId: 1, name: 'qmimux0', backend: 'qmimux', parent: 'wwan0', ifindex: 3, up: true, mtu: 1500 },
      { muxId: 5, name: 'qmimux1', backend: 'qmimux', parent: 'wwan0', ifindex: 4, up: true, mtu: 1500 },
    ]);
  });

  it('lists nothing for upper devices without a qmimux mux id (rmnet children), never reading the bogus add_mux entries', async () => {
    const sysfs = fixture('rmnet');
    expect(await new QmimuxBackend(sysfs).list('wwan0')).toEqual([]);
    expect(await sysfs.read('class/net/wwan0/qmi/add_mux')).toBe('0x00\n0x00');
  });

  it('lists every modem parent with listAll', async () => {
    expect((await new QmimuxBackend(fixture('two-modems')).listAll()).map((l) => [l.parent, l.muxId, l.name])).toEqual([['wwan0', 1, 'qmimux0'], ['wwan0', 5, 'qmimux1']]);
  });

  it('creates a link and finds it by its mux id, not by its name', async () => {
    const sysfs = copy('qmimux');
    // Out of creation order on purpose: qmimux2 gets mux id 0x81, whatever its name.
    const created = await new QmimuxBackend(sysfs).create('wwan0', 129);
    expect(created).toMatchObject({ muxId: 129, name: 'qmimux2', backend: 'qmimux', parent: 'wwan0' });
    expect(sysfs.writes).toEqual(['class/net/wwan0/qmi/add_mux=129']);
    await new QmimuxBackend(sysfs).delete('wwan0', 5);
    expect((await new QmimuxBackend(sysfs).list('wwan0')).map((l) => [l.name, l.muxId])).toEqual([['qmimux0', 1], ['qmimux2', 129]]);
  });

  it('refuses a taken mux id naming the link, before writing anything', async () => {
    const sysfs = copy('qmimux');
    await expect(new QmimuxBackend(sysfs).create('wwan0', 5)).rejects.toMatchObject({ code: 'MUX_IN_USE', message: 'wwan0: mux id 5 is already used by qmimux1' });
    expect(sysfs.writes).toEqual([]);
  });

  it('turns the kernel EINVAL on add_mux into a clear error', async () => {
    const sysfs = copy('qmimux');
    await expect(addMux(sysfs, 'wwan0', 1)).rejects.toMatchObject({ code: 'MUX_IN_USE', message: expect.stringMatching(/wwan0: writing 1 to .*add_mux: mux id 1 already present or out of 1\.\.254 \(EINVAL\)/) });
  });

  it('refuses del_mux and add_mux while rmnet links sit on the parent (add_mux would read 0x00 for them)', async () => {
    const sysfs = copy('rmnet');
    await expect(new QmimuxBackend(sysfs).delete('wwan0', 1)).rejects.toMatchObject({ code: 'BACKEND_CONFLICT', message: expect.stringContaining('rmnet_data1, rmnet_data5') });
    await expect(new QmimuxBackend(sysfs).create('wwan0', 2)).rejects.toMatchObject({ code: 'BACKEND_CONFLICT' });
    expect(sysfs.writes).toEqual([]);
  });

  it('refuses a parent that is not qmi_wwan, naming it', async () => {
    await expect(new QmimuxBackend(fixture('rmnet')).create('rmnet_data1', 2)).rejects.toMatchObject({ code: 'NOT_QMI_WWAN', message: expect.stringContaining('rmnet_data1: not a qmi_wwan interface') });
    await expect(new QmimuxBackend(fixture('rmnet')).create('nosuch0', 2)).rejects.toMatchObject({ code: 'NOT_QMI_WWAN', message: expect.stringContaining('nosuch0') });
  });
});

describe('qmi_wwan mode writes', () => {
  it('maps EBUSY on raw_ip to "interface is up" and EINVAL on pass_through to "raw_ip must be Y first"', async () => {
    const up = copy('qmimux');
    await expect(setRawIp(up, 'wwan0', false)).rejects.toMatchObject({ code: 'INTERFACE_UP', message: expect.stringContaining('interface is up') });
    const sysfs = copy('802.3');
    await expect(setPassThrough(sysfs, 'wwan0', true)).rejects.toMatchObject({ code: 'RAW_IP_REQUIRED', message: expect.stringContaining('raw_ip must be Y first') });
    await setRawIp(sysfs, 'wwan0', true);
    await setPassThrough(sysfs, 'wwan0', true);
    expect(await sysfs.read('class/net/wwan0/qmi/pass_through')).toBe('Y');
  });
});

describe('rmnet backend', () => {
  it('lists rmnet links of a parent with mux ids from IFLA_RMNET_MUX_ID', async () => {
    expect((await new RmnetBackend(recordedRmnet().netlink).list('wwan0')).map((l) => [l.name, l.muxId])).toEqual([['rmnet_data1', 1], ['rmnet_data5', 5]]);
  });

  it('creates with a name unique per parent and refuses a taken mux id naming its link', async () => {
    const backend = new RmnetBackend(recordedRmnet().netlink);
    expect(await backend.create('wwan0', 2)).toMatchObject({ name: 'wwan0.2', muxId: 2, backend: 'rmnet' });
    await expect(backend.create('wwan0', 5)).rejects.toMatchObject({ code: 'MUX_IN_USE', message: 'wwan0: mux id 5 is already used by rmnet_data5' });
    expect(defaultRmnetName('enx0123456789ab', 7, 200)).toBe('rmnet7.200');
  });

  it('reports a missing rmnet module and a parent held by a bridge, leaving nothing behind', async () => {
    const { model, netlink: nl } = recordedRmnet();
    model.rmnetLoaded = false;
    await expect(new RmnetBackend(nl).create('wwan0', 3)).rejects.toMatchObject({ code: 'LINK_KIND_UNSUPPORTED', message: expect.stringContaining('modprobe rmnet') });
    model.rmnetLoaded = true;
    model.get('wwan0').rxHandler = 'br0';
    await expect(new RmnetBackend(nl).create('wwan0', 3)).rejects.toMatchObject({ code: 'PARENT_BUSY', errno: 'EBUSY' });
    expect(model.list()).toHaveLength(4);
  });
});

describe('rmnet data format flags', () => {
  it('always deaggregates, adds checksum offload per QMAP version, and masks every format bit', () => {
    expect(rmnetFlagsFor('qmap')).toEqual({ flags: 0x01, mask: 0x3f });
    expect(rmnetFlagsFor('qmapv4')).toEqual({ flags: 0x0d, mask: 0x3f });
    expect(rmnetFlagsFor('qmapv5')).toEqual({ flags: 0x31, mask: 0x3f });
  });
});

describe('mux ids', () => {
  const links = [
    { muxId: 1, name: 'qmimux0', backend: 'qmimux' as const, parent: 'wwan0', ifindex: 3, up: true, mtu: 1500 },
    { muxId: 2, name: 'qmimux1', backend: 'qmimux' as const, parent: 'wwan0', ifindex: 4, up: true, mtu: 1500 },
    { muxId: 1, name: 'rmnet_data1', backend: 'rmnet' as const, parent: 'wwan1', ifindex: 6, up: true, mtu: 1496 },
  ];

  it('a requested id is free unless a link on the same parent holds it', () => {
    expect(() => checkMuxIdFree(links, 'wwan0', 3)).not.toThrow();
    expect(() => checkMuxIdFree(links, 'wwan1', 2)).not.toThrow();
    expect(() => checkMuxIdFree(links, 'wwan0', 200)).not.toThrow();
    expect(() => checkMuxIdFree([], 'wwan0', 1)).not.toThrow();
  });

  it('names the link holding a requested id (and its backend), and lets the caller say more', () => {
    expect(() => checkMuxIdFree(links, 'wwan0', 2)).toThrow(expect.objectContaining({ code: 'MUX_IN_USE', category: 'conflict', message: 'wwan0: mux id 2 is already used by qmimux1', details: expect.objectContaining({ link: 'qmimux1', backend: 'qmimux' }) }));
    expect(() => checkMuxIdFree(links, 'wwan0', 2, (h) => ` (${h.backend})`)).toThrow('wwan0: mux id 2 is already used by qmimux1 (qmimux)');
  });

  it('refuses mux ids the kernel refuses', () => {
    expect(() => checkMuxIdFree(links, 'wwan0', 0)).toThrow(expect.objectContaining({ code: 'BAD_MUX_ID' }));
    expect(() => checkMuxIdFree(links, 'wwan0', 255)).toThrow(expect.objectContaining({ code: 'BAD_MUX_ID' }));
  });
});

describe('mux id read-out from kernel truth', () => {
  it('maps qmimux links from sysfs', async () => {
    expect((await readMuxMap(fixture('qmimux'), null)).map((l) => [l.muxId, l.name, l.backend, l.parent])).toEqual([[1, 'qmimux0', 'qmimux', 'wwan0'], [5, 'qmimux1', 'qmimux', 'wwan0']]);
  });

  it('maps rmnet links from netlink and never lists the bogus add_mux entries', async () => {
    const { sysfs, netlink } = recordedRmnet();
    expect((await readMuxMap(sysfs, netlink)).map((l) => [l.muxId, l.name, l.backend, l.parent])).toEqual([[1, 'rmnet_data1', 'rmnet', 'wwan0'], [5, 'rmnet_data5', 'rmnet', 'wwan0']]);
  });

  it('maps both modems of the two-modems tree, one backend each', async () => {
    const { model, sysfs, netlink: nl } = fixtureKernel('two-modems');
    // The synthesized tree says "rmnet_data1 with mux id 1 (netlink only)" in its notes, not as `ip -d link`.
    model.get('rmnet_data1').muxId = 1;
    expect(model.get('rmnet_data1')).toMatchObject({ kind: 'rmnet', parentIndex: 5, mtu: 1496 });
    const map = await readMuxMap(sysfs, nl);
    expect(map.map((l) => [l.parent, l.muxId, l.name, l.backend])).toEqual([['wwan0', 1, 'qmimux0', 'qmimux'], ['wwan0', 5, 'qmimux1', 'qmimux'], ['wwan1', 1, 'rmnet_data1', 'rmnet']]);
    expect(await readMuxMap(sysfs, nl, 'wwan1')).toHaveLength(1);
  });
});

describe('setUpDatapath over the kernel model (sysfs + netlink views)', () => {
  it('puts a fresh 802.3 modem into qmimux mode with the receive size, and creates the link', async () => {
    const { sysfs, netlink: nl } = fixtureKernel('802.3');
    const result = await setUpDatapath(sysfs, nl, { parent: 'wwan0', backend: 'qmimux', grantedDlSize: 16384, muxIds: [1] }, { undo: new UndoStack() });
    expect(result.created).toMatchObject([{ muxId: 1, name: 'qmimux0', backend: 'qmimux' }]);
    expect(sysfs.writes).toEqual(['class/net/wwan0/qmi/raw_ip=Y', 'class/net/wwan0/qmi/raw_ip=N', 'class/net/wwan0/qmi/raw_ip=Y', 'class/net/wwan0/qmi/add_mux=1']);
    expect(await nl.getLink('wwan0')).toMatchObject({ mtu: 16384, up: true });
    expect(await nl.getLink('qmimux0')).toMatchObject({ name: 'qmimux0', up: true });
  });

  it('on a PCIe/MHI parent (mhi_net) rmnet needs no mode switch and no receive-size steps', async () => {
    const { sysfs, netlink: nl, model } = fixtureKernel('mhi');
    model.get('mhi_hwip0').maxMtu = 65535;
    const plan = await planSetUp(sysfs, nl, { parent: 'mhi_hwip0', backend: 'rmnet', grantedDlSize: 32768, muxIds: [1] });
    expect(plan.steps.map((s) => s.action.op)).toEqual(['create-link', 'set-up', 'set-mux-link-up']);
    expect(plan.notes).toContain("mhi_hwip0: not a qmi_wwan device; the receive size is the driver's own");
    await expect(setUpDatapath(sysfs, nl, { parent: 'mhi_hwip0', backend: 'qmimux', grantedDlSize: null, muxIds: [1] }, { undo: new UndoStack() })).rejects.toMatchObject({ code: 'NOT_QMI_WWAN' });
  });

  it('restores only the MTU of a PCIe/MHI parent, exactly (no usbnet, no EDOM rule)', async () => {
    const { sysfs, netlink: nl, model } = fixtureKernel('mhi');
    const parent = model.get('mhi_hwip0');
    Object.assign(parent, { maxMtu: 65535 });
    await nl.setMtu('mhi_hwip0', 32768);
    await nl.setLinkUp('mhi_hwip0', true);
    const plan = await restoreKernelMode(sysfs, nl, 'mhi_hwip0', { rawIp: false, passThrough: false, mtu: 16384 });
    expect(plan.steps.map((s) => describeAction(s.action))).toEqual(['mhi_hwip0 mtu 16384']);
    expect(await nl.getLink('mhi_hwip0')).toMatchObject({ mtu: 16384, up: true });
  });

  it('fails cleanly on an interface that does not exist', async () => {
    const { sysfs, netlink: nl } = fixtureKernel('qmimux');
    await expect(setUpDatapath(sysfs, nl, { parent: 'wwan9', backend: 'qmimux', grantedDlSize: null, muxIds: [1] }, { undo: new UndoStack() })).rejects.toMatchObject({ code: 'NO_SUCH_INTERFACE', message: expect.stringContaining('wwan9') });
  });

  it('refuses a taken mux id before touching anything', async () => {
    const { sysfs, netlink: nl } = fixtureKernel('qmimux');
    await expect(setUpDatapath(sysfs, nl, { parent: 'wwan0', backend: 'qmimux', grantedDlSize: null, muxIds: [5] }, { undo: new UndoStack() })).rejects.toMatchObject({ code: 'MUX_IN_USE', message: expect.stringContaining('qmimux1') });
    expect(sysfs.writes).toEqual([]);
  });
});
