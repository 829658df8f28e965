// What the QMI client needs from a control port: send bytes, receive bytes, close. Implementations: the
// cdc-wdm character device (chardev-transport.ts), libqmi's qmi-proxy (proxy-transport.ts), and in tests a
// pty or an in-memory pair around the emulated modem.

export interface TransportHandlers {
  /** Bytes from the modem, split anywhere; only valid during the call. */
  data(chunk: Uint8Array): void;
  /** The port went away (device unplugged, proxy closed) or failed. Called at most once. */
  end(error?: Error): void;
}

export interface Transport {
  /** The control port this transport talks to, for messages ("/dev/cdc-wdm0"). */
  readonly path: string;
  /** "char device", "qmi-proxy", ... for messages. */
  readonly kind: string;
  /** Starts delivering bytes; called once. */
  start(handlers: TransportHandlers): void;
  /** Queues one whole frame (one write, as cdc-wdm wants it). */
  send(frame: Uint8Array): void;
  close(): void;
}
