// rmnetctl's side of the bring-up suite, one cold process per cycle like a real `rmnetctl up`/`run`: the real
// session code (`upMany`: one data-format decision, then every PDN's WDS sessions concurrently) and a real
// QmiDevice over the character-device transport, opened on the emulated modem's pty (another process). The
// kernel side is the session tests' kernel model (test/support/kernel: the raw-ip tree recorded on 6.1 behind
// a sysfs view that reacts like qmi_wwan, and RtNetlink over the same model), because the host running the
// suite has no qmi_wwan.
// Bundled to dist/bench-bundle/bringup-rmnetctl.mjs.
//
//   node dist/bench-bundle/bringup-rmnetctl.mjs --path /dev/pts/N --pdns 4 --ip-type 4v6
//
// Prints one JSON line: {controlMs, up, failed, sessions, errors}. controlMs runs from just before upMany
// (which opens the port and probes it) to its return.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openQmiDevice } from '../../src/qmi/open.js';
import { noDns } from '../../src/session/dns.js';
import type { SessionEnv } from '../../src/session/env.js';
import { parseIpType, type PdnRequest } from '../../src/session/request.js';
import { StateStore } from '../../src/session/state.js';
import { upMany } from '../../src/session/up.js';
import { fixtureKernel } from '../../test/support/kernel/index.js';
import { repoRoot } from '../lib/paths.js';

function args(argv: string[]): { path: string; pdns: number; ipType: PdnRequest['ipType'] } {
  const get = (name: string) => {
    const i = argv.indexOf(name);
    const value = i >= 0 ? argv[i + 1] : undefined;
    if (value === undefined) throw new Error(`${name} is required`);
    return value;
  };
  const pdns = Number(get('--pdns'));
  if (!Number.isInteger(pdns) || pdns < 1 || pdns > 8) throw new Error('--pdns must be 1..8');
  return { path: get('--path'), pdns, ipType: parseIpType(get('--ip-type')) };
}

function emptyProc(work: string): string {
  const dir = join(work, 'proc');
  mkdirSync(dir);
  return dir;
}

async function main(): Promise<void> {
  const { path, pdns, ipType } = args(process.argv.slice(2));
  // The rig of test/unit/session/rig.ts, with the fixture found from the package root (this file is bundled).
  const work = mkdtempSync(join(tmpdir(), 'rmnetctl-bringup-'));
  const { model, sysfs, netlink } = fixtureKernel('rawip', { fixturesDir: join(repoRoot(), 'test', 'fixtures', 'sysfs') });
  const env: SessionEnv = {
    sysfs,
    netlink,
    store: new StateStore(join(work, 'state')),
    // The fixture's port is /dev/cdc-wdm0; the modem is on the pty.
    openQmi: async () => (await openQmiDevice({ path })).device,
    proxyRunning: async () => false,
    // The model kernel's modem has no peers: an empty /proc, and no walk of the host's to time.
    procRoot: emptyProc(work),
    dns: noDns,
    offload: { setRxChecksum: async (_ifname, on) => on },
    log: () => {},
    rmnetAvailable: async () => model.rmnetLoaded,
  };
  const requests: PdnRequest[] = Array.from({ length: pdns }, (_, i) => ({
    muxId: i + 1,
    apn: i === 0 ? 'internet' : `apn${i + 1}`,
    ipType,
    auth: 'none',
    backend: 'auto',
    noIp: false,
    routeMetric: 100 + i,
  }));
  try {
    const start = performance.now();
    const outcomes = await upMany(env, requests, { proxy: 'no' });
    const controlMs = performance.now() - start;
    const ok = outcomes.filter((o) => !(o instanceof Error));
    process.stdout.write(
      `${JSON.stringify({
        controlMs,
        up: ok.length,
        failed: outcomes.length - ok.length,
        sessions: ok.reduce((n, o) => n + ('sessions' in o ? o.sessions.length : 0), 0),
        errors: outcomes.filter((o) => o instanceof Error).map((e) => (e as Error).message),
      })}\n`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bringup-rmnetctl: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
