/**
 * bench-rmnetctl: the user-facing `rmnetctl bench` on the lab's real kernel (rmnet.ko loaded by /init). No
 * modem is involved. Checks that it works and cleans up, not how fast it is:
 *   1. `rmnetctl bench --json --seconds 1`: exit 0, a case for 1, 8 and 32 datagrams per transfer, each with
 *      packets delivered to the rmnet link (non-zero pps, most of what was sent delivered), parent "veth";
 *   2. nothing left behind: the same links in the caller's namespace as before, no named netns, no veth/rmnet;
 *   3. bad input: `--datagrams 0` exits 2 (usage); not root (setpriv to nobody) exits 5 with NOT_ROOT;
 *   4. SIGINT half-way: exits non-zero with INTERRUPTED, and again nothing left behind;
 *   5. no rmnet module (rmmod rmnet; the lab's rmnet.ko is out of tree, so modprobe cannot load it back):
 *      exits 3 with RMNET_UNAVAILABLE.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cliForAnyUser, run, sleep, type Recorder } from '../harness.js';

interface BenchJson {
  parent?: string;
  cases?: Array<{ datagrams: number; pps: number; delivered: number; sent: number; deliveredRatio: number }>;
  error?: { code?: string };
}

async function linkNames(): Promise<string[]> {
  const out = await run('ip', ['-j', 'link', 'show']);
  return (JSON.parse(out.stdout || '[]') as Array<{ ifname: string }>).map((l) => l.ifname).sort();
}

async function namedNetns(): Promise<string[]> {
  const out = await run('ip', ['netns', 'list']);
  const fromIp = out.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const fromRun = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  return [...new Set([...fromIp, ...fromRun])].sort();
}

const parse = (stdout: string): BenchJson | undefined => {
  try {
    return JSON.parse(stdout) as BenchJson;
  } catch {
    return undefined;
  }
};

export async function benchRmnetctlScenario(rec: Recorder, project: string): Promise<void> {
  const bin = join(project, 'bin', 'rmnetctl.js');
  const cli = (args: string[], timeoutMs = 120_000) => run(process.execPath, [bin, ...args], timeoutMs);
  const before = { links: await linkNames(), netns: await namedNetns() };
  rec.data.before = before;
  rec.check('rmnet module loaded by the lab', existsSync('/sys/module/rmnet'));

  // 1. the benchmark
  const started = Date.now();
  const bench = await cli(['bench', '--json', '--seconds', '1']);
  rec.timings.bench = Date.now() - started;
  const report = parse(bench.stdout);
  rec.data.report = report ?? bench.stdout.slice(0, 2000);
  rec.data.benchStderr = bench.stderr.slice(-2000);
  if (!rec.check('rmnetctl bench --json exits 0 with JSON', bench.code === 0 && report !== undefined, { code: bench.code, stderr: bench.stderr.trim().slice(-800) })) return;
  rec.equal('parent kind', report!.parent, 'veth');
  rec.equal('cases: 1, 8, 32 datagrams per transfer', report!.cases?.map((c) => c.datagrams), [1, 8, 32]);
  for (const c of report!.cases ?? []) {
    rec.check(`x${c.datagrams}: packets delivered to the rmnet link (pps > 0)`, c.pps > 0 && c.delivered > 0, c);
    rec.check(`x${c.datagrams}: most of what was sent was delivered`, c.deliveredRatio > 0.5 && c.deliveredRatio <= 1.001, c);
  }

  // 2. nothing left behind
  rec.equal('same links in the caller namespace afterwards', await linkNames(), before.links);
  rec.equal('no named network namespace left', await namedNetns(), before.netns);

  // 3. bad input
  const usage = await cli(['bench', '--datagrams', '0', '--json']);
  rec.check('--datagrams 0: exit 2 (usage)', usage.code === 2, { code: usage.code, stdout: usage.stdout.trim().slice(0, 300), stderr: usage.stderr.trim().slice(0, 300) });
  const nobody = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cliForAnyUser(project), 'bench', '--json'], 60_000);
  rec.check('not root: exit 5 with NOT_ROOT', nobody.code === 5 && parse(nobody.stdout)?.error?.code === 'NOT_ROOT', { code: nobody.code, stdout: nobody.stdout.trim().slice(0, 300), stderr: nobody.stderr.trim().slice(0, 300) });

  // 4. SIGINT while it runs
  const child = spawn(process.execPath, [bin, 'bench', '--json', '--seconds', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await sleep(4000); // the worker is set up and sending by now (TCG)
  child.kill('SIGINT');
  const code = await exited;
  rec.check('SIGINT: exits non-zero with INTERRUPTED', code !== 0 && parse(out)?.error?.code === 'INTERRUPTED', { code, stdout: out.trim().slice(0, 400) });
  await sleep(500);
  rec.equal('SIGINT: same links in the caller namespace afterwards', await linkNames(), before.links);
  rec.equal('SIGINT: no named network namespace left', await namedNetns(), before.netns);

  // 5. no rmnet module
  const rmmod = await run('rmmod', ['rmnet']);
  if (rmmod.code === 0) {
    const missing = await cli(['bench', '--json']);
    rec.check('no rmnet module: exit 3 with RMNET_UNAVAILABLE', missing.code === 3 && parse(missing.stdout)?.error?.code === 'RMNET_UNAVAILABLE', { code: missing.code, stdout: missing.stdout.trim().slice(0, 400) });
  } else {
    rec.data.rmmod = rmmod.stderr.trim();
  }
}
