// One capture from start to stop: frames from a FrameSource through the CaptureLoop into a CaptureOutput,
// until --count packets, --seconds, a stop signal or a read error. The file is complete whichever stops it
// (the pcapng blocks are whole, the buffer is flushed), a socket that ends (the interface went away) included;
// a write error removes a file this capture created.
import { PcapngWriter } from './pcapng.js';
import { CaptureLoop, type CaptureResult, type CaptureSocketCounters } from './capture.js';
import type { CaptureOutput } from './output.js';
import { FLUSH_MS } from './output.js';
import type { FrameSource } from './packet-socket.js';
import type { CaptureTarget } from './target.js';

/** 'ended': the socket failed (the interface went away): what was captured is kept, the error is in `ended`. */
export type CaptureStop = 'count' | 'seconds' | 'signal' | 'ended';

export interface CaptureReport extends CaptureResult {
  interface: string;
  device: string | null;
  file: string | null;
  stoppedBy: CaptureStop;
  seconds: number;
  socket: CaptureSocketCounters;
  /** Why the socket ended, when stoppedBy is 'ended'. */
  ended?: Error;
}

export interface CaptureRunOptions {
  mux?: number | undefined;
  count?: number | undefined;
  seconds?: number | undefined;
  /** Resolves when a stop is asked (SIGINT/SIGTERM in the CLI). */
  stopSignal: Promise<unknown>;
}

export async function runCapture(source: FrameSource, target: CaptureTarget, output: CaptureOutput | null, options: CaptureRunOptions): Promise<CaptureReport> {
  const writer = output ? new PcapngWriter((chunk) => output.write(chunk), undefined, { batch: true }) : null;
  const loop = new CaptureLoop({ format: target.format, parent: target.parent, linkNames: target.linkNames, mux: options.mux, count: options.count, writer });
  const started = process.hrtime.bigint();
  const timers: NodeJS.Timeout[] = [];
  let failure: unknown;
  let ended: Error | undefined;
  const stoppedBy = await new Promise<CaptureStop>((resolve) => {
    let stopped = false;
    const stop = (why: CaptureStop, error?: unknown) => {
      if (stopped) return;
      stopped = true;
      failure ??= error;
      resolve(why);
    };
    if (options.seconds !== undefined) timers.push(setTimeout(() => stop('seconds'), options.seconds * 1000));
    if (output) timers.push(setInterval(() => {
      try {
        writer!.flush();
        output.flush();
      } catch (error) {
        stop('signal', error);
      }
    }, FLUSH_MS));
    void options.stopSignal.then(() => stop('signal'));
    source.start(
      (data, length, micros, offset) => {
        if (stopped) return;
        try {
          loop.frame(data, length, micros, offset);
        } catch (error) {
          return stop('signal', error);
        }
        if (loop.done) stop('count');
      },
      (error) => {
        ended ??= error;
        stop('ended');
      },
    );
  });
  for (const timer of timers) clearTimeout(timer);
  const socket = source.counters();
  source.close();
  if (output) {
    try {
      if (failure === undefined) {
        writer!.flush();
        await output.close();
      }
    } catch (error) {
      failure = error;
    }
    if (failure !== undefined) output.discard();
  }
  if (failure !== undefined) throw failure;
  return {
    interface: target.parent,
    device: target.device,
    file: output ? output.name : null,
    stoppedBy,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    socket,
    ...loop.result(),
    ...(ended ? { ended } : {}),
  };
}
