/**
 * Session scenario, failures (issue #5, checks 6 and 8):
 *   6. Start Network fails (call end reason 1013, verbose 3GPP 27 unknown APN): `up` exits 8 naming the
 *      reason, and its rollback leaves no link, client, state file; qmi_wwan mode as before.
 *   8. `up` killed half-way (SIGKILL while Start Network is delayed, the state file saying "starting"):
 *      `down --mux 1` cleans up what it left (link, client id, state file, kernel mode).
 *   Ctrl-C: `up` interrupted with SIGINT at the same point rolls back by itself, including the session the
 *      modem starts after the interruption.
 */
import { attachModem, waitFor, type Recorder } from '../harness.js';
import { checkAllGone, cliDetail, emulator, exited, muxLinks, qmiWwanMode, rmnetctl, sleep, spawnRmnetctl, stateRecord } from './session-lib.js';

export async function sessionFailureScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec);
  const emu = emulator(modem);
  const { wwan } = modem;
  const modeBefore = qmiWwanMode(wwan);

  // ---- 6. Start Network failure ---------------------------------------------------------------------
  emu.behaviour.startNetworkFailure = { callEndReason: 1013, verbose: { type: 6, reason: 27 } };
  const failed = await rec.time('up with Start Network failing', () => rmnetctl(project, ['up', '--mux', '1', '--apn', 'internet']));
  delete emu.behaviour.startNetworkFailure;
  rec.data.failedUp = cliDetail(failed);
  rec.equal('6. up exits 8 (QMI error) when Start Network fails', failed.code, 8);
  const message = failed.stderr;
  rec.check('6. the message names the call end reason', /1013|unknown.?apn/i.test(message), message.trim().split('\n').slice(-3).join('\n'));
  rec.check('6. the message says the rollback was complete', /everything it had done was undone/.test(message));
  await checkAllGone(rec, modem, '6', modeBefore);

  // ---- Ctrl-C during up ------------------------------------------------------------------------------
  emu.behaviour.messageDelaysMs['wds:Start Network'] = 3000;
  const interrupted = spawnRmnetctl(project, ['up', '--mux', '1', '--apn', 'internet', '--ip-type', '4v6']);
  const pending = await waitFor('the state file to say "starting" with client ids', () => {
    const pdn = stateRecord()?.pdns?.find((p) => p.request?.muxId === 1);
    return pdn?.state === 'starting' && (pdn.clients?.length ?? 0) > 0 ? pdn : undefined;
  }, 60_000).catch(() => undefined);
  rec.check('Ctrl-C: up reached Start Network', pending !== undefined, pending);
  await sleep(300);
  interrupted.child.kill('SIGINT');
  const interruptedCode = await exited(interrupted.child, 20_000);
  rec.equal('Ctrl-C: up exits 1 (interrupted)', interruptedCode, 1);
  rec.check('Ctrl-C: it says it was interrupted and rolled back', /interrupted.*everything it had done was undone/.test(interrupted.output()), interrupted.output().trim().split('\n').slice(-2).join('\n'));
  delete emu.behaviour.messageDelaysMs['wds:Start Network'];
  await sleep(3500); // the modem answers the interrupted Start Network requests
  await checkAllGone(rec, modem, 'Ctrl-C', modeBefore);

  // ---- 8. up killed half-way ------------------------------------------------------------------------
  emu.behaviour.messageDelaysMs['wds:Start Network'] = 5000;
  const up = spawnRmnetctl(project, ['up', '--mux', '1', '--apn', 'internet']);
  const starting = await waitFor('the state file to say "starting" with a client id', () => {
    const pdn = stateRecord()?.pdns?.find((p) => p.request?.muxId === 1);
    return pdn?.state === 'starting' && (pdn.clients?.length ?? 0) > 0 ? pdn : undefined;
  }, 60_000).catch(() => undefined);
  rec.check('8. the state file shows state "starting" with a client id while Start Network is pending', starting !== undefined, starting);
  await sleep(300); // let the Start Network request reach the modem
  up.child.kill('SIGKILL');
  const code = await exited(up.child, 10_000);
  rec.equal('8. up was killed', code, 'SIGKILL');
  rec.data.killedAt = { links: (await muxLinks(wwan)).map((l) => l.name), clients: emu.clients(), record: stateRecord() };
  rec.check('8. it left a link and a client id behind', (await muxLinks(wwan)).length === 1 && emu.clients().length > 0, rec.data.killedAt);
  delete emu.behaviour.messageDelaysMs['wds:Start Network'];
  await sleep(5500); // the modem answers the dead process's Start Network: a session nobody owns any more
  rec.data.sessionsBeforeDown = emu.sessions();
  const down = await rec.time('down --mux 1 after the kill', () => rmnetctl(project, ['down', '--mux', '1', '--json']));
  rec.check('8. rmnetctl down --mux 1 exits 0', down.code === 0, cliDetail(down));
  rec.data.down = down.json;
  await checkAllGone(rec, modem, '8', modeBefore);
}
