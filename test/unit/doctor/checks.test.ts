// Every doctor check on hand-built evidence: each verdict, its evidence and its fix.
import { describe, expect, it } from 'vitest';
import { CHECKS, STALL_MIN_TX_PACKETS, defaultRoutes, driver, leftovers, modemManager, portHolders, qmiWwanMode, radio, receiveSize, rmnetModule, runChecks, rxStall, summarize } from '../../../src/doctor/checks.js';
import type { CounterReading, DoctorEvidence, ModemEvidence } from '../../../src/doctor/evidence.js';
import type { Modem } from '../../../src/sysfs/discovery.js';
import type { ModemStatus, MuxStatus } from '../../../src/session/status.js';
import type { ModemRecord, PdnRecord } from '../../../src/session/state.js';
import type { RadioReport } from '../../../src/modem/radio.js';
import type { LinkStats } from '../../../src/netlink/link.js';

const usb = (overrides: Partial<Modem> = {}): Modem => ({
  controlPort: 'cdc-wdm0', netInterface: 'wwan0', netInterfaces: ['wwan0'], driver: 'qmi_wwan', vendorProduct: '2c7c:0800', busPath: '2-1',
  interfaceNumber: 4, endpointType: 'hsusb', rawIp: true, passThrough: true, devicePath: 'devices/pci0000:00/usb2/2-1/2-1:1.4', ...overrides,
});

const pdn = (overrides: Partial<PdnRecord> = {}): PdnRecord => ({
  request: { muxId: 1, apn: 'internet', ipType: '4', auth: 'none', backend: 'auto', noIp: false }, state: 'up', backend: 'rmnet',
  link: { name: 'wwan0.1', ifindex: 9, created: true }, clients: [{ family: 4, clientId: 3 }], addresses: [], routes: [], dns: [], startedAt: '1970-01-01T00:00:00.000Z', ...overrides,
});

const record = (pdns: PdnRecord[] = [pdn()], dlMaxSize: number | undefined = 31744): ModemRecord => ({
  version: 1, device: '/dev/cdc-wdm0', netInterface: 'wwan0', pdns,
  dataFormat: { rung: 'rmnet+qmapv5', aggregation: 'qmapv5', linkLayer: 'raw-ip', dlMaxDatagrams: 32, dlMaxSize, ulMaxDatagrams: 1, ulMaxSize: 1504, via: 'char-device' },
});

const goodRadio = (): RadioReport => ({
  operatingMode: { value: 'online' },
  registration: { value: { state: 'registered', technology: 'lte', mcc: '001', mnc: '01', roaming: false } },
  signal: { value: { lte: { rssiDbm: -60, rsrqDb: -9, rsrpDbm: -85, sinrDb: 12 }, nr5g: null } },
  sim: { value: { state: 'ready', cardState: 'present', applicationState: 'ready' } },
});

const mux = (overrides: Partial<MuxStatus> = {}): MuxStatus => ({
  muxId: 1, link: 'wwan0.1', backend: 'rmnet', recorded: { apn: 'internet', ipType: '4', state: 'up' },
  kernel: { present: true, up: true, mtu: 1500, rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0 }, addresses: [], modem: [], disagreements: [], ...overrides,
});

const modemStatus = (overrides: Partial<ModemStatus> = {}): ModemStatus => ({
  device: '/dev/cdc-wdm0', parent: 'wwan0', dataFormat: null, kernelMode: { rawIp: true, passThrough: true }, radio: goodRadio(), radioUnavailable: null, muxes: [mux()], peers: { modemManager: null, portHolders: [], modemManagerBearer: null }, warnings: [], health: null, ...overrides,
});

const modemEvidence = (overrides: Partial<ModemEvidence> = {}): ModemEvidence => ({
  modem: usb(), record: record(), recordError: null, recordDenied: false,
  parent: { name: 'wwan0', mtu: 31744, maxMtu: 65535, up: true, rxOverErrors: 0, maxPacketSize: 512 },
  status: modemStatus(), statusError: null, portHolders: null, ...overrides,
});

