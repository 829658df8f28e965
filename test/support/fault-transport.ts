// A control port between QmiDevice and the emulated modem that fails one request on purpose: the fault
// matrix's tool (test/unit/session/faults.test.ts, docs/faults.md). Requests are counted in the order they
// leave the host, so "the 4th request of `up`" means the same thing on every run.
import { decodeFrame, encodeFrame, isFrameError, type QmuxFrame } from '../../src/qmi/framing.js';
import { encodeResult } from '../../src/qmi/schema.js';
import { findMessage } from '../../src/qmi/catalog.js';
import { serviceName } from '../../src/qmi/enums.js';
import type { Transport, TransportHandlers } from '../../src/qmi/transport.js';
import type { EmulatedModem } from '../modem/modem.js';

/** What happens to the chosen request (the rows of docs/faults.md). */
export const QMI_FAULTS = {
  swallowed: 'the request never reaches the modem',
  'answer-lost': 'the modem acts, its answer is lost',
  'answer-late': 'the modem acts, its answer comes after the timeout',
  'qmi-error': 'the modem refuses it (QMI error Internal)',
  'modem-reset': 'the modem resets instead of answering (CTL Sync)',
  'port-lost': 'the control port closes, the modem keeps its state (qmi-proxy restarting)',
} as const;
export type QmiFault = keyof typeof QMI_FAULTS;

export interface FaultPlan {
  /** 0-based index of the request to fail, counted over this transport's requests. */
  at: number;
  fault: QmiFault;
  /** answer-late: how late. */
  lateMs: number;
  /**
   * Count only the requests with this label ("DMS Set Operating Mode"), from the first one sent after the
   * plan was given this field: `at` is then the 0-based index among those.
   */
  only?: string;
}

const QMI_ERROR_INTERNAL = 0x0003;

function label(frame: QmuxFrame): string {
  const schema = findMessage(frame.service, frame.messageId);
  return `${serviceName(frame.service).toUpperCase()} ${schema?.name ?? `0x${frame.messageId.toString(16)}`}`;
}

/** `requests` receives each request's label ("CTL Allocate CID", "WDS Start Network") as it is sent. */
export function faultTransport(modem: EmulatedModem, path: string, plan: FaultPlan | undefined, requests: string[] = []): Transport {
  let handlers: TransportHandlers | undefined;
  let connection: ReturnType<EmulatedModem['attach']> | undefined;
  let closed = false;
  /** Responses to tamper with, by service:client:transaction. */
  const tamper = new Map<string, 'drop' | 'late'>();
  const keyOf = (f: QmuxFrame) => `${f.service}:${f.clientId}:${f.transactionId}`;
  /** plan.only: how many requests with that label were sent since it was set. */
  const onlySeen = new Map<string, number>();
  const deliver = (bytes: Uint8Array) => {
    const frame = decodeFrame(bytes);
    const action = !isFrameError(frame) && frame.kind === 'response' ? tamper.get(keyOf(frame)) : undefined;
    if (action === 'drop') return;
    const send = () => queueMicrotask(() => !closed && handlers?.data(bytes));
    if (action === 'late') setTimeout(send, plan!.lateMs);
    else send();
  };
  const lose = () => {
    connection?.detach();
    connection = undefined;
    queueMicrotask(() => {
      if (closed) return;
      closed = true;
      handlers?.end(new Error('the port went away (fault injected)'));
    });
  };
  return {
    path,
    kind: 'emulated port (faults)',
    start(h) {
      handlers = h;
      connection = modem.attach(deliver);
    },
    send(bytes) {
      if (closed || !connection) throw new Error('closed');
      const frame = decodeFrame(bytes);
      if (isFrameError(frame)) throw new Error(`the host sent a bad frame: ${frame.message}`);
      const name = label(frame);
      const index = requests.push(name) - 1;
      const counted = plan?.only === undefined ? index : name === plan.only ? onlySeen.get(plan.only) ?? 0 : -1;
      if (plan?.only !== undefined && name === plan.only) onlySeen.set(plan.only, counted + 1);
      if (!plan || counted !== plan.at) {
        connection.receive(Uint8Array.from(bytes));
        return;
      }
      switch (plan.fault) {
        case 'swallowed':
          return;
        case 'answer-lost':
        case 'answer-late':
          tamper.set(keyOf(frame), plan.fault === 'answer-lost' ? 'drop' : 'late');
          connection.receive(Uint8Array.from(bytes));
          return;
        case 'qmi-error': {
          const reply = encodeFrame({ ...frame, fromModem: true, kind: 'response', tlvs: [encodeResult({ status: 1, error: QMI_ERROR_INTERNAL })] });
          queueMicrotask(() => !closed && handlers?.data(reply));
          return;
        }
        case 'modem-reset':
          modem.reset();
          return;
        case 'port-lost':
          lose();
          return;
      }
    },
    close() {
      closed = true;
      connection?.detach();
    },
  };
}
