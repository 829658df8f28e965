/**
 * Host side of the virtual modem lab: boots Debian's kernel under QEMU with the lab initramfs, runs ONE
 * scenario in the guest (dist/lab/guest/main.js through the 9p-mounted host root), waits for the guest to power
 * off and returns the scenario's JSON result, plus the guest's dmesg when it failed.
 *
 *   import { runScenario } from './lab/runner.js';
 *   const result = await runScenario({ scenario: 'attach' });
 *
 * CLI (after `npm run build`): node dist/lab/runner.js <scenario> [--kernel=bookworm|trixie|sid] [--echo]
 * (exit 0 when the scenario passed). The kernel is RMNETCTL_LAB_KERNEL's (bookworm by default) unless given.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LabCheck {
  name: string;
  ok: boolean;
  detail?: unknown;
}

/** The Debian suites whose linux-image-amd64 the lab can boot (lab/setup). */
export const labKernels = ['bookworm', 'trixie', 'sid'] as const;
export type LabKernel = (typeof labKernels)[number];

/** What lab/setup pinned (kernel.json in the cache) and what the guest said it booted (uname -r). */
export interface KernelInfo {
  suite: LabKernel;
  abi: string;
  /** uname -r the kernel should report, e.g. 6.12.117+deb13-amd64 */
  release: string;
  /** the Debian package version, e.g. 6.12.117-1 */
  version: string;
  /** the compiler that built the kernel (CONFIG_CC_VERSION_TEXT) */
  cc: string;
  /** 'out-of-tree' when lab/setup built rmnet.ko itself */
  rmnet: string;
  /** uname -r inside the guest, from the console; undefined when the guest never got that far */
  booted?: string;
}

/** The kernel a run uses when none is given: RMNETCTL_LAB_KERNEL, else bookworm. */
export function defaultKernel(): LabKernel {
  const wanted = process.env.RMNETCTL_LAB_KERNEL ?? 'bookworm';
  if (!(labKernels as readonly string[]).includes(wanted)) {
    throw new Error(`RMNETCTL_LAB_KERNEL must be one of ${labKernels.join(', ')} (got '${wanted}')`);
  }
  return wanted as LabKernel;
}

export interface LabResult {
  scenario: string;
  /** the kernel this ran on (every result names it) */
  kernel: KernelInfo;
  ok: boolean;
  checks: LabCheck[];
  timings: Record<string, number>;
  data: Record<string, unknown>;
  error?: string;
  /** host-side measurements, milliseconds */
  host: { accel: string; wallMs: number; bootMs?: number; scenarioMs?: number; exitCode: number | null; timedOut: boolean };
  /** guest kernel log, returned when the scenario failed (always kept in runDir/dmesg.txt) */
  dmesg?: string;
  /** last lines of the serial console, kept when the scenario failed */
  consoleTail?: string;
  /** where console.log, dmesg.txt and result.json of this run are */
  runDir: string;
}

