// An in-memory transport to the emulated modem: a QmiDevice talks to the model with no fd at all. Frames
// from the modem are delivered on a later microtask, as a real port would deliver them asynchronously.
import type { Transport, TransportHandlers } from '../../src/qmi/transport.js';
import type { EmulatedModem } from './modem.js';

export interface MemoryTransport extends Transport {
  /** Bytes the host sent, frame by frame. */
  readonly sent: Uint8Array[];
  /** Frames the modem sent (responses and indications), in order. */
  readonly received: Uint8Array[];
  /** Injects raw bytes as if the modem had sent them (malformed frames, garbage). */
  inject(bytes: Uint8Array): void;
  /** Simulates the port going away. */
  hangUp(error?: Error): void;
}

export function memoryTransport(modem: EmulatedModem, path = '/dev/emulated-qmi0'): MemoryTransport {
  let handlers: TransportHandlers | undefined;
  let connection: ReturnType<EmulatedModem['attach']> | undefined;
  let closed = false;
  const sent: Uint8Array[] = [];
  const received: Uint8Array[] = [];
  const deliver = (bytes: Uint8Array) =>
    queueMicrotask(() => {
      received.push(Uint8Array.from(bytes));
      if (!closed) handlers?.data(bytes);
    });
  return {
    path,
    kind: 'emulated port',
    sent,
    received,
    start(h) {
      handlers = h;
      connection = modem.attach(deliver);
    },
    send(frame) {
      if (closed) throw new Error('closed');
      sent.push(Uint8Array.from(frame));
      connection?.receive(Uint8Array.from(frame));
    },
    close() {
      closed = true;
      connection?.detach();
    },
    inject(bytes) {
      deliver(bytes);
    },
    hangUp(error) {
      if (closed) return;
      closed = true;
      connection?.detach();
      handlers?.end(error);
    },
  };
}
