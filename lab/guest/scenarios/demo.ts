/**
 * The README's main job in the lab (scripts/demo.sh): a human transcript of one PDN's life on the emulated
 * EC25 with the real drivers: `rmnetctl modems`, `rmnetctl up --mux 1 --apn internet`, `ping -c 3` through
 * the link, `rmnetctl status`, `rmnetctl down --all`. Transcript lines start with "demo| " (scripts/demo.sh
 * shows only those); any step that fails fails the scenario.
 */
import { attachModem, run, type Recorder } from '../harness.js';
import { emulator, muxLinks, rmnetctl, type CliResult } from './session-lib.js';

const say = (text: string): void => {
  for (const line of text.replace(/\n+$/, '').split('\n')) process.stdout.write(`demo| ${line}\n`);
};

async function step(rec: Recorder, label: string, command: string[], work: () => Promise<CliResult | { code: number; stdout: string; stderr: string }>): Promise<boolean> {
  say('');
  say(`# ${command.join(' ')}`);
  const started = Date.now();
  const out = await work();
  rec.timings[label] = Date.now() - started;
  if (out.stdout.trim()) say(out.stdout);
  // rmnetctl's progress goes to stderr: show it, shortened, under the command
  const progress = out.stderr.split('\n').filter((l) => l.trim());
  if (progress.length > 0) say(progress.map((l) => `  ${l}`).join('\n'));
  return rec.check(`demo: ${command.join(' ')} exits 0`, out.code === 0, out.code === 0 ? undefined : { code: out.code, stderr: out.stderr.trim().slice(-800) });
}

export async function demoScenario(rec: Recorder, project: string): Promise<void> {
  say('Debian 6.1 kernel (QEMU), real qmi_wwan / cdc-wdm / rmnet; an emulated Quectel EC25 attached over USB/IP');
  const modem = await attachModem(rec);
  say(`the modem is bound: /dev/${modem.cdcWdm} (QMI control), ${modem.wwan} (data)`);
  const cli = (args: string[]) => () => rmnetctl(project, args);
  if (!(await step(rec, 'modems', ['rmnetctl', 'modems'], cli(['modems'])))) return;
  if (!(await step(rec, 'up', ['rmnetctl', 'up', '--mux', '1', '--apn', 'internet'], cli(['up', '--mux', '1', '--apn', 'internet'])))) return;
  const link = (await muxLinks(modem.wwan)).find((l) => l.muxId === 1)?.name;
  const session = emulator(modem).sessions().find((s) => s.muxId === 1 && s.ipFamily === 4);
  if (!rec.check('demo: the link for mux 1 exists', link !== undefined && session?.ipv4 !== undefined)) return;
  const before = modem.lab.dataPlane.counter(1).echoRequests;
  const pingArgs = ['-c', '3', '-i', '0.2', '-W', '5', '-I', link!, session!.ipv4!.gateway];
  if (await step(rec, 'ping', ['ping', ...pingArgs], () => run('ping', pingArgs, 30_000))) {
    const seen = modem.lab.dataPlane.counter(1).echoRequests - before;
    say(`  (the emulated network answered ${seen} echo requests on mux 1)`);
    rec.equal('demo: the modem saw the 3 echo requests', seen, 3);
  }
  await step(rec, 'status', ['rmnetctl', 'status'], cli(['status']));
  await step(rec, 'down', ['rmnetctl', 'down', '--all'], cli(['down', '--all']));
  const left = (await muxLinks(modem.wwan)).map((l) => l.name);
  rec.equal('demo: no link left', left, []);
  rec.equal('demo: no client id left on the modem', emulator(modem).clients(), []);
  say('');
}
