/**
 * Session scenario, the supervisor (issue #5, check 7): `rmnetctl run lab --config FILE` with two PDNs.
 * READY=1 arrives on a NOTIFY_SOCKET this scenario binds (a python3 unix datagram listener) once both links
 * are up; ping through each; `modem.reset()` (CTL Sync: every client id and session gone) and the supervisor
 * brings both back (new sessions, ping again); SIGTERM takes everything down.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { attachModem, waitFor, type Recorder } from '../harness.js';
import { checkAllGone, emulator, exited, globalAddresses, muxLinks, pingThrough, qmiWwanMode, spawnRmnetctl } from './session-lib.js';

export const CONFIG = `# two PDNs, written by the lab
[modem]
backend = auto

[pdn]
mux = 1
apn = internet
metric = 100

[pdn]
mux = 2
apn = ims
ip-type = 4v6
metric = 200
`;

const LISTENER = `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('BOUND', flush=True)
while True:
    print(s.recv(4096).decode(errors='replace').replace('\\n', ' | '), flush=True)
`;

export async function sessionRunScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec);
  const emu = emulator(modem);
  const { wwan } = modem;
  const modeBefore = qmiWwanMode(wwan);
  const configPath = '/tmp/rmnetctl-lab.conf';
  writeFileSync(configPath, CONFIG);
  const socketPath = '/tmp/rmnetctl-notify.sock';

  const listener = spawn('python3', ['-c', LISTENER, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const notes: string[] = [];
  let buffered = '';
  listener.stdout.on('data', (c: Buffer) => {
    buffered += c.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      notes.push(line);
      process.stdout.write(`  notify: ${line}\n`);
    }
  });
  try {
    await waitFor('the notify listener', () => notes.includes('BOUND'), 20_000);
    const started = Date.now();
    const service = spawnRmnetctl(project, ['run', 'lab', '--config', configPath], { ...process.env, NOTIFY_SOCKET: socketPath });
    const ready = await waitFor('READY=1', () => notes.some((n) => n.includes('READY=1')) || service.child.exitCode !== null, 90_000).catch(() => false);
    rec.timings['run: READY'] = Date.now() - started;
    if (!rec.check('7. run sent READY=1 on NOTIFY_SOCKET', ready === true && service.child.exitCode === null, { notes, exit: service.child.exitCode, output: service.output().slice(-1500) })) {
      service.child.kill('SIGKILL');
      return;
    }
    const checkBoth = async (label: string): Promise<void> => {
      const links = await muxLinks(wwan);
      rec.equal(`7. ${label}: links for mux 1 and 2, up`, links.map((l) => [l.muxId, l.up]), [[1, true], [2, true]]);
      for (const l of links) {
        const s4 = emu.sessions().find((s) => s.muxId === l.muxId && s.ipFamily === 4);
        const have = (await globalAddresses(l.name)).map((a) => a.local);
        rec.check(`7. ${label}: ${l.name} carries the modem's IPv4 address`, s4?.ipv4 !== undefined && have.includes(s4.ipv4.address), { have, modem: s4?.ipv4 });
        if (s4?.ipv4) await pingThrough(rec, modem, `7. ${label}`, l.name, l.muxId, s4.ipv4.gateway);
      }
      rec.check(`7. ${label}: the modem has an IPv6 session on mux 2`, emu.sessions().some((s) => s.muxId === 2 && s.ipFamily === 6));
    };
    await checkBoth('after READY');
    const sessionsBefore = emu.sessions().map((s) => s.packetDataHandle);
    rec.data.sessionsBeforeReset = emu.sessions();

    // The firmware restarts: client ids, sessions and the data format are gone.
    const resetAt = Date.now();
    traceQmi(modem, resetAt, rec);
    emu.reset();
    const back = await waitFor('the supervisor to bring both PDNs back', () => {
      const s = emu.sessions();
      return s.some((x) => x.muxId === 1) && s.filter((x) => x.muxId === 2).length === 2 && s.every((x) => !sessionsBefore.includes(x.packetDataHandle)) ? true : undefined;
    }, 60_000).catch(() => false);
    rec.check('7. after modem.reset() the supervisor started new sessions on mux 1 and 2', back === true, { sessions: emu.sessions(), output: service.output().slice(-1500) });
    // the links come back after the sessions: wait for the addresses too
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const links = await muxLinks(wwan);
      const withAddr = await Promise.all(links.map(async (l) => (await globalAddresses(l.name)).length > 0 && l.up));
      if (links.length === 2 && withAddr.every(Boolean) && stateUp(service.output())) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    rec.timings['run: recovered after reset'] = Date.now() - resetAt;
    // Not a failure (the supervisor retries with backoff), but worth seeing: attempts that failed after the reset.
    rec.data.failedAttemptsAfterReset = service.output().slice(service.output().lastIndexOf('reconnecting all')).split('\n').filter((l) => /retrying in/.test(l));
    rec.data.sessionsAfterReset = emu.sessions();
    await checkBoth('after the modem reset');
    rec.check('7. the service is still running', service.child.exitCode === null);

    service.child.kill('SIGTERM');
    const code = await exited(service.child, 60_000);
    rec.equal('7. run exits 0 on SIGTERM', code, 0);
    rec.check('7. STOPPING=1 was sent', notes.some((n) => n.includes('STOPPING=1')), notes);
    rec.data.notes = notes;
    rec.data.runOutput = service.output().split('\n').slice(-40);
    await checkAllGone(rec, modem, '7. after SIGTERM', modeBefore);
  } finally {
    listener.kill('SIGKILL');
  }
}

/**
 * QMI requests the modem received and responses it queued after the reset, with times (ms after the reset):
 * when the supervisor reports "no answer within 5000 ms", this tells whether the request reached the modem.
 */
export function traceQmi(modem: Awaited<ReturnType<typeof attachModem>>, start: number, rec: Recorder): void {
  const emu = emulator(modem);
  const trace: string[] = [];
  rec.data.qmiTraceAfterReset = trace;
  const describe = (b: Uint8Array): string => {
    const service = b[4]!;
    const clientId = b[5]!;
    const ctl = service === 0;
    const tx = ctl ? b[7]! : b[7]! | (b[8]! << 8);
    const msg = ctl ? b[8]! | (b[9]! << 8) : b[9]! | (b[10]! << 8);
    const kind = ctl ? b[6]! : b[6]! >> 1;
    return `svc ${service} cid ${clientId} tx ${tx} msg 0x${msg.toString(16)} kind ${kind}`;
  };
  const received = emu.received;
  const push = received.push.bind(received);
  received.push = (...frames) => {
    for (const f of frames) trace.push(`${Date.now() - start} req svc ${f.service} cid ${f.clientId} tx ${f.transactionId} msg 0x${f.messageId.toString(16)}`);
    return push(...frames);
  };
  const device = modem.lab.device as unknown as { queueQmiResponse(frame: Uint8Array): void };
  const queue = device.queueQmiResponse.bind(device);
  device.queueQmiResponse = (frame: Uint8Array) => {
    trace.push(`${Date.now() - start} resp ${describe(frame)}`);
    queue(frame);
  };
}

/** The supervisor logs "mux N: up on LINK" for each PDN it brought up; after a reset both appear again. */
function stateUp(output: string): boolean {
  const after = output.slice(output.lastIndexOf('reconnecting all'));
  return /mux 1: up on/.test(after) && /mux 2: up on/.test(after);
}