const evidence = (overrides: Partial<DoctorEvidence> = {}): DoctorEvidence => ({
  sysfsRoot: '/sys', stateDir: '/run/rmnetctl', root: true, selector: null, modems: [modemEvidence()], strayRecords: [],
  rmnet: { loaded: true, modinfo: 'not-asked', detail: '/sys/module/rmnet exists' },
  muxLinks: [{ muxId: 1, name: 'wwan0.1', backend: 'rmnet', parent: 'wwan0', ifindex: 9, up: true, mtu: 1500 }],
  defaultRoutes: [{ family: 4, metric: 100, table: 254, device: 'wwan0.1' }, { family: 4, metric: 0, table: 254, device: 'eth0' }],
  counters: [], portHoldersChecked: false, ...overrides,
});

const stats = (rx: number, tx: number): LinkStats => ({ rxPackets: rx, txPackets: tx, rxBytes: rx * 100, txBytes: tx * 100, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0, rxOverErrors: 0 });
const reading = (before: [number, number], after: [number, number]): CounterReading => ({ link: 'wwan0.1', muxId: 1, parent: 'wwan0', intervalSeconds: 3, before: stats(...before), after: stats(...after) });

const only = <T>(list: T[]): T => {
  expect(list).toHaveLength(1);
  return list[0]!;
};

