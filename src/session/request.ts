// A PDN request, validated before anything is touched: bad input stops here with an error naming the
// field and what to do. The same checks serve the command line and /etc/rmnetctl/NAME.conf.
import { statSync, readFileSync } from 'node:fs';
import { Category, RmnetError } from '../errors.js';
import { parseMuxId as parseMuxIdIn } from '../sysfs/names.js';

export type IpType = '4' | '6' | '4v6';
export type AuthMethod = 'none' | 'pap' | 'chap' | 'both';
export type BackendChoice = 'auto' | 'qmimux' | 'rmnet';

export interface PdnRequest {
  muxId: number;
  apn: string;
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

/** Mux ids 1..254: 0 means "no mux" to the modem and 255 is reserved. */
export function parseMuxId(value: string | number, field = '--mux'): number {
  return parseMuxIdIn(value, field);
}

/** APN: at most 100 bytes (3GPP TS 23.003), printable ASCII without spaces; empty = the network's default. */
export function parseApn(value: string, field = '--apn'): string {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > 100) throw usage(field, `${field} is ${bytes} bytes; an APN is at most 100 bytes`);
  const bad = [...value].findIndex((ch) => ch < '!' || ch > '~');
  if (bad >= 0) {
    const code = value.codePointAt(bad)!;
    throw usage(field, `${field} has a ${code < 0x20 || code === 0x7f ? 'control character' : 'character that is not printable ASCII'} (U+${code.toString(16).padStart(4, '0')}) at position ${bad + 1}`);
  }
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
  return value;
}

export function parseMetric(value: string | number, field = '--metric'): number {
  const text = String(value);
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw usage(field, `${field} must be an integer 0..4294967295, got "${text}"`, text);
  return Number(text);
}

/** Checks the combination of fields (each field is checked by its own parser). */
export function checkRequest(request: PdnRequest): PdnRequest {
  if (request.auth !== 'none') {
    if (!request.user) throw usage('--user', `--auth ${request.auth} needs --user`);
    if (!request.passwordFile) throw usage('--password-file', `--auth ${request.auth} needs --password-file (a file readable by root only)`);
    checkSecretFile(request.passwordFile);
  } else if (request.user || request.passwordFile) {
    throw usage('--auth', '--user/--password-file given without --auth pap|chap|both');
  }
  return request;
}

/** A secret file must exist and not be readable by group or others. */
export function checkSecretFile(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    throw new RmnetError('BAD_ARGUMENT', `password file ${path} cannot be read: ${(error as Error).message}`, Category.usage, { field: 'password-file', path });
  }
  if ((mode & 0o077) !== 0) {
    throw new RmnetError('INSECURE_SECRET', `password file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}): chmod 600 ${path}`, Category.permission, { path });
  }
}

/** Reads the secret when it is needed, first line only, without the newline. */
export function readSecret(path: string): string {
  checkSecretFile(path);
  return readFileSync(path, 'utf8').split('\n')[0] ?? '';
}

/** Same settings = `up` may be a no-op; different = refuse. Compares what shapes the session. */
export function sameSettings(a: PdnRequest, b: PdnRequest): boolean {
  const key = (r: PdnRequest) => JSON.stringify([r.muxId, r.apn, r.ipType, r.auth, r.user ?? '', r.noIp, r.routeMetric ?? null]);
  return key(a) === key(b);
}
