// The session layer's test rig: the emulated modem behind a QmiDevice (real QMI bytes, in memory), a copy of
// the raw-ip sysfs tree recorded on the real 6.1 kernel that reacts to qmi_wwan's writes like the kernel, a
// netlink double with rmnet's refusals, and a state directory of its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatedModem, memoryTransport } from '../../modem/index.js';
import { QmiDevice } from '../../../src/qmi/device.js';
import { StateStore } from '../../../src/session/state.js';
import { noDns } from '../../../src/session/dns.js';
import type { SessionEnv } from '../../../src/session/env.js';
import { FakeNetlink, QmiWwanSysfs } from '../datapath/doubles.js';

export interface Rig {
  env: SessionEnv;
  modem: EmulatedModem;
  sysfs: QmiWwanSysfs;
  netlink: FakeNetlink;
  log: string[];
  /** Links whose rx-checksumming was switched, in order. */
  rxChecksum: Array<{ ifname: string; on: boolean }>;
  cleanup(): void;
}

export function makeRig(fixture = 'rawip'): Rig {
  const sysfs = QmiWwanSysfs.copyOf(fixture);
  const netlink = new FakeNetlink();
  netlink.links = [FakeNetlink.link({ index: 1, name: 'lo', type: 772, mtu: 65536 }), FakeNetlink.link({ index: 2, name: 'wwan0', mtu: 1500, maxMtu: 1500 })];
  sysfs.onAddMux = (name, ifindex) => netlink.links.push(FakeNetlink.link({ index: ifindex, name, mtu: 1500 }));
  const modem = new EmulatedModem();
  const stateDir = mkdtempSync(join(tmpdir(), 'rmnetctl-session-'));
  const log: string[] = [];
  const rxChecksum: Rig['rxChecksum'] = [];
  const env: SessionEnv = {
    sysfs,
    netlink,
    store: new StateStore(stateDir),
    openQmi: async (path) => new QmiDevice(memoryTransport(modem, path), { timeoutMs: 2000 }),
    proxyRunning: async () => false,
    dns: noDns,
    offload: {
      async setRxChecksum(ifname, on) {
        rxChecksum.push({ ifname, on });
        return on;
      },
    },
    log: (line) => log.push(line),
    rmnetAvailable: async () => netlink.rmnetLoaded,
  };
  return {
    env,
    modem,
    sysfs,
    netlink,
    log,
    rxChecksum,
    cleanup() {
      sysfs.cleanup();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