export interface RunOptions {
  scenario: string;
  /** which suite's kernel to boot; default defaultKernel() */
  kernel?: LabKernel;
  /** project root (holds dist/ and lab/); default: found from this file */
  project?: string;
  /** whole-VM limit; TCG boots in ~5 s but Node in the guest is slow */
  timeoutMs?: number;
  memoryMb?: number;
  /** 'tcg' (default), 'kvm', or 'auto' (try KVM once, remember the outcome in the cache, fall back to TCG) */
  accel?: 'tcg' | 'kvm' | 'auto';
  /** print the console as it arrives */
  echo?: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The project root: this file is lab/runner.ts (vitest) or dist/lab/runner.js (compiled). */
export function projectRoot(): string {
  let dir = here;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'lab', 'setup'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the project root above ${here}`);
}

/**
 * Runs lab/setup for one kernel (it skips work that is cached) and returns the cache directory of the ABI
 * that kernel's suite names today.
 */
export function ensureLabCache(project = projectRoot(), kernel: LabKernel = defaultKernel()): string {
  const setup = join(project, 'lab', 'setup');
  const env = { ...process.env, RMNETCTL_LAB_KERNEL: kernel };
  const out = spawnSync('bash', [setup], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
  if (out.status !== 0) throw new Error(`lab/setup (${kernel}) failed (${out.status}):\n${out.stdout}\n${out.stderr}`);
  const dir = spawnSync('bash', [setup, '--print-dir'], { encoding: 'utf8', env }).stdout.trim();
  if (!existsSync(join(dir, 'ready'))) throw new Error(`lab/setup (${kernel}) did not complete ${dir}`);
  return dir;
}

/** kernel.json of a complete cache (lab/setup writes it). */
export function cachedKernel(cache: string): KernelInfo {
  const info = JSON.parse(readFileSync(join(cache, 'kernel.json'), 'utf8')) as KernelInfo;
  if (!(labKernels as readonly string[]).includes(info.suite) || !info.release) throw new Error(`bad ${join(cache, 'kernel.json')}`);
  return info;
}

export interface Availability {
  ok: boolean;
  reason?: string;
}

/** Whether this machine can run the lab (QEMU installed, dist/ built). */
export function labAvailability(project = projectRoot()): Availability {
  const qemu = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
  if (qemu.status !== 0) return { ok: false, reason: 'qemu-system-x86_64 is not installed (RMNETCTL_LAB=1 bash scripts/setup.sh)' };
  const main = join(project, 'dist', 'lab', 'guest', 'main.js');
  if (!existsSync(main)) return { ok: false, reason: 'dist/lab/guest/main.js is missing: run npm run build' };
  return { ok: true };
}

/** Warns (in the result) when dist/ is older than the lab sources: the guest runs dist/, not the .ts files. */
function staleBuild(project: string): string | undefined {
  const main = join(project, 'dist', 'lab', 'guest', 'main.js');
  const built = statSync(main).mtimeMs;
  for (const source of ['lab/guest/main.ts', 'lab/guest/harness.ts', 'test/modem/usbip/index.ts']) {
    const path = join(project, source);
    if (existsSync(path) && statSync(path).mtimeMs > built) return `${source} is newer than dist/: run npm run build`;
  }
  return undefined;
}

function kvmUsable(cache: string, accel: RunOptions['accel']): boolean {
  if (accel === 'tcg' || accel === undefined) return false;
  if (accel === 'kvm') return true;
  const memo = join(cache, 'accel');
  if (existsSync(memo)) return readFileSync(memo, 'utf8').trim() === 'kvm';
  return existsSync('/dev/kvm');
}

function rememberAccel(cache: string, accel: string): void {
  try {
    writeFileSync(join(cache, 'accel'), `${accel}\n`);
  } catch {
    // best effort
  }
}

interface BootOutcome {
  console: string;
  exitCode: number | null;
  timedOut: boolean;
  bootMs?: number;
  scenarioMs?: number;
  wallMs: number;
  sawInit: boolean;
}

function boot(args: string[], timeoutMs: number, echo: boolean, initDeadlineMs?: number): Promise<BootOutcome> {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let bootMs: number | undefined;
    let readyAt: number | undefined;
    let scenarioMs: number | undefined;
    let timedOut = false;
    let sawInit = false;
    const onData = (chunk: Buffer): void => {
      const s = chunk.toString('utf8');
      text += s;
      if (echo) process.stderr.write(s);
      if (!sawInit && text.includes('lab-init: start')) sawInit = true;
      if (readyAt === undefined && text.includes('lab-init: ready')) {
        readyAt = Date.now();
        bootMs = readyAt - started;
      }
      if (scenarioMs === undefined && readyAt !== undefined && text.includes('lab-init: scenario exit')) {
        scenarioMs = Date.now() - readyAt;
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const initTimer =
      initDeadlineMs === undefined
        ? undefined
        : setTimeout(() => {
            if (!sawInit) {
              timedOut = true;
              child.kill('SIGKILL');
            }
          }, initDeadlineMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (initTimer) clearTimeout(initTimer);
      resolvePromise({ console: text, exitCode: code, timedOut, bootMs, scenarioMs, wallMs: Date.now() - started, sawInit });
    });
  });
}

function parseConsoleResult(console: string): Partial<LabResult> | undefined {
  const line = console.split(/\r?\n/).reverse().find((l) => l.startsWith('LAB-RESULT '));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice('LAB-RESULT '.length)) as Partial<LabResult>;
  } catch {
    return undefined;
  }
}

/** Keeps the newest `keep` run directories (their names end in a millisecond timestamp and a pid). */
function pruneRuns(runsDir: string, keep: number): void {
  const stamp = (name: string): number => Number(/-(\d+)-\d+$/.exec(name)?.[1] ?? 0);
  const runs = readdirSync(runsDir).sort((a, b) => stamp(b) - stamp(a));
  for (const old of runs.slice(keep)) rmSync(join(runsDir, old), { recursive: true, force: true });
}

export async function runScenario(options: RunOptions): Promise<LabResult> {
  const project = resolve(options.project ?? projectRoot());
  const kernelName = options.kernel ?? defaultKernel();
  const cache = ensureLabCache(project, kernelName);
  const kernel = cachedKernel(cache);
  const runDir = join(project, 'lab', '.cache', 'runs', `${kernelName}-${options.scenario}-${Date.now()}-${process.pid}`);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  pruneRuns(dirname(runDir), 40);
  const stale = staleBuild(project);

  // The kernel command line carries the scenario name and project path to /init; both are checked here so
  // nothing odd reaches the guest's shell.
  if (!/^[a-z0-9-]+$/.test(options.scenario)) throw new Error(`bad scenario name '${options.scenario}'`);
  if (!/^[A-Za-z0-9/._-]+$/.test(project)) throw new Error(`project path '${project}' has characters the kernel command line cannot carry`);

  const baseArgs = (accel: string): string[] => [
    '-accel', accel,
    '-machine', 'q35',
    '-cpu', accel === 'kvm' ? 'host' : 'max',
    '-smp', '1',
    '-m', String(options.memoryMb ?? 1024),
    '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
    '-nic', 'none', '-no-reboot',
    '-kernel', join(cache, 'vmlinux'),
    '-initrd', join(cache, 'initramfs.cpio.gz'),
    '-append', `console=ttyS0 loglevel=4 panic=-1 lab_project=${project} lab_scenario=${options.scenario}`,
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${runDir},mount_tag=labout,security_model=none`,
  ];
  const timeoutMs = options.timeoutMs ?? 300_000;
  let accel = 'tcg';
  let outcome: BootOutcome;
  if (kvmUsable(cache, options.accel)) {
    // LAB.md: /dev/kvm on some hosts does not run a stock guest kernel. Give KVM 20 s to reach /init.
    outcome = await boot(baseArgs('kvm'), timeoutMs, options.echo ?? false, 20_000);
    if (outcome.sawInit) {
      accel = 'kvm';
      rememberAccel(cache, 'kvm');
    } else {
      rememberAccel(cache, 'tcg');
      outcome = await boot(baseArgs('tcg'), timeoutMs, options.echo ?? false);
    }
  } else {
    outcome = await boot(baseArgs('tcg'), timeoutMs, options.echo ?? false);
  }
  writeFileSync(join(runDir, 'console.log'), outcome.console);

