// A PDN request, validated before anything is touched: bad input stops here with an error naming the
// field and what to do. The same checks serve the command line and /etc/rmnetctl/NAME.conf.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { Category, RmnetError } from '../errors.js';
import { parseMuxId } from '../mux-id.js';

export type IpType = '4' | '6' | '4v6';
export type AuthMethod = 'none' | 'pap' | 'chap' | 'both';
export type BackendChoice = 'auto' | 'qmimux' | 'rmnet';

export interface PdnRequest {
  muxId: number;
  /** '' with a profile: the APN is the stored profile's (no APN TLV), or the network's default without one. */
  apn: string;
  /** A 3GPP profile stored on the modem (`rmnetctl profiles`): Start Network uses its APN and settings. */
  profile?: number | undefined;
  ipType: IpType;
  auth: AuthMethod;
  user?: string | undefined;
  /** Path only: the secret is read when needed and never stored, logged or printed. */
  passwordFile?: string | undefined;
  backend: BackendChoice;
  ifname?: string | undefined;
  /** Addresses and routes are not applied; the link is only created and brought up. */
  noIp: boolean;
  /** Metric of the default route(s); undefined = no default route. */
  routeMetric?: number | undefined;
}

const usage = (field: string, message: string, value?: unknown) =>
  new RmnetError('BAD_ARGUMENT', message, Category.usage, value === undefined ? { field } : { field, value });

/**
 * An APN as 3GPP TS 23.003 clause 9.1 writes one: labels separated by dots, each 1..63 letters, digits or
 * hyphens, beginning and ending with a letter or digit; at most 100 octets in all. Empty means "the
 * network's default APN" (Start Network without the APN TLV leaves the choice to the network). Each
 * refusal says which rule failed.
 */
export function parseApn(value: string, field = '--apn'): string {
  if (value === '') return value;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > 100) throw usage(field, `${field} is ${bytes} bytes; an APN is at most 100 bytes (TS 23.003 9.1)`);
  const bad = [...value].findIndex((ch) => ch < ' ' || ch > '~');
  if (bad >= 0) {
    const code = value.codePointAt(bad)!;
    throw usage(field, `${field} has a ${code < 0x20 || code === 0x7f ? 'control character' : 'character that is not printable ASCII'} (U+${code.toString(16).padStart(4, '0')}) at position ${bad + 1}`);
  }
  const labels = value.split('.');
  labels.forEach((label, i) => {
    const where = `label ${i + 1} ("${label}")`;
    if (label === '') throw usage(field, `${field} "${value}" has an empty label (a leading, trailing or doubled dot); labels are separated by single dots (TS 23.003 9.1)`);
    if (label.length > 63) throw usage(field, `${field} ${where} is ${label.length} characters; a label is at most 63 (TS 23.003 9.1)`);
    const other = /[^A-Za-z0-9-]/.exec(label);
    if (other) throw usage(field, `${field} ${where} has ${other[0] === ' ' ? 'a space' : `"${other[0]}"`}; labels are letters, digits and '-' only (TS 23.003 9.1)`);
    if (label.startsWith('-') || label.endsWith('-')) throw usage(field, `${field} ${where} begins or ends with '-'; a label begins and ends with a letter or digit (TS 23.003 9.1)`);
  });
  return value;
}

export function parseIpType(value: string, field = '--ip-type'): IpType {
  if (value === '4' || value === '6' || value === '4v6') return value;
  throw usage(field, `${field} must be 4, 6 or 4v6, got "${value}"`, value);
}

export function parseAuth(value: string, field = '--auth'): AuthMethod {
  if (value === 'none' || value === 'pap' || value === 'chap' || value === 'both') return value;
  throw usage(field, `${field} must be none, pap, chap or both, got "${value}"`, value);
}

export function parseBackend(value: string, field = '--backend'): BackendChoice {
  if (value === 'auto' || value === 'qmimux' || value === 'rmnet') return value;
  throw usage(field, `${field} must be auto, qmimux or rmnet, got "${value}"`, value);
}

/** Linux interface names: 1..15 bytes, no '/', ':' or whitespace, not "." or "..". */
export function parseIfname(value: string, field = '--ifname'): string {
  if (value.length < 1 || Buffer.byteLength(value) > 15 || /[\s/:]/.test(value) || value === '.' || value === '..') {
    throw usage(field, `${field} "${value}" is not a valid interface name (1-15 bytes, no spaces, '/' or ':')`, value);
  }
  // The kernel would take it, but every tool after us (ip, resolvectl, scripts) would read it as an option.
  if (value.startsWith('-')) throw usage(field, `${field} "${value}" starts with '-': helper programs would take it for an option`, value);
  return value;
}

