// /etc/rmnetctl/NAME.conf for `rmnetctl run NAME`: [modem] sections, an optional [health] section (the
// defaults of every PDN's health keys), an optional [failover] section (the default-route policy across
// every modem of the run), one [pdn] section per PDN.
// With one [modem] (or none: the only modem), every [pdn] is its, wherever it stands. With several, a
// [pdn] belongs to the [modem] above it, and each [modem] names its device (docs/health.md).
// Parsed purely (text in, config or an error naming file and line out), validated with the same
// parsers as the command line, before anything is touched.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { Category, RmnetError } from '../errors.js';
import type { ProxyChoice } from './env.js';
import { buildPdnRequest, configKeys, familiesOf, parseBackend, type BackendChoice, type PdnRequest } from './request.js';
import { DEFAULT_HEALTH, parseProbeTargets, parseRange, type HealthSettings } from '../health/settings.js';
import { DEFAULT_FAILOVER, FAILOVER_MODES, POLICIES, type FailoverMode, type FailoverPolicy, type FailoverSettings } from '../health/failover.js';

export interface ServiceConfig {
  /** The modem's name in the run (journal, STATUS=, the failover); "modem" when the config has one. */
  name?: string;
  /** timeoutMs: how long each QMI request waits, Start Network included (as `up --timeout`; default: the port's and 120 s). */
  modem: { device?: string | undefined; backend: BackendChoice; proxy: ProxyChoice; timeoutMs?: number | undefined };
  pdns: PdnRequest[];
  /** The health settings of each PDN, in the order of `pdns` (docs/health.md). */
  health: HealthSettings[];
  /** Each PDN's share under `policy = balance` (1..256), in the order of `pdns`. */
  weights?: number[];
  /** The run's default-route failover ([failover]), the same for every modem of the run. */
  failover?: FailoverSettings;
}

/** A whole config: one or more modems, one failover decision across them (session/fleet.ts runs it). */
export interface FleetConfig {
  modems: Array<ServiceConfig & { name: string; weights: number[]; failover: FailoverSettings }>;
  failover: FailoverSettings;
}

type Kind = 'modem' | 'pdn' | 'health' | 'failover';
type Section = { kind: Kind; line: number; values: Map<string, { value: string; line: number }> };

export type SectionKind = Kind;

/** One key of the config file: where it may stand, the values it takes, its default, what it does. */
export interface ConfigKey {
  key: string;
  sections: readonly SectionKind[];
  /** The values, in words ('1..254', 'auto | rmnet | qmimux'). */
  values: string;
  /** The default in words; undefined: required or none. */
  default?: string;
  required?: string;
  help: string;
}

const BOOLEAN = 'yes | no (also true/false, on/off, 1/0)';
const HEALTH_SECTIONS: readonly SectionKind[] = ['health', 'pdn'];
/**
 * The keys of rmnetctl.conf: which section takes which key comes from here, and so does rmnetctl.conf(5)
 * (cli/manpage.ts). The [pdn] keys mean what `rmnetctl up`'s options of the same name mean.
 */
