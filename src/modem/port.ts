// How `rmnetctl info` and `rmnetctl format` reach a modem's control port: the path, char device or
// qmi-proxy, a per-request timeout and a debug sink.
import type { OpenOptions } from '../qmi/open.js';

export interface PortOptions {
  device: string;
  proxy?: boolean;
  timeout?: number;
  /** Debug sink: one line per frame in and out. */
  log?: (line: string) => void;
}

export function openOptions(options: PortOptions): OpenOptions {
  return {
    path: options.device,
    proxy: options.proxy === true,
    ...(options.timeout ? { timeoutMs: options.timeout } : {}),
    ...(options.log ? { log: options.log } : {}),
  };
}
