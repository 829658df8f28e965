/**
 * ModemManager restarted under `rmnetctl run` (issue 12): the `mm-restart` case (SIGKILL, started again, it
 * probes the modem anew and resets qmi_wwan's pass_through), with the supervisor running instead of a one-shot
 * `up`. The PDN must pass traffic again without anyone touching it: `run` sees the kernel-mode drift and
 * repairs it (src/session/drift-repair.ts), naming ModemManager in its decision line; or, if qmi-proxy went
 * away with ModemManager, it reconnects through the new one. Timed from the kill to the first ping answered
 * through the link; ModemManager registered again afterwards.
 */
import { writeFileSync } from 'node:fs';
import { run, sleep, waitFor, type Recorder } from '../harness.js';
import { modemStatus } from '../modemmanager.js';
import { registered, withStack } from './mm-coexist.js';
import { emulator, exited, muxLinks, qmiWwanMode, spawnRmnetctl } from './session-lib.js';

export async function mmRestartRunScenario(rec: Recorder, project: string): Promise<void> {
  await withStack(rec, async (stack, modem) => {
    const { wwan } = modem;
    const emu = emulator(modem);
    const index = await registered(rec, modem, 'mm');
    if (index === undefined) return;
    const configPath = '/tmp/rmnetctl-mm-run.conf';
    writeFileSync(configPath, '[pdn]\nmux = 1\napn = internet\n');
    const service = spawnRmnetctl(project, ['run', 'lab', '--config', configPath]);
    try {
      const up = await waitFor('run: mux 1 up', () => /mux 1: up on/.test(service.output()) || service.child.exitCode !== null, 90_000).catch(() => false);
      if (!rec.check('run brought mux 1 up beside ModemManager', up === true && service.child.exitCode === null, service.output().slice(-1500))) return;
      const link = (await muxLinks(wwan))[0]?.name ?? '';
      const gateway = () => emu.sessions().find((s) => s.muxId === 1 && s.ipv4)?.ipv4?.gateway ?? '';
      const ping = async () => (await run('ping', ['-c', '1', '-W', '1', '-I', link, gateway()], 5_000)).code === 0;
      rec.check('a ping passes through the link before the restart', await ping());

      const started = Date.now();
      const oldPid = stack.pid();
      if (oldPid !== undefined) process.kill(oldPid, 'SIGKILL');
      await stack.restart();
      const newPid = stack.pid();
      // Until ModemManager has probed the port again and the PDN passes traffic (or 120 s).
      let passing = false;
      let sawDrift = false;
      while (Date.now() - started < 120_000) {
        sawDrift ||= qmiWwanMode(wwan).passThrough === 'N';
        if ((await ping()) && /kernel mode drift|every session is gone/.test(service.output())) {
          passing = true;
          break;
        }
        await sleep(100);
      }
      rec.timings['kill to ping'] = Date.now() - started;
      const lines = service.output().split('\n').filter((l) => /kernel mode drift|reconnect|every session is gone/.test(l));
      rec.data.runLines = lines;
      rec.data.sawPassThroughN = sawDrift;
      rec.data.modeAfter = qmiWwanMode(wwan);
      rec.check('the PDN passes traffic again after ModemManager\'s restart, without anyone touching it', passing, { lines, mode: qmiWwanMode(wwan), output: service.output().slice(-2000) });
      const repair = lines.find((l) => /kernel mode drift/.test(l));
      if (repair) rec.check('the repair line names the restarted ModemManager', repair.includes(`ModemManager, pid ${newPid}`), repair);
      // ModemManager enabled and registered again (as NetworkManager would ask): the PDN still passes, or again.
      const again = await registered(rec, modem, 'mmAgain');
      const enabled = Date.now();
      let after = false;
      while (!after && Date.now() - enabled < 60_000) after = await ping();
      rec.timings['enabled again to ping'] = Date.now() - enabled;
      rec.data.runLinesAfterEnable = service.output().split('\n').filter((l) => /kernel mode drift|reconnect|every session is gone/.test(l));
      rec.check('after ModemManager is enabled again the PDN passes traffic', after, { mode: qmiWwanMode(wwan), lines: rec.data.runLinesAfterEnable });
      if (again !== undefined) rec.data.mmAfter = (await modemStatus(again)).state;
    } finally {
      service.child.kill('SIGTERM');
      rec.data.runExit = await exited(service.child, 30_000);
    }
  });
}