export const CONFIG_KEYS: readonly ConfigKey[] = [
  { key: 'name', sections: ['modem'], values: "1..32 letters, digits, '-', '_' or '.', unique in the file", default: 'modem (modem1, modem2, ... with several [modem] sections)', help: 'the modem\'s name in the journal, STATUS= and the failover decision' },
  { key: 'device', sections: ['modem'], values: 'control port (/dev/cdc-wdm0), network interface (wwan0), USB path (1-1.4) or IMEI, as -d', default: 'the only modem', help: 'the modem; run waits for it to appear' },
  { key: 'backend', sections: ['modem'], values: 'auto | qmimux | rmnet', default: 'auto', help: 'the kernel mux driver of every PDN' },
  { key: 'proxy', sections: ['modem'], values: 'auto | yes | no', default: 'auto', help: "whether to go through libqmi's qmi-proxy (auto: when it is running)" },
  { key: 'timeout', sections: ['modem'], values: 'milliseconds, 100..600000', default: '5000 per request, 120000 for Start Network', help: 'how long each QMI request waits, Start Network included (as up --timeout)' },
  { key: 'mux', sections: ['pdn'], values: '1..254, in decimal, unique in the file', required: 'yes', help: 'the mux id of the PDN' },
  { key: 'apn', sections: ['pdn'], values: 'at most 100 bytes of 3GPP TS 23.003 labels (letters, digits, -, separated by single dots); "" leaves it to the network', required: 'this or profile', help: 'the access point name' },
  { key: 'profile', sections: ['pdn'], values: 'a profile index (rmnetctl profiles)', required: 'this or apn', help: 'start from the 3GPP profile stored on the modem' },
  { key: 'ip-type', sections: ['pdn'], values: '4 | 6 | 4v6', default: '4', help: 'the IP families (one WDS client each)' },
  { key: 'auth', sections: ['pdn'], values: 'none | pap | chap | both', default: 'none', help: 'authentication; pap, chap and both need user' },
  { key: 'user', sections: ['pdn'], values: 'a user name', help: 'the user name for pap/chap' },
  { key: 'password-file', sections: ['pdn'], values: 'a path: a regular file owned by root, mode 600, the password on its first line', help: 'the password (never in the config itself: a password key is refused)' },
  { key: 'ifname', sections: ['pdn'], values: '1..15 bytes, no spaces, / or :, unique in the file', default: "the kernel's", help: 'the name of the rmnet link (qmimux links are named by the kernel)' },
  { key: 'no-ip', sections: ['pdn'], values: BOOLEAN, default: 'no', help: 'yes: start the session and the link, apply no addresses, routes or DNS' },
  { key: 'default-route', sections: ['pdn'], values: BOOLEAN, default: 'yes', help: 'no: add no default route (an IMS or MMS PDN); metric is then refused' },
  { key: 'metric', sections: ['pdn'], values: '0..4294967295', default: '100 + mux - 1', help: 'the metric of the default route(s)' },
  { key: 'weight', sections: ['pdn'], values: '1..256', default: '1', help: 'the share of the default route under policy = balance' },
  { key: 'probe', sections: HEALTH_SECTIONS, values: 'IP addresses, space separated', default: DEFAULT_HEALTH.probe.join(' ') || 'none', help: "ICMP echo targets, probed through the PDN's own link" },
  { key: 'probe-interval', sections: HEALTH_SECTIONS, values: 'seconds, 1..3600', default: String(DEFAULT_HEALTH.probeInterval), help: 'how often the health of a PDN is judged' },
  { key: 'unhealthy-after', sections: HEALTH_SECTIONS, values: '1..100', default: String(DEFAULT_HEALTH.unhealthyAfter), help: 'failing intervals in a row before a PDN is unhealthy and recovery starts' },
  { key: 'healthy-after', sections: HEALTH_SECTIONS, values: '1..100', default: String(DEFAULT_HEALTH.healthyAfter), help: 'successful intervals in a row before a PDN is healthy again' },
  { key: 'probes', sections: HEALTH_SECTIONS, values: BOOLEAN, default: 'on', help: 'off: no probes, the link counters alone judge (refused with probe in the same section)' },
  { key: 'policy', sections: ['failover'], values: POLICIES.join(' | '), default: DEFAULT_FAILOVER.policy, help: 'priority: the lowest metric carries the traffic, the others stand by; balance: one multipath IPv4 default route over the healthy PDNs, by weight' },
  { key: 'failover', sections: ['failover'], values: FAILOVER_MODES.join(' | '), default: DEFAULT_FAILOVER.failover, help: "what happens to an unhealthy PDN's default routes at once: withdrawn, or demoted by demote-offset" },
  { key: 'hold-time', sections: ['failover'], values: 'seconds, 0..86400', default: String(DEFAULT_FAILOVER.holdTime), help: 'how long a recovered PDN must stay healthy before it gets its route back (no flapping)' },
  { key: 'demote-offset', sections: ['failover'], values: '1..1000000', default: String(DEFAULT_FAILOVER.demoteOffset), help: 'what failover = demote adds to the metric of an unhealthy PDN' },
];

const keysOf = (kind: Kind): ReadonlySet<string> => new Set(CONFIG_KEYS.filter((k) => k.sections.includes(kind)).map((k) => k.key));
const SECTION_KEYS: Record<Kind, ReadonlySet<string>> = { modem: keysOf('modem'), pdn: keysOf('pdn'), health: keysOf('health'), failover: keysOf('failover') };
/** Sections that may appear once in a file. */
const SINGLE: Record<Kind, boolean> = { modem: false, pdn: false, health: true, failover: true };

/** The config of a run with one modem (tests, and the single-modem callers); several [modem] are refused here. */
export function parseConfig(text: string, file: string): ServiceConfig {
  const fleet = parseFleetConfig(text, file);
  if (fleet.modems.length > 1) throw new RmnetError('BAD_CONFIG', `${file}: ${fleet.modems.length} [modem] sections where one was expected`, Category.usage, { file });
  return fleet.modems[0]!;
}