export function parseMetric(value: string | number, field = '--metric'): number {
  const text = String(value);
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw usage(field, `${field} must be an integer 0..4294967295, got "${text}"`, text);
  return Number(text);
}

/** Checks the combination of fields (each field is checked by its own parser). */
export function checkRequest(request: PdnRequest, names: FieldNames = optionNames): PdnRequest {
  const [auth, user, passwordFile] = [names('auth'), names('user'), names('passwordFile')];
  if (request.auth !== 'none') {
    if (!request.user) throw usage(auth, `${auth} ${request.auth} needs ${user}`);
    if (!request.passwordFile) throw usage(auth, `${auth} ${request.auth} needs ${passwordFile} (a file readable by root only)`);
    checkSecretFile(request.passwordFile);
  } else if (request.user || request.passwordFile) {
    throw usage(auth, `${user}/${passwordFile} given without ${auth} pap|chap|both`);
  }
  return request;
}

/**
 * A password file is held to what sshd holds its keys to: a regular file (not a symlink, FIFO, socket or
 * directory), owned by root, readable by nobody else (0600 or stricter), not empty. The file is opened
 * without following links and without blocking (a FIFO must never hang `up` under the modem's lock), and the
 * checks are made on the open descriptor, so what is checked is what is read.
 */
export function readSecret(path: string): string {
  const fail = (code: 'BAD_ARGUMENT' | 'INSECURE_SECRET', why: string) =>
    new RmnetError(code, `password file ${path} ${why}`, code === 'INSECURE_SECRET' ? Category.permission : Category.usage, { field: 'password-file', path });
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw fail('INSECURE_SECRET', 'is a symbolic link: point password-file at the file itself');
    if (code === 'ENXIO') throw fail('BAD_ARGUMENT', 'is a socket, not a regular file');
    throw fail('BAD_ARGUMENT', `cannot be read: ${(error as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw fail('BAD_ARGUMENT', `is ${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : 'not a regular file'}: use a regular file with mode 600`);
    if (st.uid !== 0) throw fail('INSECURE_SECRET', `is owned by uid ${st.uid}, not root: chown root:root ${path}`);
    if ((st.mode & 0o077) !== 0) throw fail('INSECURE_SECRET', `is readable by group or others (mode ${(st.mode & 0o777).toString(8)}): chmod 600 ${path}`);
    if (st.size === 0) throw fail('BAD_ARGUMENT', 'is empty: its first line is the password');
    return readFileSync(fd, 'utf8').split('\n')[0] ?? '';
  } finally {
    closeSync(fd);
  }
}

/** The checks of `readSecret`, for validation before anything is touched. */
export function checkSecretFile(path: string): void {
  readSecret(path);
}

/**
 * One PDN as the user wrote it, from the command line or a [pdn] section: raw text, nothing defaulted.
 * `buildPdnRequest` is the only place that turns it into a PdnRequest, so both paths get the same
 * checks and the same defaults.
 */
export interface PdnInput {
  mux: string;
  /** Exactly one of apn and profile. */
  apn?: string | undefined;
  profile?: string | undefined;
  ipType?: string | undefined;
  auth?: string | undefined;
  user?: string | undefined;
  passwordFile?: string | undefined;
  backend?: string | undefined;
  ifname?: string | undefined;
  /** false: no addresses, routes or DNS (--no-ip, no-ip = yes). */
  ip?: boolean | undefined;
  /** false: no default route (--no-default-route, default-route = no). */
  defaultRoute?: boolean | undefined;
  metric?: string | undefined;
}

/** How a field is called where the input came from: "--ip-type" on the command line, "ip-type" in a config. */
export type FieldNames = (key: keyof typeof FIELD_KEYS) => string;
const FIELD_KEYS = {
  mux: 'mux', apn: 'apn', profile: 'profile', ipType: 'ip-type', auth: 'auth', user: 'user', passwordFile: 'password-file',
  backend: 'backend', ifname: 'ifname', ip: 'no-ip', defaultRoute: 'default-route', metric: 'metric',
} as const;
export const optionNames: FieldNames = (key) => (key === 'ip' ? '--no-ip' : key === 'defaultRoute' ? '--no-default-route' : `--${FIELD_KEYS[key]}`);
export const configKeys: FieldNames = (key) => FIELD_KEYS[key];

/**
 * The default route rule, the same for an interactive `up` and a boot-time unit: a PDN that carries IP gets
 * a default route unless told otherwise, at metric 100 + mux id - 1, so several PDNs never collide (the
 * kernel takes one default route per family and metric) and the lowest mux id is preferred.
 */
export function defaultMetric(muxId: number): number {
  return 100 + muxId - 1;
}

export function buildPdnRequest(input: PdnInput, names: FieldNames = optionNames): PdnRequest {
  const muxId = parseMuxId(input.mux, names('mux'));
  const ip = input.ip ?? true;
  const defaultRoute = input.defaultRoute ?? true;
  if (input.metric !== undefined && (!defaultRoute || !ip)) {
    throw usage(names('metric'), `${names('metric')} sets the default route's metric, but ${!ip ? names('ip') : names('defaultRoute')} asks for none: give one or the other`);
  }
  const backend = input.backend === undefined ? 'auto' : parseBackend(input.backend, names('backend'));
  if (backend === 'qmimux' && input.ifname !== undefined) {
    throw usage(names('ifname'), `${names('ifname')} names rmnet links; qmimux links are named by the kernel (qmimuxN): drop ${names('ifname')} or use ${names('backend')} rmnet`);
  }
  if ((input.apn === undefined) === (input.profile === undefined)) {
    throw usage(names('apn'), input.apn === undefined ? `${names('apn')} NAME or ${names('profile')} N is required (${names('apn')} "" leaves the APN to the network)` : `${names('apn')} and ${names('profile')} both name the APN: give one`);
  }
  const profile = input.profile === undefined ? undefined : parseProfileIndex(input.profile, names('profile'));
  return checkRequest({
    muxId,
    apn: input.apn === undefined ? '' : parseApn(input.apn, names('apn')),
    ...(profile !== undefined ? { profile } : {}),
    ipType: input.ipType === undefined ? '4' : parseIpType(input.ipType, names('ipType')),
    auth: input.auth === undefined ? 'none' : parseAuth(input.auth, names('auth')),
    user: input.user,
    passwordFile: input.passwordFile,
    backend,
    ifname: input.ifname === undefined ? undefined : parseIfname(input.ifname, names('ifname')),
    noIp: !ip,
    routeMetric: !ip || !defaultRoute ? undefined : input.metric === undefined ? defaultMetric(muxId) : parseMetric(input.metric, names('metric')),
  }, names);
}

