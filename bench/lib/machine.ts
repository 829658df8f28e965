// What the machine was doing while a benchmark ran: numbers without this are not comparable.
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  loadAverage: [number, number, number];
}

export function machineInfo(): MachineInfo {
  let kernel = 'unknown';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // not Linux: leave it unknown
  }
  const [one, five, fifteen] = loadavg();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel,
    loadAverage: [round2(one!), round2(five!), round2(fifteen!)],
  };
}

export function formatLoad(load: [number, number, number]): string {
  return load.map((v) => v.toFixed(2)).join(' ');
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
