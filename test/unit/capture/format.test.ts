// Which format a capture reads the parent with: each rule of the table, in its order, and the targets a
// recorded sysfs tree gives (-d to parent, link names, --mux checks).
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { decideCaptureFormat, type CaptureFormatFacts } from '../../../src/capture/format.js';
import { resolveCaptureTarget } from '../../../src/capture/target.js';
import { RMNET_FLAGS } from '../../../src/netlink/constants.js';
import { FileSysfs } from '../../../src/sysfs/sysfs.js';
import { RmnetError } from '../../../src/errors.js';
import type { ModemRecord } from '../../../src/session/state.js';

const none: CaptureFormatFacts = { rmnetFlags: [], qmimuxLinks: 0 };
const F = RMNET_FLAGS;

describe('decideCaptureFormat', () => {
  it.each<[string, CaptureFormatFacts, unknown]>([
    ['--qmap wins over everything', { ...none, option: '4', record: { aggregation: 'qmapv5', backend: 'rmnet' }, qmimuxLinks: 2 }, { kind: 'qmap', version: 4, rules: 'rmnet', source: 'option' }],
    ['--qmap 1 on a bare interface: qmimux rules', { ...none, option: '1' }, { kind: 'qmap', version: 1, rules: 'qmimux', source: 'option' }],
    ['--qmap none', { ...none, option: 'none', qmimuxLinks: 1 }, { kind: 'ip', source: 'option' }],
    ['the record: rmnet+qmapv5', { ...none, record: { aggregation: 'qmapv5', backend: 'rmnet' } }, { kind: 'qmap', version: 5, rules: 'rmnet', source: 'record' }],
    ['the record: rmnet+qmap keeps rmnet rules for v1', { ...none, record: { aggregation: 'qmap', backend: 'rmnet' } }, { kind: 'qmap', version: 1, rules: 'rmnet', source: 'record' }],
    ['the record: qmimux+qmap', { ...none, record: { aggregation: 'qmap', backend: 'qmimux' } }, { kind: 'qmap', version: 1, rules: 'qmimux', source: 'record' }],
    ['the record: raw-ip', { ...none, record: { aggregation: 'none', backend: undefined }, qmiWwan: { rawIp: true, passThrough: true } }, { kind: 'ip', source: 'record' }],
    ['rmnet links with the v5 ingress flag', { ...none, rmnetFlags: [F.ingressDeaggregation | F.ingressMapChecksumV5] }, { kind: 'qmap', version: 5, rules: 'rmnet', source: 'kernel' }],
    ['rmnet links with the v4 ingress flag', { ...none, rmnetFlags: [F.ingressMapChecksumV4] }, { kind: 'qmap', version: 4, rules: 'rmnet', source: 'kernel' }],
    ['rmnet links without checksum flags', { ...none, rmnetFlags: [F.ingressDeaggregation, F.ingressDeaggregation] }, { kind: 'qmap', version: 1, rules: 'rmnet', source: 'kernel' }],
    ['qmimux children', { ...none, qmimuxLinks: 2, qmiWwan: { rawIp: true, passThrough: false } }, { kind: 'qmap', version: 1, rules: 'qmimux', source: 'kernel' }],
    ['raw-ip without pass_through and no mux link', { ...none, qmiWwan: { rawIp: true, passThrough: false } }, { kind: 'ip', source: 'kernel' }],
    ['not qmi_wwan (mhi_net) and no mux link', none, { kind: 'ip', source: 'kernel' }],
  ])('%s', (_name, facts, expected) => {
    expect(decideCaptureFormat(facts, 'wwan0')).toEqual(expected);
  });

  it('refuses pass_through with nothing to say the version, naming --qmap', () => {
    expect(() => decideCaptureFormat({ ...none, qmiWwan: { rawIp: true, passThrough: true } }, 'wwan0')).toThrow(
      expect.objectContaining({ code: 'CAPTURE_FORMAT_UNKNOWN', category: 'usage', message: expect.stringContaining('give --qmap 1|4|5') }),
    );
  });

  it('refuses rmnet links that disagree', () => {
    expect(() => decideCaptureFormat({ ...none, rmnetFlags: [F.ingressMapChecksumV5, 0] }, 'wwan0')).toThrow(expect.objectContaining({ code: 'CAPTURE_FORMAT_UNKNOWN', category: 'conflict' }));
  });
});