/** A 3GPP profile index as Start Network's TLV carries it (u8; firmware numbers profiles from 1). */
function parseProfileIndex(value: string, field: string): number {
  const n = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 255)) throw usage(field, `${field} must be a profile index 1..255 ("rmnetctl profiles" lists them), not "${value}"`, value);
  return n;
}

/** What a live PDN is: its request and what the kernel gave it (the backend the ladder chose, the link's name). */
export interface LivePdn {
  request: PdnRequest;
  backend: string;
  link?: { name: string } | undefined;
}

/**
 * The fields in which `request` differs from a PDN that is already up; none = `up` is a no-op. Every field
 * that changes the result counts; a backend of "auto" or no --ifname accept whatever the live PDN has.
 */
export function settingsDiffer(live: LivePdn, request: PdnRequest): string[] {
  const was = live.request;
  const differ: string[] = [];
  const compare = (name: string, a: unknown, b: unknown) => {
    if (a !== b) differ.push(`${name} ${JSON.stringify(a ?? null)} vs ${JSON.stringify(b ?? null)}`);
  };
  compare('APN', was.apn, request.apn);
  compare('profile', was.profile, request.profile);
  compare('IP type', was.ipType, request.ipType);
  compare('auth', was.auth, request.auth);
  compare('user', was.user, request.user);
  compare('password file', was.passwordFile, request.passwordFile);
  compare('no-ip', was.noIp, request.noIp);
  compare('default route metric', was.routeMetric, request.routeMetric);
  if (request.backend !== 'auto') compare('backend', live.backend, request.backend);
  if (request.ifname !== undefined) compare('interface', live.link?.name, request.ifname);
  return differ;
}

/** The IP families of a PDN: one WDS client and session each. */
export function familiesOf(request: Pick<PdnRequest, 'ipType'>): Array<4 | 6> {
  return request.ipType === '4v6' ? [4, 6] : [Number(request.ipType) as 4 | 6];
}
