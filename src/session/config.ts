// /etc/rmnetctl/NAME.conf for `rmnetctl run NAME`: one [modem] section, an optional [health] section (the
// defaults of every PDN's health keys), one [pdn] section per PDN.
// Parsed purely (text in, config or an error naming file and line out), validated with the same
// parsers as the command line, before anything is touched.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { Category, RmnetError } from '../errors.js';
import type { ProxyChoice } from './env.js';
import { buildPdnRequest, configKeys, parseBackend, type BackendChoice, type PdnRequest } from './request.js';
import { DEFAULT_HEALTH, HEALTH_KEYS, parseProbeTargets, parseRange, type HealthSettings } from '../health/settings.js';

export interface ServiceConfig {
  /** timeoutMs: how long each QMI request waits, Start Network included (as `up --timeout`; default: the port's and 120 s). */
  modem: { device?: string | undefined; backend: BackendChoice; proxy: ProxyChoice; timeoutMs?: number | undefined };
  pdns: PdnRequest[];
  /** The health settings of each PDN, in the order of `pdns` (docs/health.md). */
  health: HealthSettings[];
}

type Section = { kind: 'modem' | 'pdn' | 'health'; line: number; values: Map<string, { value: string; line: number }> };

const MODEM_KEYS = new Set(['device', 'backend', 'proxy', 'timeout']);
const PDN_KEYS = new Set(['mux', 'apn', 'profile', 'ip-type', 'auth', 'user', 'password-file', 'ifname', 'no-ip', 'default-route', 'metric', ...HEALTH_KEYS]);
const SECTION_KEYS = { modem: MODEM_KEYS, pdn: PDN_KEYS, health: new Set<string>(HEALTH_KEYS) };

