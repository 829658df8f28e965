/**
 * Entry point inside the lab guest: runs ONE scenario, prints `LAB-RESULT <json>` on the console and writes
 * result.json into $LAB_RESULT_DIR (the writable 9p share). Usage: node dist/lab/guest/main.js <scenario> <project>
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Recorder, type ScenarioResult } from './harness.js';
import { scenarios } from './scenarios/index.js';

async function main(): Promise<number> {
  const [name = '', project = process.cwd()] = process.argv.slice(2);
  const rec = new Recorder();
  let result: ScenarioResult;
  const scenario = scenarios[name];
  if (!scenario) {
    result = rec.result(name, `unknown scenario '${name}' (known: ${Object.keys(scenarios).join(', ')})`);
  } else {
    try {
      await scenario(rec, project);
      result = rec.result(name);
    } catch (error) {
      result = rec.result(name, error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
  }
  const json = JSON.stringify(result);
  const dir = process.env.LAB_RESULT_DIR;
  if (dir) {
    try {
      writeFileSync(join(dir, 'result.json'), json);
    } catch (error) {
      process.stdout.write(`lab: cannot write result.json: ${String(error)}\n`);
    }
  }
  process.stdout.write(`LAB-RESULT ${json}\n`);
  return result.ok ? 0 : 1;
}

// Exit explicitly: the USB/IP server and vhci's socket would keep the event loop alive.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stdout.write(`LAB-RESULT ${JSON.stringify({ scenario: process.argv[2], ok: false, checks: [], timings: {}, data: {}, error: String(error) })}\n`);
    process.exit(2);
  },
);
