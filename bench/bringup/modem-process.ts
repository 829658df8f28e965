// The emulated modem for the bring-up suite, in its own process on a pty (like test/modem/serve.ts, plus the
// per-message delays and a request count): both contenders talk to the same kind of modem, over a real
// character device, from another process. Bundled to dist/bench-bundle/bringup-modem.mjs.
//
//   node dist/bench-bundle/bringup-modem.mjs [--delay MS] [--start-delay MS]
//
// Prints one JSON line {path, pid} when it is ready. Then reads commands on stdin, one per line:
//   stats   prints {requests, byMessage} (QMI requests received since the last "stats") as one JSON line
//   quit    closes the pty and exits (so does end of stdin, SIGINT and SIGTERM)
import { createInterface } from 'node:readline';
import { decodeFrame, isFrameError } from '../../src/qmi/framing.js';
import { findMessage } from '../../src/services.js';
import { serviceName } from '../../src/qmi/enums.js';
import { EmulatedModem, type ModemBehaviour } from '../../test/modem/modem.js';
import { startPtyModem } from '../../test/modem/pty.js';

function parseArgs(argv: string[]): Partial<ModemBehaviour> {
  const behaviour: Partial<ModemBehaviour> = { messageDelaysMs: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = Number(argv[++i]);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${arg} needs a non-negative integer`);
    if (arg === '--delay') behaviour.responseDelayMs = value;
    else if (arg === '--start-delay') behaviour.messageDelaysMs = { 'wds:Start Network': value };
    else throw new Error(`unknown option ${arg}`);
  }
  return behaviour;
}

const modem = new EmulatedModem(parseArgs(process.argv.slice(2)));
let requests = 0;
let byMessage: Record<string, number> = {};
// Count every request the host sends, by "service:message" (the names test/modem uses for delays).
const attach = modem.attach.bind(modem);
modem.attach = (send) => {
  const connection = attach(send);
  return {
    receive(frame: Uint8Array) {
      const decoded = decodeFrame(frame);
      if (!isFrameError(decoded)) {
        const schema = findMessage(decoded.service, decoded.messageId);
        const key = `${serviceName(decoded.service)}:${schema?.name ?? `0x${decoded.messageId.toString(16)}`}`;
        requests++;
        byMessage[key] = (byMessage[key] ?? 0) + 1;
      }
      connection.receive(frame);
    },
    detach: () => connection.detach(),
  };
};
const served = startPtyModem(modem);
process.stdout.write(`${JSON.stringify({ path: served.path, pid: process.pid })}\n`);

const stop = () => {
  served.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = line.trim();
  if (command === 'stats') {
    process.stdout.write(`${JSON.stringify({ requests, byMessage })}\n`);
    requests = 0;
    byMessage = {};
  } else if (command === 'quit') stop();
});
lines.on('close', stop);