export function parseFleetConfig(text: string, file: string): FleetConfig {
  const fail = (line: number, message: string) =>
    new RmnetError('BAD_CONFIG', `${file}:${line}: ${message}`, Category.usage, { file, line });
  const sections: Section[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/(^|\s)[#;].*$/, '').trim();
    if (content === '') return;
    const header = /^\[\s*(\w+)\s*\]$/.exec(content);
    if (header) {
      const kind = header[1]!.toLowerCase() as Kind;
      if (!Object.hasOwn(SECTION_KEYS, kind)) throw fail(line, `unknown section [${header[1]}] (expected [modem], [health], [failover] or [pdn])`);
      if (SINGLE[kind] && sections.some((s) => s.kind === kind)) throw fail(line, `only one [${kind}] section is allowed`);
      sections.push({ kind, line, values: new Map() });
      return;
    }
    const pair = /^([\w-]+)\s*=\s*(.*)$/.exec(content);
    if (!pair) throw fail(line, `expected "key = value", got "${content}"`);
    const section = sections.at(-1);
    if (!section) throw fail(line, 'a key before any [modem], [health], [failover] or [pdn] section');
    const key = pair[1]!.toLowerCase();
    if (key === 'password') throw fail(line, 'passwords do not go in the config: use password-file = PATH (mode 600)');
    const allowed = SECTION_KEYS[section.kind];
    if (!allowed.has(key)) throw fail(line, `unknown key "${key}" in [${section.kind}] (known: ${[...allowed].join(', ')})`);
    if (section.values.has(key)) throw fail(line, `"${key}" given twice in this section`);
    const value = pair[2]!.trim();
    if (value.startsWith('"') && (value.length < 2 || !value.endsWith('"'))) throw fail(line, `unterminated quote in the value of "${key}": ${value}`);
    section.values.set(key, { value: unquote(value), line });
  });

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
  const oneOf = <T extends string>(key: string, values: readonly T[]) => (v: string): T => {
    if ((values as readonly string[]).includes(v)) return v as T;
    throw new Error(`${key} must be ${values.join(' or ')}, got "${v}"`);
  };
  const failoverSection = sections.find((s) => s.kind === 'failover');
  const failover: FailoverSettings = {
    policy: field(failoverSection, 'policy', oneOf<FailoverPolicy>('policy', POLICIES), DEFAULT_FAILOVER.policy),
    failover: field(failoverSection, 'failover', oneOf<FailoverMode>('failover', FAILOVER_MODES), DEFAULT_FAILOVER.failover),
    holdTime: field(failoverSection, 'hold-time', parseRange('hold-time', 0, 86400), DEFAULT_FAILOVER.holdTime),
    demoteOffset: field(failoverSection, 'demote-offset', parseRange('demote-offset', 1, 1_000_000), DEFAULT_FAILOVER.demoteOffset),
  };

  // Which [pdn] belongs to which [modem]: with one (or none), all of them; with several, the one above.
  const modemSections = sections.filter((s) => s.kind === 'modem');
  const groups: Array<{ modem: Section | undefined; pdns: Section[] }> = modemSections.length <= 1
    ? [{ modem: modemSections[0], pdns: sections.filter((s) => s.kind === 'pdn') }]
    : modemSections.map((m) => ({ modem: m, pdns: [] }));
  if (modemSections.length > 1) {
    let current: (typeof groups)[number] | undefined;
    for (const s of sections) {
      if (s.kind === 'modem') current = groups.find((g) => g.modem === s);
      if (s.kind !== 'pdn') continue;
      if (!current) throw fail(s.line, 'this [pdn] comes before any [modem]: with several [modem] sections, each [pdn] goes after the [modem] it belongs to');
      current.pdns.push(s);
    }
  }
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

  const modemOf = (group: (typeof groups)[number], index: number): FleetConfig['modems'][number] => {
    const modemSection = group.modem;
    const proxy = field(modemSection, 'proxy', (v): ProxyChoice => {
      if (v === 'auto' || v === 'yes' || v === 'no') return v;
      throw new Error(`proxy must be auto, yes or no, got "${v}"`);
    }, 'auto');
    const name = field(modemSection, 'name', (v) => {
      if (!/^[A-Za-z0-9_.-]{1,32}$/.test(v)) throw new Error(`name must be 1-32 letters, digits, '-', '_' or '.', got "${v}"`);
      return v;
    }, groups.length === 1 ? 'modem' : `modem${index + 1}`);
    const modem = {
      device: get(modemSection, 'device')?.value,
      backend: field(modemSection, 'backend', parseBackend, 'auto' as BackendChoice),
      proxy,
      // The range of `up --timeout` (milliseconds).
      timeoutMs: field(modemSection, 'timeout', parseRange('timeout', 100, 600_000), undefined as number | undefined),
    };
    const pdns = group.pdns.map((s) => {
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
    if (pdns.length === 0) throw fail(modemSection?.line ?? 1, groups.length === 1 ? 'no [pdn] section: nothing to bring up' : `[modem] ${name} has no [pdn] after it: nothing to bring up`);
    const health = group.pdns.map((s) => healthOf(s, defaults));
    const weights = group.pdns.map((s) => field(s, 'weight', parseRange('weight', 1, 256), 1));
    const seen = new Map<number, number>();
    group.pdns.forEach((s, i) => {
      const mux = pdns[i]!.muxId;
      if (seen.has(mux)) throw fail(s.line, `mux ${mux} is already used by the [pdn] at line ${seen.get(mux)}`);
      seen.set(mux, s.line);
    });
    return { name, modem, pdns, health, weights, failover };
  };
  const modems = groups.map(modemOf);
  checkAcrossModems(modems, groups.map((g) => ({ modem: g.modem, pdns: g.pdns })), failover, fail, get);
  return { modems, failover };
}

/**
 * What one modem's sections cannot see: names, devices, interface names and default-route metrics must not
 * collide across the run (the kernel takes one default route per family and metric, whatever the device).
 */
function checkAcrossModems(
  modems: FleetConfig['modems'],
  sections: Array<{ modem: Section | undefined; pdns: Section[] }>,
  failover: FailoverSettings,
  fail: (line: number, message: string) => RmnetError,
  get: (s: Section | undefined, key: string) => { value: string; line: number } | undefined,
): void {
  const lineOf = (s: Section | undefined, key: string) => get(s, key)?.line ?? s?.line ?? 1;
  const names = new Map<string, number>();
  const devices = new Map<string, number>();
  modems.forEach((m, i) => {
    const section = sections[i]!.modem;
    if (names.has(m.name)) throw fail(lineOf(section, 'name'), `modem name "${m.name}" is already the name of the [modem] at line ${names.get(m.name)}`);
    names.set(m.name, lineOf(section, 'name'));
    if (modems.length === 1) return;
    // Without device =, each would select "the only modem": the same one.
    if (m.modem.device === undefined) throw fail(section?.line ?? 1, `with several [modem] sections each needs device = (a port, interface, USB path or IMEI); [modem] ${m.name} has none`);
    if (devices.has(m.modem.device)) throw fail(lineOf(section, 'device'), `device ${m.modem.device} is already selected by the [modem] at line ${devices.get(m.modem.device)}`);
    devices.set(m.modem.device, lineOf(section, 'device'));
  });
  const ifnames = new Map<string, number>();
  const metrics = new Map<string, { line: number }>();
  modems.forEach((m, i) => m.pdns.forEach((request, j) => {
    const s = sections[i]!.pdns[j]!;
    if (request.ifname !== undefined) {
      const line = lineOf(s, 'ifname');
      if (ifnames.has(request.ifname)) throw fail(line, `ifname ${request.ifname} is already the link of the [pdn] at line ${ifnames.get(request.ifname)}`);
      ifnames.set(request.ifname, line);
    }
    if (request.routeMetric === undefined || request.noIp) return;
    const line = lineOf(s, 'metric');
    const slots = familiesOf(request).flatMap((family) => [
      { family, metric: request.routeMetric!, demoted: false },
      ...(failover.failover === 'demote' ? [{ family, metric: request.routeMetric! + failover.demoteOffset, demoted: true }] : []),
    ]);
    for (const slot of slots) {
      const key = `${slot.family}/${slot.metric}`;
      const other = metrics.get(key);
      if (other) {
        const what = slot.demoted ? `demoted by demote-offset ${failover.demoteOffset} to metric ${slot.metric}` : `IPv${slot.family} default route metric ${slot.metric}${get(s, 'metric') ? '' : ' (100 + mux - 1)'}`;
        throw fail(line, `mux ${request.muxId} of modem ${m.name}: ${what} collides with the [pdn] at line ${other.line}: give one of them another metric =`);
      }
      metrics.set(key, { line });
    }
  }));
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
