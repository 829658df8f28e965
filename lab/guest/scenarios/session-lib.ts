/**
 * What the session scenarios (issue #5: `rmnetctl up / down / status / run`) share: running the real CLI as a
 * child process (argument vectors only), and reading the kernel back through independent peers (iproute2's
 * JSON output, sysfs) and the modem through the emulator's own tables.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAttribute, run, sleep, type AttachedModem, type Recorder, type RunResult } from '../harness.js';
import type { EmulatedModem } from '../../../test/modem/modem.js';

export const STATE_DIR = '/run/rmnetctl';

export interface CliResult extends RunResult {
  json?: unknown;
  ms: number;
}

/** `node <project>/bin/rmnetctl.js ...args`; parses stdout as JSON when --json was given. */
export function rmnetctl(project: string, args: string[], timeoutMs = 120_000, env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [join(project, 'bin', 'rmnetctl.js'), ...args], { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 8 << 20, env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      let json: unknown;
      if (args.includes('--json') && stdout.trim()) {
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
      }
      resolve({ code, stdout, stderr: stderr + (error && code === -1 ? `\n${error.message}` : ''), json, ms: Date.now() - started });
    });
  });
}

/** Starts the CLI without waiting (for `run`, and for killing `up` half-way). */
export function spawnRmnetctl(project: string, args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [join(project, 'bin', 'rmnetctl.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => {
    const s = c.toString('utf8');
    text += s;
    for (const line of s.split('\n')) if (line) process.stdout.write(`  rmnetctl: ${line}\n`);
  });
  return { child, output: () => text };
}

export function exited(child: ChildProcess, timeoutMs: number): Promise<number | string | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? child.signalCode);
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

/** The emulator behind the USB/IP device (the EmulatedModem the lab always uses). */
export function emulator(modem: AttachedModem): EmulatedModem {
  return modem.lab.modem as unknown as EmulatedModem;
}

export interface IpLink {
  ifname: string;
  ifindex: number;
  mtu?: number;
  link?: string;
  flags?: string[];
  operstate?: string;
  linkinfo?: { info_kind?: string; info_data?: { mux_id?: number; flags?: unknown } & Record<string, unknown> };
}

export async function ipLinks(): Promise<IpLink[]> {
  const out = await run('ip', ['-d', '-j', 'link', 'show']);
  return JSON.parse(out.stdout || '[]') as IpLink[];
}

/** Mux links on `parent` as the kernel shows them: rmnet (IFLA_RMNET_MUX_ID) and qmimux (qmap/mux_id). */
export async function muxLinks(parent: string): Promise<Array<{ muxId: number; name: string; kind: 'rmnet' | 'qmimux'; up: boolean; link: IpLink }>> {
  const out: Array<{ muxId: number; name: string; kind: 'rmnet' | 'qmimux'; up: boolean; link: IpLink }> = [];
  for (const l of await ipLinks()) {
    const up = l.flags?.includes('UP') ?? false;
    if (l.linkinfo?.info_kind === 'rmnet' && l.link === parent && typeof l.linkinfo.info_data?.mux_id === 'number') {
      out.push({ muxId: l.linkinfo.info_data.mux_id, name: l.ifname, kind: 'rmnet', up, link: l });
    }
    const qmap = readAttribute(`/sys/class/net/${l.ifname}/qmap/mux_id`);
    if (qmap !== undefined) out.push({ muxId: parseInt(qmap, 16), name: l.ifname, kind: 'qmimux', up, link: l });
  }
  return out.sort((a, b) => a.muxId - b.muxId);
}

export interface IpAddr {
  family: string;
  local: string;
  prefixlen: number;
  scope?: string;
}

/** Global addresses of `link` (link-local ones are the kernel's own). */
export async function globalAddresses(link: string): Promise<IpAddr[]> {
  const out = await run('ip', ['-j', 'addr', 'show', 'dev', link]);
  if (out.code !== 0) return [];
  const parsed = JSON.parse(out.stdout || '[]') as Array<{ addr_info?: IpAddr[] }>;
  return (parsed[0]?.addr_info ?? []).filter((a) => a.scope === 'global');
}

export interface IpRoute {
  dst: string;
  dev?: string;
  metric?: number;
  protocol?: string;
}

export async function defaultRoutes(family: 4 | 6): Promise<IpRoute[]> {
  const out = await run('ip', [`-${family}`, '-j', 'route', 'show', 'default']);
  return JSON.parse(out.stdout || '[]') as IpRoute[];
}

export function stateFiles(): string[] {
  return existsSync(STATE_DIR) ? readdirSync(STATE_DIR).filter((f) => f.endsWith('.json')) : [];
}

export function stateRecord(): { pdns?: Array<{ state?: string; request?: { muxId?: number }; clients?: unknown[] }> } | undefined {
  const file = stateFiles()[0];
  if (!file) return undefined;
  try {
    return JSON.parse(readFileSync(join(STATE_DIR, file), 'utf8')) as ReturnType<typeof stateRecord>;
  } catch {
    return undefined; // written by rename, but be safe
  }
}

