// The session layer's test rig: the emulated modem behind a QmiDevice (real QMI bytes, in memory), the test
// kernel model (test/support/kernel) loaded from the raw-ip tree recorded on the real 6.1 kernel, seen through
// its sysfs view and through production's RtNetlink over its request socket (one state: raw_ip is EBUSY while
// netlink has the parent up), and a state directory of its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatedModem, memoryTransport } from '../../modem/index.js';
import { QmiDevice } from '../../../src/qmi/device.js';
import { StateStore } from '../../../src/session/state.js';
import { noDns } from '../../../src/session/dns.js';
import type { SessionEnv } from '../../../src/session/env.js';
import { formatIp } from '../../../src/ip-address.js';
import type { RtNetlink } from '../../../src/netlink/rtnl.js';
import { FakeProc } from '../../support/fake-proc.js';
import { fixtureKernel, type KernelModel, type ModelSysfs } from '../../support/kernel/index.js';

export interface Rig {
  env: SessionEnv;
  modem: EmulatedModem;
  /** The kernel's state, for setting up and asserting. */
  model: KernelModel;
  sysfs: ModelSysfs;
  netlink: RtNetlink;
  /** The kernel's addresses, formatted. */
  addresses(): Array<{ index: number; address: string; prefixLength: number }>;
  /** The kernel's routes, formatted like RtNetlink's Route. */
  routes(): Array<{ family: 4 | 6; destination: string; gateway: string | null; outputIndex: number | null; metric: number; table: number }>;
  log: string[];
  /** The rig's /proc (empty: no ModemManager, nobody holds the port), for peers.ts. */
  proc: FakeProc;
  /** Links whose rx-checksumming was switched, in order. */
  rxChecksum: Array<{ ifname: string; on: boolean }>;
  cleanup(): void;
}

/** `modem`: another firmware, e.g. EmulatedModem.withFirmware('refuses-optional'), or a profile's name. */
export function makeRig(fixture = 'rawip', firmware: EmulatedModem | string = new EmulatedModem()): Rig {
  const modem = typeof firmware === 'string' ? EmulatedModem.withFirmware(firmware) : firmware;
  const kernel = fixtureKernel(fixture);
  const { model, sysfs, netlink } = kernel;
  const stateDir = mkdtempSync(join(tmpdir(), 'rmnetctl-session-'));
  const log: string[] = [];
  const rxChecksum: Rig['rxChecksum'] = [];
  const proc = new FakeProc();
  const env: SessionEnv = {
    sysfs,
    netlink,
    store: new StateStore(stateDir),
    openQmi: async (path, _viaProxy, timeoutMs) => new QmiDevice(memoryTransport(modem, path), { timeoutMs: timeoutMs ?? 2000 }),
    proxyRunning: async () => false,
    procRoot: proc.root,
    dns: noDns,
    offload: {
      async setRxChecksum(ifname, on) {
        rxChecksum.push({ ifname, on });
        return on;
      },
    },
    log: (line) => log.push(line),
    rmnetAvailable: async () => model.rmnetLoaded,
  };
  return {
    env,
    modem,
    model,
    sysfs,
    netlink,
    addresses: () => model.addresses.map((a) => ({ index: a.index, address: formatIp(a.bytes), prefixLength: a.prefixLength })),
    routes: () => model.routes.map((r) => ({ family: r.family, destination: r.prefixLength === 0 ? 'default' : `${formatIp(r.destination)}/${r.prefixLength}`, gateway: r.gateway ? formatIp(r.gateway) : null, outputIndex: r.outputIndex, metric: r.metric, table: r.table })),
    log,
    proc,
    rxChecksum,
    cleanup() {
      rmSync(stateDir, { recursive: true, force: true });
      proc.cleanup();
    },
  };
}
