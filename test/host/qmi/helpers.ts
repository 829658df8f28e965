// Shared by the host tests: run libqmi's tools with argument arrays and timeouts, start and stop qmi-proxy.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { qmiProxyListening } from '../../../src/session/env.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const QMI_PROXY = '/usr/libexec/qmi-proxy';

import { run, type RunResult as Run } from '../../support/run.js';

export { run, type Run };

export function qmicli(path: string, ...args: string[]): Promise<Run> {
  return run('qmicli', ['-d', path, '--device-open-qmi', ...args]);
}

/** Decodes frames with libqmi (scripts/qmi-decode.py). */
export interface LibqmiTlv {
  type: number;
  name: string | null;
  length: number;
  value: string;
  translated?: string;
}
export interface LibqmiDecode {
  ok: boolean;
  error?: string;
  /** Bytes libqmi left unread after the frame. */
  trailing?: number;
  header?: Record<string, string>;
  tlvs?: LibqmiTlv[];
}

export async function libqmiDecode(frames: Uint8Array[]): Promise<LibqmiDecode[]> {
  const result = await run('python3', [`${ROOT}scripts/qmi-decode.py`, ...frames.map((f) => Buffer.from(f).toString('hex'))], 20000);
  if (result.code !== 0) throw new Error(`qmi-decode.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as LibqmiDecode[];
}

const proxyListening = qmiProxyListening;

/**
 * Starts qmi-proxy --no-exit in its own session (setsid: opening a pty without a controlling terminal would
 * otherwise make it the proxy's, and the proxy dies of the hangup when it closes the device). Resolves once
 * the socket accepts connections. When a qmi-proxy already listens (another test's `qmicli -p` spawns one),
 * it is used as it is and undefined is returned: there can be only one listener on @qmi-proxy.
 */
export async function startQmiProxy(): Promise<ChildProcess | undefined> {
  if (await proxyListening()) return undefined;
  const child = spawn(QMI_PROXY, ['--no-exit'], { detached: true, stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    if (await proxyListening()) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('qmi-proxy did not start listening');
}

export async function stopQmiProxy(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

