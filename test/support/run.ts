// Runs a program with an argument vector (never a shell string) and a timeout; resolves with its exit code
// (-1 when it was killed or could not start, the reason appended to stderr) and what it printed.
import { execFile } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(file: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 8 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr + (error && code === -1 ? `\n${error.message}` : '') });
    });
  });
}