export function qmiWwanMode(wwan: string): { rawIp?: string; passThrough?: string; mtu?: string } {
  return {
    rawIp: readAttribute(`/sys/class/net/${wwan}/qmi/raw_ip`),
    passThrough: readAttribute(`/sys/class/net/${wwan}/qmi/pass_through`),
    mtu: readAttribute(`/sys/class/net/${wwan}/mtu`),
  };
}

/** ping through `link`; checks that the modem's data plane saw the echo requests on `muxId`. */
export async function pingThrough(rec: Recorder, modem: AttachedModem, label: string, link: string, muxId: number, target: string, family: 4 | 6 = 4): Promise<boolean> {
  const counters = modem.lab.dataPlane.counter(muxId);
  const before = counters.echoRequests;
  const args = [...(family === 6 ? ['-6'] : []), '-c', '3', '-i', '0.2', '-W', '5', '-I', link, target];
  const ping = await run('ping', args, 30_000);
  const ok = rec.check(`${label}: ping${family === 6 ? ' -6' : ''} ${target} through ${link}`, ping.code === 0 && / 3 received/.test(ping.stdout), ping.stdout.split('\n').slice(-3).join(' ').trim() || ping.stderr.trim());
  rec.equal(`${label}: the modem saw 3 echo requests on mux ${muxId}`, counters.echoRequests - before, 3);
  return ok;
}

export function cliDetail(r: CliResult): unknown {
  return { code: r.code, ms: r.ms, stderr: r.stderr.trim().split('\n').slice(-6).join('\n'), stdout: r.json === undefined ? r.stdout.trim().slice(0, 600) : undefined };
}

/** Everything `down` must leave behind: no mux link, no address, no route, no client, no session, no record. */
export async function checkAllGone(rec: Recorder, modem: AttachedModem, label: string, modeBefore: ReturnType<typeof qmiWwanMode>): Promise<void> {
  const emu = emulator(modem);
  rec.equal(`${label}: no mux link (rmnet or qmimux) on ${modem.wwan}`, (await muxLinks(modem.wwan)).map((l) => l.name), []);
  const leftRoutes = [...(await defaultRoutes(4)), ...(await defaultRoutes(6))].filter((r) => r.dev !== 'lo');
  rec.equal(`${label}: no default route left`, leftRoutes, []);
  rec.equal(`${label}: no global address on ${modem.wwan}`, await globalAddresses(modem.wwan), []);
  rec.equal(`${label}: no client id on the modem`, emu.clients(), []);
  rec.equal(`${label}: no session on the modem`, emu.sessions().length, 0);
  rec.equal(`${label}: no state file in ${STATE_DIR}`, stateFiles(), []);
  rec.equal(`${label}: qmi_wwan mode restored`, qmiWwanMode(modem.wwan), modeBefore);
}

/** IPv6 (and v4) address text in canonical form, so fd00:2:0::2 equals what iproute2 prints (fd00:2::2). */
export function canonicalAddress(address: string): string {
  return address.includes(':') ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
}

/**
 * A driver's ethtool statistics (SIOCETHTOOL: GSSET_INFO, GSTRINGS, GSTATS) without the ethtool binary, which
 * the host lacks: rmnet counts its checksum offload work there ("Checksum ok", "Checksum valid bit not set",
 * "Checksum computed in software"/"hardware"). The script is a fixed string; the link name is an argument.
 */
const ETHTOOL_STATS_PY = `import array, fcntl, json, socket, struct, sys
SIOCETHTOOL = 0x8946
def call(sock, name, buf):
    addr, _ = buf.buffer_info()
    ifr = struct.pack('16sP', name.encode(), addr) + b'\\0' * 16
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifr)
name = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if len(sys.argv) > 2:
    # ETHTOOL_SRXCSUM (0x15): what "ethtool -K NAME rx on|off" does
    call(s, name, array.array('B', struct.pack('II', 0x15, int(sys.argv[2]))))
info = array.array('B', struct.pack('IIQI', 0x37, 0, 1 << 1, 0))
call(s, name, info)
cmd, _, mask, count = struct.unpack('IIQI', info.tobytes())
if not mask & 2: print('{}'); sys.exit(0)
strings = array.array('B', struct.pack('III', 0x1b, 1, count) + b'\\0' * (32 * count))
call(s, name, strings)
raw = strings.tobytes()[12:]
names = [raw[i*32:(i+1)*32].split(b'\\0')[0].decode() for i in range(count)]
stats = array.array('B', struct.pack('II', 0x1d, count) + b'\\0' * (8 * count))
call(s, name, stats)
values = struct.unpack('%dQ' % count, stats.tobytes()[8:])
print(json.dumps(dict(zip(names, values))))
`;

export async function ethtoolStats(link: string, setRxChecksum?: boolean): Promise<Record<string, number> | { error: string }> {
  const out = await run('python3', ['-c', ETHTOOL_STATS_PY, link, ...(setRxChecksum === undefined ? [] : [setRxChecksum ? '1' : '0'])], 20_000);
  if (out.code !== 0) return { error: out.stderr.trim() };
  try {
    return JSON.parse(out.stdout) as Record<string, number>;
  } catch {
    return { error: out.stdout };
  }
}

export { sleep };
