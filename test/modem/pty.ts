// The emulated modem on a pseudo-terminal in raw mode: the host side opens the slave path (/dev/pts/N) as
// it would /dev/cdc-wdm0 (qmicli needs --device-open-qmi); the model side reads the master through PollFd
// and the stream decoder. One connection for the pty's life, like one USB device: client ids and sessions
// outlive the processes that open the slave, as they outlive qmicli --client-no-release-cid on hardware.
import { FrameDecoder } from '../../src/qmi/framing.js';
import { native } from '../../src/io/native.js';
import { PollFd } from '../../src/io/poll-fd.js';
import { EmulatedModem, type ModemBehaviour } from './modem.js';

export interface PtyModem {
  /** The path hosts open, /dev/pts/N. */
  readonly path: string;
  readonly modem: EmulatedModem;
  close(): void;
}

export function startPtyModem(modemOrBehaviour: EmulatedModem | Partial<ModemBehaviour> = {}, log?: (line: string) => void): PtyModem {
  const modem = modemOrBehaviour instanceof EmulatedModem ? modemOrBehaviour : new EmulatedModem(modemOrBehaviour);
  const addon = native();
  const pty = addon.openpty();
  // The slave fd stays open here, so the master never sees end-of-file (EIO) between two host processes.
  const decoder = new FrameDecoder();
  let master: PollFd | undefined;
  const connection = modem.attach((frame) => {
    if (master && !master.isClosed) master.write(frame);
  });
  master = new PollFd(pty.master, {
    data(chunk) {
      for (const item of decoder.pushRaw(chunk)) {
        if (!(item instanceof Uint8Array)) {
          log?.(`emulated modem: dropped ${item.dropped} bytes: ${item.error}: ${item.message}`);
          continue;
        }
        connection.receive(item);
      }
    },
    end(error) {
      log?.(`emulated modem: pty master ended${error ? `: ${error.message}` : ''}`);
    },
  });
  let closed = false;
  return {
    path: pty.path,
    modem,
    close() {
      if (closed) return;
      closed = true;
      connection.detach();
      master?.close();
      addon.close(pty.slave);
    },
  };
}
