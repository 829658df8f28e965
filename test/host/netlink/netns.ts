// Test helper: throwaway network namespaces made with `ip netns`, always removed afterwards.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args);
  return stdout;
}

/** `ip -j -n NS ...` parsed. */
export async function ipJson<T = unknown>(netns: string, ...args: string[]): Promise<T> {
  return JSON.parse(await ip('-j', '-n', netns, ...args)) as T;
}

export async function createNetns(prefix: string): Promise<{ name: string; path: string }> {
  const name = `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
  await ip('netns', 'add', name);
  await ip('-n', name, 'link', 'set', 'lo', 'up');
  return { name, path: `/run/netns/${name}` };
}

export async function deleteNetns(name: string): Promise<void> {
  await ip('netns', 'del', name).catch(() => undefined);
}
