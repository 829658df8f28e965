// Discovery and topology on every fixture tree: four states (802.3, rawip, qmimux, rmnet) recorded with an
// emulated EC25 on each lab kernel (Debian 6.1 at the top of test/fixtures/sysfs/, 6.12 and 7.2 under
// linux-<series>/, scripts/record-sysfs.sh), and two synthesized trees (mhi, two-modems; synthesize.sh).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileSysfs, resolve } from '../../../src/sysfs/sysfs.js';
import { bulkInMaxPacketSize, discoverModems } from '../../../src/sysfs/discovery.js';
import { lowerDevices, qmimuxMuxId, readInterface, upperDevices } from '../../../src/sysfs/topology.js';
import { readQmiWwanMode } from '../../../src/sysfs/qmi-wwan.js';

export const fixture = (name: string) => new FileSysfs(fileURLToPath(new URL(`../../fixtures/sysfs/${name}/sys`, import.meta.url)));

/**
 * The recorded kernels: directory prefix, the release each tree's fixture-info.txt must name, and where the
 * bulk-IN packet size comes from (the 6.1 recordings kept no ep_* directories, the later ones do).
 */
export const recordedKernels = [
  { kernel: '6.1', dir: '', release: /^kernel: 6\.1\.0-\d+-amd64 /m, packetSource: 'speed' },
  { kernel: '6.12', dir: 'linux-6.12/', release: /^kernel: 6\.12\.\d+\+deb13-amd64 /m, packetSource: 'endpoint' },
  { kernel: '7.2', dir: 'linux-7.2/', release: /^kernel: 7\.2\.\d+\+deb14-amd64 /m, packetSource: 'endpoint' },
] as const;
const recordedStates = ['802.3', 'rawip', 'qmimux', 'rmnet'] as const;
const info = (name: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/sysfs/${name}/fixture-info.txt`, import.meta.url)), 'utf8');

const ec25 = {
  controlPort: 'cdc-wdm0',
  netInterface: 'wwan0',
  driver: 'qmi_wwan',
  vendorProduct: '2c7c:0125',
  busPath: '1-1',
  interfaceNumber: 0,
  endpointType: 'hsusb',
};

describe.each(recordedKernels)('recorded on $kernel', ({ dir, release }) => {
  it.each(recordedStates)('the %s tree is labelled with its kernel and recorded, not synthesized', (state) => {
    expect(info(`${dir}${state}`)).toMatch(release);
    expect(info(`${dir}${state}`)).not.toMatch(/SYNTHESIZED/);
    expect(info(`${dir}${state}`)).toMatch(/^links not resolving inside tree: none$/m);
  });

  it.each([
    ['802.3', false, false],
    ['rawip', true, false],
    ['qmimux', true, false],
    ['rmnet', true, true],
  ])('discoverModems finds the EC25 in the recorded %s tree', async (name, rawIp, passThrough) => {
    const modems = await discoverModems(fixture(`${dir}${name}`));
    expect(modems).toHaveLength(1);
    expect(modems[0]).toMatchObject({ ...ec25, rawIp, passThrough, netInterfaces: ['wwan0'] });
    expect(modems[0]!.devicePath).toBe('devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0');
  });
});

describe('discoverModems', () => {
  it('finds a PCIe/MHI modem through the wwan class (synthesized tree)', async () => {
    const modems = await discoverModems(fixture('mhi'));
    expect(modems).toEqual([
      {
        controlPort: 'wwan0qmi0',
        netInterface: 'mhi_hwip0',
        netInterfaces: ['mhi_hwip0'],
        driver: 'mhi_net',
        vendorProduct: '17cb:0306',
        busPath: '0000:01:00.0',
        interfaceNumber: null,
        endpointType: 'pcie',
        rawIp: null,
        passThrough: null,
        devicePath: 'devices/pci0000:00/0000:00:1c.0/0000:01:00.0/mhi0/wwan/wwan0/wwan0qmi0',
      },
    ]);
  });

  it('finds both modems of the two-modems tree, each with its own interface number and mode', async () => {
    const modems = await discoverModems(fixture('two-modems'));
    expect(modems.map((m) => [m.controlPort, m.netInterface, m.vendorProduct, m.busPath, m.interfaceNumber, m.rawIp, m.passThrough])).toEqual([
      ['cdc-wdm0', 'wwan0', '2c7c:0125', '1-1', 0, true, false],
      ['cdc-wdm1', 'wwan1', '1199:9071', '1-2', 8, true, true],
    ]);
  });

  it('returns nothing on an empty root', async () => {
    expect(await discoverModems(new FileSysfs('/nonexistent-sysfs-root'))).toEqual([]);
  });
});

describe.each(recordedKernels)('topology on the trees recorded on $kernel', ({ dir, packetSource }) => {
  it('reads qmimux children and their mux ids from qmap/mux_id, not names', async () => {
    const sysfs = fixture(`${dir}qmimux`);
    expect(await upperDevices(sysfs, 'wwan0')).toEqual(['qmimux0', 'qmimux1']);
    expect(await lowerDevices(sysfs, 'qmimux1')).toEqual(['wwan0']);
    expect(await qmimuxMuxId(sysfs, 'qmimux1')).toBe(5);
  });

  it('sees rmnet children as upper devices without a qmimux mux id (theirs is in netlink only)', async () => {
    const sysfs = fixture(`${dir}rmnet`);
    expect(await upperDevices(sysfs, 'wwan0')).toEqual(['rmnet_data1', 'rmnet_data5']);
    expect(await lowerDevices(sysfs, 'rmnet_data5')).toEqual(['wwan0']);
    expect(await qmimuxMuxId(sysfs, 'rmnet_data1')).toBeUndefined();
    // The bogus entries KERNEL.md warns about are really there; nothing may list mux ids from them.
    expect(await sysfs.read('class/net/wwan0/qmi/add_mux')).toBe('0x00\n0x00');
  });

  it('reads interface state', async () => {
    expect(await readInterface(fixture(`${dir}802.3`), 'wwan0')).toEqual({ name: 'wwan0', ifindex: 2, mtu: 1500, up: false, operstate: 'down', type: 1 });
    expect(await readInterface(fixture(`${dir}qmimux`), 'wwan0')).toMatchObject({ up: true, type: 65534 });
    expect(await readInterface(fixture(`${dir}qmimux`), 'nosuch0')).toBeUndefined();
    expect(await readQmiWwanMode(fixture(`${dir}rmnet`), 'wwan0')).toEqual({ rawIp: true, passThrough: true });
    expect(await readQmiWwanMode(fixture(`${dir}rmnet`), 'rmnet_data1')).toBeUndefined();
  });

  it('rejects interface names that would escape class/net', async () => {
    await expect(upperDevices(fixture(`${dir}qmimux`), '../../etc')).rejects.toMatchObject({ code: 'BAD_INTERFACE_NAME' });
  });

  it('resolves relative symlinks lexically inside the tree', async () => {
    expect(await resolve(fixture(`${dir}qmimux`), 'class/net/wwan0/upper_qmimux0/lower_wwan0/device')).toBe('devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0');
    expect(await resolve(fixture(`${dir}qmimux`), 'class/net/nosuch')).toBeUndefined();
  });

  it('finds the bulk IN max packet size of the recorded EC25: 512 (high speed)', async () => {
    // The 6.1 recordings have no ep_* directories but the device's speed (480 -> 512); the later ones have ep_82.
    expect(await bulkInMaxPacketSize(fixture(`${dir}qmimux`), 'wwan0')).toEqual({ size: 512, source: packetSource });
  });
});

describe('bulk IN max packet size of the synthesized trees', () => {
  it('reads the endpoint, or falls back to 512', async () => {
    expect(await bulkInMaxPacketSize(fixture('two-modems'), 'wwan1')).toEqual({ size: 1024, source: 'endpoint' });
    // The MHI modem is not USB: 512 is the default (it avoids 1024-multiples too).
    expect(await bulkInMaxPacketSize(fixture('mhi'), 'mhi_hwip0')).toEqual({ size: 512, source: 'default' });
  });
});