export function parseConfig(text: string, file: string): ServiceConfig {
  const fail = (line: number, message: string) =>
    new RmnetError('BAD_CONFIG', `${file}:${line}: ${message}`, Category.usage, { file, line });
  const sections: Section[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/(^|\s)[#;].*$/, '').trim();
    if (content === '') return;
    const header = /^\[\s*(\w+)\s*\]$/.exec(content);
    if (header) {
      const kind = header[1]!.toLowerCase();
      if (kind !== 'modem' && kind !== 'pdn' && kind !== 'health') throw fail(line, `unknown section [${header[1]}] (expected [modem], [health] or [pdn])`);
      if (kind !== 'pdn' && sections.some((s) => s.kind === kind)) throw fail(line, `only one [${kind}] section is allowed`);
      sections.push({ kind, line, values: new Map() });
      return;
    }
    const pair = /^([\w-]+)\s*=\s*(.*)$/.exec(content);
    if (!pair) throw fail(line, `expected "key = value", got "${content}"`);
    const section = sections.at(-1);
    if (!section) throw fail(line, 'a key before any [modem], [health] or [pdn] section');
    const key = pair[1]!.toLowerCase();
    if (key === 'password') throw fail(line, 'passwords do not go in the config: use password-file = PATH (mode 600)');
    const allowed = SECTION_KEYS[section.kind];
    if (!allowed.has(key)) throw fail(line, `unknown key "${key}" in [${section.kind}] (known: ${[...allowed].join(', ')})`);
    if (section.values.has(key)) throw fail(line, `"${key}" given twice in this section`);
    const value = pair[2]!.trim();
    if (value.startsWith('"') && (value.length < 2 || !value.endsWith('"'))) throw fail(line, `unterminated quote in the value of "${key}": ${value}`);
    section.values.set(key, { value: unquote(value), line });
  });

  const modemSection = sections.find((s) => s.kind === 'modem');
  const get = (s: Section | undefined, key: string) => s?.values.get(key);
  const field = <T>(s: Section | undefined, key: string, parse: (v: string, f: string) => T, fallback: T): T => {
    const entry = get(s, key);
    if (!entry) return fallback;
    try {
      return parse(entry.value, key);
    } catch (error) {
      throw fail(entry.line, error instanceof Error ? error.message : String(error));
    }
  };
  const proxy = field(modemSection, 'proxy', (v): ProxyChoice => {
    if (v === 'auto' || v === 'yes' || v === 'no') return v;
    throw new Error(`proxy must be auto, yes or no, got "${v}"`);
  }, 'auto');
  const modem = {
    device: get(modemSection, 'device')?.value,
    backend: field(modemSection, 'backend', parseBackend, 'auto' as BackendChoice),
    proxy,
    // The range of `up --timeout` (milliseconds).
    timeoutMs: field(modemSection, 'timeout', parseRange('timeout', 100, 600_000), undefined as number | undefined),
  };
  const pdns = sections.filter((s) => s.kind === 'pdn').map((s) => {
    const mux = get(s, 'mux');
    if (!mux) throw fail(s.line, '[pdn] needs mux = 1..254');
    if (!get(s, 'apn') && !get(s, 'profile')) throw fail(s.line, '[pdn] needs apn = NAME or profile = N');
    const value = (key: string) => get(s, key)?.value;
    const flag = (key: string) => field(s, key, parseBoolean, undefined as boolean | undefined);
    const noIp = flag('no-ip');
    try {
      // The same builder as the command line: same checks, same defaults (docs/systemd.md).
      return buildPdnRequest({
        mux: mux.value,
        apn: value('apn'),
        profile: value('profile'),
        ipType: value('ip-type'),
        auth: value('auth'),
        user: value('user'),
        passwordFile: value('password-file'),
        backend: modem.backend,
        ifname: value('ifname'),
        ip: noIp === undefined ? undefined : !noIp,
        defaultRoute: flag('default-route'),
        metric: value('metric'),
      }, configKeys);
    } catch (error) {
      // Name the line of the key that was wrong, or the section's when it is a combination. An insecure
      // password file stays INSECURE_SECRET (permission), as on the command line.
      const key = error instanceof RmnetError ? error.details.field : undefined;
      const line = (typeof key === 'string' && get(s, key)?.line) || s.line;
      if (error instanceof RmnetError && error.code === 'INSECURE_SECRET') throw new RmnetError(error.code, `${file}:${line}: ${error.message}`, error.category, { ...error.details, file, line });
      throw fail(line, error instanceof Error ? error.message : String(error));
    }
  });
  if (pdns.length === 0) throw fail(1, 'no [pdn] section: nothing to bring up');
  // [health] gives the defaults; a [pdn] overrides key by key.
  const healthSection = sections.find((s) => s.kind === 'health');
  const healthOf = (s: Section | undefined, base: HealthSettings): HealthSettings => {
    const probesOn = field(s, 'probes', parseBoolean, undefined as boolean | undefined);
    const probe = field(s, 'probe', parseProbeTargets, undefined as string[] | undefined);
    if (probesOn === false && probe) throw fail(get(s, 'probes')!.line, '"probes = off" and "probe =" in one section: choose one');
    return {
      probe: probesOn === false ? [] : (probe ?? base.probe),
      probeInterval: field(s, 'probe-interval', parseRange('probe-interval', 1, 3600), base.probeInterval),
      unhealthyAfter: field(s, 'unhealthy-after', parseRange('unhealthy-after', 1, 100), base.unhealthyAfter),
      healthyAfter: field(s, 'healthy-after', parseRange('healthy-after', 1, 100), base.healthyAfter),
    };
  };
  const defaults = healthOf(healthSection, { ...DEFAULT_HEALTH });
  const health = sections.filter((s) => s.kind === 'pdn').map((s) => healthOf(s, defaults));
  const seen = new Map<number, number>();
  sections.filter((s) => s.kind === 'pdn').forEach((s, i) => {
    const mux = pdns[i]!.muxId;
    if (seen.has(mux)) throw fail(s.line, `mux ${mux} is already used by the [pdn] at line ${seen.get(mux)}`);
    seen.set(mux, s.line);
  });
  const names = new Map<string, number>();
  sections.filter((s) => s.kind === 'pdn').forEach((s, i) => {
    const ifname = pdns[i]!.ifname;
    if (ifname === undefined) return;
    const line = get(s, 'ifname')!.line;
    if (names.has(ifname)) throw fail(line, `ifname ${ifname} is already the link of the [pdn] at line ${names.get(ifname)}`);
    names.set(ifname, line);
  });
  return { modem, pdns, health };
}

function parseBoolean(value: string, field: string): boolean {
  if (/^(yes|true|1|on)$/i.test(value)) return true;
  if (/^(no|false|0|off)$/i.test(value)) return false;
  throw new Error(`${field} must be yes or no, got "${value}"`);
}

function unquote(value: string): string {
  return /^"(.*)"$/.test(value) ? value.slice(1, -1) : value;
}

/**
 * Reads a config file the way sshd reads its own: it names the modem and the password files root will
 * use, so one that someone else owns or could rewrite is refused (naming the file and its mode).
 */
export function readConfigFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new RmnetError('BAD_CONFIG', `cannot read ${path}: ${(error as Error).message} (see systemd/example.conf)`, Category.usage, { file: path });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new RmnetError('BAD_CONFIG', `${path} is not a regular file`, Category.usage, { file: path });
    if (st.uid !== 0) throw new RmnetError('INSECURE_CONFIG', `${path} is owned by uid ${st.uid}, not root: chown root:root ${path}`, Category.permission, { file: path });
    if ((st.mode & 0o022) !== 0) throw new RmnetError('INSECURE_CONFIG', `${path} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}): chmod 644 ${path}`, Category.permission, { file: path, mode: (st.mode & 0o777).toString(8) });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