describe('doctor checks', () => {
  it('a healthy modem: every verdict ok, nothing to fix', () => {
    const verdicts = runChecks(evidence({ counters: [reading([10, 10], [25, 20])] }));
    expect(verdicts.filter((v) => v.verdict !== 'ok')).toEqual([]);
    expect(verdicts.every((v) => v.fix === null && v.evidence.length > 0)).toBe(true);
    expect(summarize(verdicts)).toEqual({ ok: verdicts.length, warn: 0, fail: 0 });
    expect(new Set(verdicts.map((v) => v.check))).toEqual(new Set(['driver', 'rmnet-module', 'qmi-wwan-mode', 'receive-size', 'sim', 'registration', 'signal', 'leftovers', 'default-routes', 'rx-stall', 'modem-manager']));
    expect(CHECKS.map(([name]) => name)).toContain('port-holders');
  });

  describe('driver', () => {
    it('ok names the USB interface and the control port', () => {
      const v = only(driver(evidence()));
      expect(v).toMatchObject({ verdict: 'ok', subject: '/dev/cdc-wdm0', summary: 'qmi_wwan binds wwan0 on USB interface 2-1:4 (2c7c:0800), cdc_wdm /dev/cdc-wdm0' });
      expect(v.evidence).toContain('/sys/devices/pci0000:00/usb2/2-1/2-1:1.4/driver -> qmi_wwan');
    });
    it('fails with no control port at all', () => {
      const v = only(driver(evidence({ modems: [] })));
      expect(v).toMatchObject({ verdict: 'fail', summary: 'no QMI control port found', needsRoot: true });
      expect(v.fix).toMatch(/^modprobe qmi_wwan \(USB\) or modprobe mhi_net mhi_wwan_ctrl \(PCIe\)/);
    });
    it('fails when another driver holds the interface, or qmi_wwan has no netdev', () => {
      expect(only(driver(evidence({ modems: [modemEvidence({ modem: usb({ driver: 'option' }) })] })))).toMatchObject({ verdict: 'fail', summary: 'USB interface of /dev/cdc-wdm0 is bound to option, not qmi_wwan', fix: expect.stringMatching(/^modprobe qmi_wwan; .*new_id$/) });
      expect(only(driver(evidence({ modems: [modemEvidence({ modem: usb({ netInterface: null, netInterfaces: [] }) })] })))).toMatchObject({ verdict: 'fail', fix: 'replug the modem or reload the driver: modprobe -r qmi_wwan && modprobe qmi_wwan' });
    });
    it('PCIe: mhi_net and a wwan QMI port', () => {
      const pcie = usb({ controlPort: 'wwan0qmi0', netInterface: 'mhi_hwip0', netInterfaces: ['mhi_hwip0'], driver: 'mhi_net', endpointType: 'pcie', busPath: '0000:01:00.0', interfaceNumber: null, rawIp: null, passThrough: null });
      expect(only(driver(evidence({ modems: [modemEvidence({ modem: pcie })] })))).toMatchObject({ verdict: 'ok', summary: expect.stringContaining('mhi_net binds mhi_hwip0 of PCIe modem 0000:01:00.0, control port /dev/wwan0qmi0') });
      expect(only(driver(evidence({ modems: [modemEvidence({ modem: { ...pcie, driver: null, netInterface: null } })] })))).toMatchObject({ verdict: 'fail', fix: 'modprobe mhi_net' });
      // raw_ip, pass_through and the usbnet receive size do not apply to PCIe.
      expect(qmiWwanMode(evidence({ modems: [modemEvidence({ modem: pcie })] }))).toEqual([]);
      expect(receiveSize(evidence({ modems: [modemEvidence({ modem: pcie })] }))).toEqual([]);
    });
  });

  it('rmnet module: loaded, loadable, unknown, missing', () => {
    expect(only(rmnetModule(evidence())).verdict).toBe('ok');
    const noPdn = (overrides: Partial<DoctorEvidence>) => evidence({ modems: [modemEvidence({ record: record([]) })], ...overrides }); // no PDN recorded
    expect(only(rmnetModule(noPdn({ rmnet: { loaded: false, modinfo: 'found', detail: 'd' } })))).toMatchObject({ verdict: 'ok', summary: 'rmnet is not loaded but installed; up loads it (modprobe rmnet, as root)' });
    expect(only(rmnetModule(noPdn({ rmnet: { loaded: false, modinfo: 'unknown', detail: 'd' } })))).toMatchObject({ verdict: 'warn', fix: 'install kmod (modinfo), or load it: modprobe rmnet' });
    expect(only(rmnetModule(noPdn({ rmnet: { loaded: false, modinfo: 'missing', detail: 'd' } })))).toMatchObject({ verdict: 'warn', fix: 'install the kernel modules package with CONFIG_RMNET (e.g. linux-modules-extra), or use up --backend qmimux' });
  });

  it('rmnet module: unloaded under a PDN recorded on rmnet fails, naming the PDN, whatever modinfo says', () => {
    const unloaded = { loaded: false, modinfo: 'found', detail: '/sys/module/rmnet absent; modinfo rmnet: found' } as const;
    // the link is still there (a built-in rmnet may have no /sys/module entry): nothing stranded
    expect(only(rmnetModule(evidence({ rmnet: unloaded }))).verdict).toBe('ok');
    const v = only(rmnetModule(evidence({ rmnet: unloaded, muxLinks: [] })));
    expect(v).toMatchObject({ verdict: 'fail', needsRoot: true, fix: 'rmnetctl down -d /dev/cdc-wdm0 --all, then modprobe rmnet and rmnetctl up -d /dev/cdc-wdm0 ... again' });
    expect(v.summary).toBe('rmnet is not loaded, but the record has PDNs on rmnet: mux 1 on wwan0 (wwan0.1); their links went with the module');
    expect(v.evidence).toEqual(['/sys/module/rmnet absent; modinfo rmnet: found', 'record /run/rmnetctl/cdc-wdm0.json: mux 1 backend rmnet, state up']);
    // a qmimux PDN does not need rmnet
    const qmimux = evidence({ rmnet: { loaded: false, modinfo: 'missing', detail: 'd' }, muxLinks: [], modems: [modemEvidence({ record: record([pdn({ backend: 'qmimux' })]) })] });
    expect(only(rmnetModule(qmimux)).verdict).toBe('warn');
  });

  it('ModemManager: not running, running without a bearer (ok, named), with its own bearer (warn, the fix)', () => {
    expect(only(modemManager(evidence()))).toMatchObject({ check: 'modem-manager', verdict: 'ok', summary: 'ModemManager is not running' });
    const beside = modemStatus({ peers: { modemManager: { pid: 640, name: 'ModemManager' }, portHolders: [{ pid: 700, name: 'qmi-proxy' }], modemManagerBearer: null } });
    const ok = only(modemManager(evidence({ modems: [modemEvidence({ status: beside })] })));
    expect(ok).toMatchObject({ verdict: 'ok', fix: null, summary: 'ModemManager (pid 640) runs, with no bearer of its own on this modem; rmnetctl shares /dev/cdc-wdm0 with it through qmi-proxy' });
    expect(ok.evidence.slice(0, 2)).toEqual(['/proc/640/comm: ModemManager', '/dev/cdc-wdm0 held by: qmi-proxy (700)']);
    const bearer = modemStatus({ peers: { modemManager: { pid: 640, name: 'ModemManager' }, portHolders: [{ pid: 700, name: 'qmi-proxy' }], modemManagerBearer: { links: ['qmapmux0.0'], addresses: [] } } });
    const warn = only(modemManager(evidence({ modems: [modemEvidence({ status: bearer })] })));
    expect(warn).toMatchObject({ verdict: 'warn', fix: 'mmcli -m any --simple-disconnect (or let NetworkManager/ModemManager not connect this modem), then rmnetctl up' });
    expect(warn.summary).toBe('ModemManager (pid 640) has its own bearer connected on this modem (link qmapmux0.0): rmnetctl up refuses here while it is connected');
    expect(modemManager(evidence({ modems: [modemEvidence({ status: null })] }))).toEqual([]);
  });

  it('qmi_wwan mode: what the recorded backend needs', () => {
    expect(only(qmiWwanMode(evidence()))).toMatchObject({ verdict: 'ok', summary: 'raw_ip Y, pass_through Y, as rmnet needs', evidence: ['/sys/class/net/wwan0/qmi/raw_ip: Y', '/sys/class/net/wwan0/qmi/pass_through: Y'] });
    const lost = only(qmiWwanMode(evidence({ modems: [modemEvidence({ modem: usb({ passThrough: false }) })] })));
    expect(lost).toMatchObject({ verdict: 'fail', fix: 'rmnetctl down -d /dev/cdc-wdm0 --all && rmnetctl up -d /dev/cdc-wdm0 ... (up sets the mode again)' });
    expect(lost.summary).toMatch(/^the recorded rmnet session needs raw_ip Y and pass_through Y; the kernel has raw_ip Y, pass_through N/);
    expect(only(qmiWwanMode(evidence({ modems: [modemEvidence({ modem: usb({ passThrough: false }), record: record([pdn({ backend: 'qmimux' })]) })] }))).verdict).toBe('ok');
    expect(only(qmiWwanMode(evidence({ modems: [modemEvidence({ modem: usb({ rawIp: false, passThrough: false }), record: null })] })))).toMatchObject({ verdict: 'ok', summary: 'raw_ip N, pass_through N; no session recorded (up sets the mode it needs)' });
  });

  describe('receive size', () => {
    it('ok when MTU (+14 in 802.3) covers the grant', () => {
      expect(only(receiveSize(evidence()))).toMatchObject({ verdict: 'ok', summary: 'receive size 31744 (MTU 31744) covers the granted DL size 31744' });
      const e8023 = evidence({ modems: [modemEvidence({ modem: usb({ rawIp: false, passThrough: false }), record: record([pdn({ backend: 'qmimux' })], 16398), parent: { name: 'wwan0', mtu: 16384, maxMtu: 65535, up: true, rxOverErrors: 0, maxPacketSize: 512 } })] });
      expect(only(receiveSize(e8023)).summary).toBe('receive size 16398 (MTU 16384 + 14) covers the granted DL size 16398');
    });
    it('fails below the grant, the fix an MTU usbnet accepts (not a multiple of the packet size)', () => {
      const e = evidence({ modems: [modemEvidence({ record: record([pdn()], 32768), parent: { name: 'wwan0', mtu: 1500, maxMtu: 65535, up: true, rxOverErrors: 7, maxPacketSize: 512 } })] });
      const v = only(receiveSize(e));
      expect(v).toMatchObject({ verdict: 'fail', fix: 'ip link set dev wwan0 mtu 32769', needsRoot: true });
      expect(v.summary).toBe('receive size 1500 (MTU 1500) is smaller than the granted DL size 32768: every transfer longer than 1500 bytes is dropped whole (7 transfers already lost: rx_over_errors) (docs/receive-size.md)');
      expect(v.evidence).toEqual(['netlink wwan0: mtu 1500, maxmtu 65535, rx_over_errors 7', 'record /run/rmnetctl/cdc-wdm0.json: DL max size 32768']);
    });
    it('nothing to compare without a grant; a warning when netlink does not show the parent', () => {
      expect(only(receiveSize(evidence({ modems: [modemEvidence({ record: null })] })))).toMatchObject({ verdict: 'ok', summary: 'no aggregated downlink recorded: nothing to compare the MTU 31744 with' });
      expect(only(receiveSize(evidence({ modems: [modemEvidence({ parent: { name: 'wwan0', mtu: null, maxMtu: null, up: false, rxOverErrors: null, maxPacketSize: 512 } })] })))).toMatchObject({ verdict: 'warn', fix: "run doctor in wwan0's network namespace (ip netns exec NS rmnetctl doctor)" });
    });
  });

  describe('radio', () => {
    const withRadio = (r: Partial<RadioReport>) => evidence({ modems: [modemEvidence({ status: modemStatus({ radio: { ...goodRadio(), ...r } }) })] });
    it('ok: SIM ready, registered, RSRP', () => {
      expect(radio(evidence()).map((v) => [v.check, v.verdict, v.summary])).toEqual([['sim', 'ok', 'SIM ready'], ['registration', 'ok', 'registered on lte'], ['signal', 'ok', 'RSRP -85 dBm']]);
    });
    it('a refusal is a warning with the modem\'s reason, not a crash', () => {
      const reason = 'UIM Get Card Status: QMI error InvalidQmiCommand (71)';
      const verdicts = radio(withRadio({ sim: { value: null, unavailable: reason }, signal: { value: null, unavailable: 'NAS Get Signal Info: QMI error NotSupported (94)' } }));
      expect(verdicts.find((v) => v.check === 'sim')).toMatchObject({ verdict: 'warn', summary: `SIM state unavailable: ${reason}`, evidence: [`UIM Get Card Status: ${reason}`] });
      expect(verdicts.find((v) => v.check === 'signal')).toMatchObject({ verdict: 'warn', summary: 'signal unavailable: NAS Get Signal Info: QMI error NotSupported (94)' });
    });
    it('SIM problems fail with their fix', () => {
      const pin = radio(withRadio({ sim: { value: { state: 'pin-required', cardState: 'present', applicationState: 'pin1-or-upin-pin-required' } } })).find((v) => v.check === 'sim');
      expect(pin).toMatchObject({ verdict: 'fail', summary: 'SIM pin-required', fix: 'enter the PIN: qmicli --uim-verify-pin=PIN1,<pin> (or AT+CPIN=<pin>)' });
      expect(radio(withRadio({ sim: { value: { state: 'absent', cardState: 'absent', applicationState: null } } })).find((v) => v.check === 'sim')?.fix).toMatch(/^insert a SIM/);
    });
    it('registration: offline modem fails, denied fails, searching warns', () => {
      const searching = { state: 'not-registered-searching', technology: null, mcc: null, mnc: null, roaming: null };
      expect(radio(withRadio({ operatingMode: { value: 'low-power' }, registration: { value: { ...searching, state: 'not-registered' } } })).find((v) => v.check === 'registration')).toMatchObject({ verdict: 'fail', summary: 'not registered: the modem is low-power', fix: 'qmicli -d /dev/cdc-wdm0 --dms-set-operating-mode=online (or AT+CFUN=1)' });
      expect(radio(withRadio({ registration: { value: { ...searching, state: 'registration-denied' } } })).find((v) => v.check === 'registration')?.verdict).toBe('fail');
      expect(radio(withRadio({ registration: { value: searching } })).find((v) => v.check === 'registration')).toMatchObject({ verdict: 'warn', summary: 'not registered (not-registered-searching)' });
    });
    it('weak or no signal warns', () => {
      expect(radio(withRadio({ signal: { value: { lte: { rssiDbm: -90, rsrqDb: -15, rsrpDbm: -118, sinrDb: -2 }, nr5g: null } } })).find((v) => v.check === 'signal')).toMatchObject({ verdict: 'warn', summary: 'weak signal: RSRP -118 dBm (below -110)' });
      expect(radio(withRadio({ signal: { value: { lte: null, nr5g: null } } })).find((v) => v.check === 'signal')).toMatchObject({ verdict: 'warn', summary: 'no LTE or NR signal measured' });
    });
    it('a port that did not open: one warning; not root says what needs root', () => {
      const e = evidence({ root: false, modems: [modemEvidence({ status: modemStatus({ radio: null, radioUnavailable: 'not asked: cannot open /dev/cdc-wdm0' }) })] });
      expect(only(radio(e))).toMatchObject({ check: 'radio', verdict: 'warn', summary: 'SIM, registration and signal not checked: not asked: cannot open /dev/cdc-wdm0', fix: 'run as root, or add a udev rule giving your group /dev/cdc-wdm0', needsRoot: true });
    });
  });

  describe('leftovers', () => {
    it('a record whose link is gone fails with the down that clears it', () => {
      const e = evidence({ modems: [modemEvidence({ status: modemStatus({ muxes: [mux({ kernel: { ...mux().kernel, present: false } })] }) })] });
      expect(only(leftovers(e))).toMatchObject({ verdict: 'fail', subject: '/dev/cdc-wdm0 mux 1', summary: 'recorded up, but the kernel has no link with mux id 1', fix: 'rmnetctl down -d /dev/cdc-wdm0 --mux 1' });
    });
    it('ModemManager\'s own bearer link is not a leftover (found in the lab: the fix would have deleted its session)', () => {
      const status = modemStatus({ muxes: [mux({ muxId: 1, link: 'qmapmux0.0', recorded: null })], peers: { modemManager: { pid: 137, name: 'ModemManager' }, portHolders: [], modemManagerBearer: { links: ['qmapmux0.0'], addresses: [] } } });
      expect(leftovers(evidence({ modems: [modemEvidence({ record: record([]), status })] }))).toMatchObject([{ verdict: 'ok' }]);
      const foreign = modemStatus({ muxes: [mux({ muxId: 1, link: 'qmapmux0.0', recorded: null })] });
      expect(leftovers(evidence({ modems: [modemEvidence({ record: record([]), status: foreign })] }))).toMatchObject([{ verdict: 'warn', fix: 'ip link del qmapmux0.0' }]);
    });
    it('a mux link no record knows warns, the fix per backend', () => {
      const rmnet = evidence({ modems: [modemEvidence({ status: modemStatus({ muxes: [mux({ recorded: null, muxId: 5, link: 'rmnet_data4' })] }) })] });
      expect(only(leftovers(rmnet))).toMatchObject({ verdict: 'warn', fix: 'ip link del rmnet_data4' });
      const qmimux = evidence({ modems: [modemEvidence({ status: modemStatus({ muxes: [mux({ recorded: null, muxId: 5, link: 'qmimux0', backend: 'qmimux' })] }) })] });
      expect(only(leftovers(qmimux))).toMatchObject({ verdict: 'warn', summary: 'qmimux0 (mux 5, qmimux) is in the kernel but in no record: another tool made it, or a record was lost', fix: 'echo 5 > /sys/class/net/wwan0/qmi/del_mux' });
    });
    it('an unfinished up, a corrupt record and a record of an absent modem', () => {
      expect(only(leftovers(evidence({ modems: [modemEvidence({ status: modemStatus({ muxes: [mux({ recorded: { apn: 'internet', ipType: '4', state: 'starting' } })] }) })] })))).toMatchObject({ verdict: 'fail', summary: 'an "up" did not finish' });
      expect(only(leftovers(evidence({ modems: [modemEvidence({ record: null, recordError: 'state file is unreadable', status: null })] })))).toMatchObject({ verdict: 'fail', fix: 'rm /run/rmnetctl/cdc-wdm0.json && rmnetctl down -d /dev/cdc-wdm0 --all' });
      const denied = only(leftovers(evidence({ root: false, modems: [modemEvidence({ record: null, recordError: "EACCES: permission denied, open '/run/rmnetctl/cdc-wdm0.json'", recordDenied: true, status: null })] })));
      expect(denied).toMatchObject({ verdict: 'warn', summary: 'the record cannot be read without root: leftovers, mode and receive size are judged without it', fix: 'run rmnetctl doctor as root', needsRoot: true });
      const stray = only(leftovers(evidence({ strayRecords: [{ key: 'cdc-wdm1', path: '/run/rmnetctl/cdc-wdm1.json', record: record() }] })));
      expect(stray).toMatchObject({ verdict: 'warn', subject: 'cdc-wdm1', evidence: ['/run/rmnetctl/cdc-wdm1.json: 1 PDN(s) on wwan0'], fix: 'rmnetctl down -d /dev/cdc-wdm1 --all if the modem comes back; else rm /run/rmnetctl/cdc-wdm1.json' });
    });
  });

  it('default routes: same family, table and metric conflict; other families or tables do not', () => {
    const e = evidence({ defaultRoutes: [{ family: 4, metric: 100, table: 254, device: 'eth0' }, { family: 4, metric: 100, table: 254, device: 'wwan0.1' }, { family: 6, metric: 100, table: 254, device: 'wwan0.1' }, { family: 4, metric: 100, table: 100, device: 'wwan0.2' }] });
    const v = only(defaultRoutes(e));
    expect(v).toMatchObject({ verdict: 'warn', subject: 'IPv4 metric 100', summary: '2 IPv4 default routes with metric 100 (eth0, wwan0.1): only one carries traffic', fix: 'ip -4 route change default dev wwan0.1 metric 101 (or bring the PDN up again with another --metric)' });
    expect(v.evidence).toEqual(['ip -4 route: default dev eth0 metric 100', 'ip -4 route: default dev wwan0.1 metric 100']);
  });

  describe('rx stall', () => {
    it('ok when RX moves, or when nothing moved at all', () => {
      expect(only(rxStall(evidence({ counters: [reading([5, 5], [9, 9])] })))).toMatchObject({ verdict: 'ok', summary: 'RX +4, TX +4 packets in 3 s' });
      expect(only(rxStall(evidence({ counters: [reading([5, 5], [5, 5])] })))).toMatchObject({ verdict: 'ok', summary: 'no traffic in 3 s: nothing to judge' });
    });
    it('a packet or two sent is too little to judge (the kernel\'s own router solicitations on an idle link)', () => {
      expect(only(rxStall(evidence({ counters: [reading([0, 7], [0, 9])] })))).toMatchObject({ verdict: 'ok', fix: null });
      expect(only(rxStall(evidence({ counters: [reading([0, 7], [0, 7 + STALL_MIN_TX_PACKETS])] }))).verdict).toBe('fail');
    });
    it('warns when RX stood still while TX grew; fails when RX never moved since the link came up', () => {
      const stalled = only(rxStall(evidence({ counters: [reading([50, 60], [50, 72])] })));
      expect(stalled).toMatchObject({ verdict: 'warn', summary: 'TX +12 packets but RX +0 in 3 s: the downlink is not reaching wwan0.1', fix: 'rmnetctl down -d /dev/cdc-wdm0 --mux 1, then up again (check rmnetctl status -d /dev/cdc-wdm0: data format, receive size)' });
      expect(stalled.evidence).toEqual(['netlink wwan0.1 IFLA_STATS64 over 3 s: rx_packets 50 -> 50, tx_packets 60 -> 72']);
      const never = only(rxStall(evidence({ counters: [reading([0, 3], [0, 9])] })));
      expect(never).toMatchObject({ verdict: 'fail', summary: 'TX +6 packets but RX +0 in 3 s, and RX has been 0 since the link came up: the downlink is not reaching wwan0.1' });
      expect(never.fix).toMatch(/RM500Q\/RM520N a modem reset \(AT\+CFUN=1,1\) clears it$/);
    });
    it('judges only sessions recorded up', () => {
      expect(rxStall(evidence({ counters: [reading([0, 3], [0, 9])], modems: [modemEvidence({ status: modemStatus({ muxes: [mux({ recorded: null })] }) })] }))).toEqual([]);
    });
  });

  it('port holders: the extension point says nothing until wired, then reports holders', () => {
    expect(portHolders(evidence())).toEqual([]);
    const held = evidence({ portHoldersChecked: true, modems: [modemEvidence({ portHolders: [{ pid: 812, name: 'ModemManager' }] })] });
    expect(only(portHolders(held))).toMatchObject({ verdict: 'warn', summary: 'ModemManager (812) hold(s) /dev/cdc-wdm0', fix: 'let rmnetctl share the port through qmi-proxy (--proxy), or stop ModemManager' });
    expect(only(portHolders(evidence({ portHoldersChecked: true, modems: [modemEvidence({ portHolders: [] })] }))).verdict).toBe('ok');
    // qmi-proxy alone is the sharing rmnetctl uses (found in the lab beside ModemManager): not a warning
    const proxied = only(portHolders(evidence({ portHoldersChecked: true, modems: [modemEvidence({ portHolders: [{ pid: 180, name: 'qmi-proxy' }] })] })));
    expect(proxied).toMatchObject({ verdict: 'ok', fix: null, summary: 'only qmi-proxy (180) holds /dev/cdc-wdm0: rmnetctl shares it through the proxy (unless --no-proxy)', evidence: ['pid 180 qmi-proxy'] });
    const both = only(portHolders(evidence({ portHoldersChecked: true, modems: [modemEvidence({ portHolders: [{ pid: 180, name: 'qmi-proxy' }, { pid: 900, name: 'qmicli' }] })] })));
    expect(both).toMatchObject({ verdict: 'warn', summary: 'qmi-proxy (180), qmicli (900) hold(s) /dev/cdc-wdm0' });
  });
});