const root = (name: string) => fileURLToPath(new URL(`../../fixtures/sysfs/${name}/sys`, import.meta.url));
const env = (name: string) => ({ sysfs: new FileSysfs(root(name)), proxyRunning: async () => false, openQmi: async () => Promise.reject(new Error('no QMI in this test')) });

describe('resolveCaptureTarget on recorded trees', () => {
  it('a qmimux modem: -d /dev/cdc-wdm0 is wwan0, QMAP v1 from its children, link names from the kernel', async () => {
    const target = await resolveCaptureTarget({ env: env('qmimux'), netlink: null, readRecord: () => undefined }, { device: '/dev/cdc-wdm0', mux: 5 });
    expect(target).toEqual({
      parent: 'wwan0',
      device: '/dev/cdc-wdm0',
      format: { kind: 'qmap', version: 1, rules: 'qmimux', source: 'kernel' },
      linkNames: new Map([[1, 'qmimux0'], [5, 'qmimux1']]),
    });
  });

  it('--mux N that is not up is MUX_NOT_FOUND naming the ones that are', async () => {
    const error = await resolveCaptureTarget({ env: env('qmimux'), netlink: null, readRecord: () => undefined }, { device: 'wwan0', mux: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RmnetError);
    expect(error).toMatchObject({ code: 'MUX_NOT_FOUND', category: 'notFound', message: '--mux 3: no link with mux id 3 on wwan0 (up: 1, 5)' });
  });

  it('the record decides over the kernel, and names its links', async () => {
    const record = {
      version: 1,
      device: '/dev/cdc-wdm0',
      netInterface: 'wwan0',
      dataFormat: { rung: 'rmnet+qmapv5', aggregation: 'qmapv5', linkLayer: 'raw-ip', dlMaxDatagrams: 32, dlMaxSize: 32768, ulMaxDatagrams: 1, ulMaxSize: 1504, via: 'char-device' },
      pdns: [{ request: { muxId: 7 }, state: 'up', backend: 'rmnet', link: { name: 'wwan0.7', ifindex: 9, created: true }, clients: [], addresses: [], routes: [], dns: [], startedAt: '' }],
    } as unknown as ModemRecord;
    const keys: string[] = [];
    const target = await resolveCaptureTarget({ env: env('rawip'), netlink: null, readRecord: (key) => (keys.push(key), record) }, { mux: 7 });
    expect(keys).toEqual(['cdc-wdm0']);
    expect(target.format).toEqual({ kind: 'qmap', version: 5, rules: 'rmnet', source: 'record' });
    expect(target.linkNames).toEqual(new Map([[7, 'wwan0.7']]));
  });

  it('a raw-ip modem without a record is plain IP, and --mux there is a usage error', async () => {
    const deps = { env: env('rawip'), netlink: null, readRecord: () => undefined };
    expect((await resolveCaptureTarget(deps, {})).format).toEqual({ kind: 'ip', source: 'kernel' });
    await expect(resolveCaptureTarget(deps, { mux: 1 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', category: 'usage' });
  });

  it('names an interface that does not exist, and a control port no modem has', async () => {
    const deps = { env: env('rawip'), netlink: null, readRecord: () => undefined };
    await expect(resolveCaptureTarget(deps, { device: 'nosuch0' })).rejects.toMatchObject({ code: 'NO_SUCH_INTERFACE', category: 'notFound' });
    await expect(resolveCaptureTarget(deps, { device: '/dev/cdc-wdm9' })).rejects.toMatchObject({ code: 'NO_SUCH_MODEM', category: 'notFound' });
  });
});