  let guest: Partial<LabResult> | undefined;
  const resultFile = join(runDir, 'result.json');
  if (existsSync(resultFile)) {
    try {
      guest = JSON.parse(readFileSync(resultFile, 'utf8')) as Partial<LabResult>;
    } catch {
      guest = undefined;
    }
  }
  guest ??= parseConsoleResult(outcome.console);
  // /init prints uname -r: the result names the kernel that really ran, and a mismatch with the cache fails.
  const booted = /lab-init: kernel (\S+)/.exec(outcome.console)?.[1];
  kernel.booted = booted;
  const wrongKernel = booted !== undefined && booted !== kernel.release ? `booted ${booted}, expected ${kernel.release}` : undefined;

  const errors = [guest?.error, wrongKernel, outcome.timedOut ? `the VM did not power off within ${timeoutMs} ms` : undefined, guest ? undefined : 'no result from the guest', stale]
    .filter((e): e is string => typeof e === 'string');
  const ok = guest?.ok === true && !outcome.timedOut && booted === kernel.release;
  const result: LabResult = {
    scenario: options.scenario,
    kernel,
    ok,
    checks: guest?.checks ?? [],
    timings: guest?.timings ?? {},
    data: guest?.data ?? {},
    ...(errors.length ? { error: errors.join('\n') } : {}),
    host: {
      accel,
      wallMs: outcome.wallMs,
      bootMs: outcome.bootMs,
      scenarioMs: outcome.scenarioMs,
      exitCode: outcome.exitCode,
      timedOut: outcome.timedOut,
    },
    runDir,
  };
  if (!ok) {
    const dmesgFile = join(runDir, 'dmesg.txt');
    result.dmesg = existsSync(dmesgFile) ? readFileSync(dmesgFile, 'utf8') : undefined;
    result.consoleTail = outcome.console.split('\n').slice(-80).join('\n');
  }
  return result;
}

// CLI
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const scenario = process.argv[2];
  if (!scenario) {
    process.stderr.write('usage: node dist/lab/runner.js <scenario> [--kernel=bookworm|trixie|sid] [--echo] [--accel=tcg|kvm|auto] [--timeout=SECONDS]\n');
    process.exit(2);
  }
  const accelArg = process.argv.find((a) => a.startsWith('--accel='))?.slice('--accel='.length);
  const accel = accelArg === 'kvm' || accelArg === 'auto' ? accelArg : 'tcg';
  const kernelArg = process.argv.find((a) => a.startsWith('--kernel='))?.slice('--kernel='.length);
  if (kernelArg !== undefined && !(labKernels as readonly string[]).includes(kernelArg)) {
    process.stderr.write(`--kernel must be one of ${labKernels.join(', ')}\n`);
    process.exit(2);
  }
  // Long benchmarks (bench-mm) outlast the default 300 s.
  const timeoutArg = process.argv.find((a) => a.startsWith('--timeout='))?.slice('--timeout='.length);
  const timeoutS = timeoutArg === undefined ? undefined : Number(timeoutArg);
  if (timeoutS !== undefined && !(Number.isInteger(timeoutS) && timeoutS > 0)) {
    process.stderr.write(`--timeout must be a whole number of seconds, not "${timeoutArg}"\n`);
    process.exit(2);
  }
  const result = await runScenario({ scenario, echo: process.argv.includes('--echo'), accel, kernel: kernelArg as LabKernel | undefined, ...(timeoutS !== undefined ? { timeoutMs: timeoutS * 1000 } : {}) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(result.ok ? 0 : 1);
}
