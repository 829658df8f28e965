// Starts an emulated modem on a pty and prints its path on stdout (one line), then serves until SIGINT/SIGTERM
// For scripts/demo.sh and humans:
//   node dist/test/modem/serve.js [--firmware PROFILE] [--model NAME] [--dl-datagrams N] [--dl-size BYTES] [--json]
//   qmicli -d "$(head -1 <that output>)" --device-open-qmi --dms-get-model
import { startPtyModem } from './pty.js';
import { EmulatedModem, type ModemBehaviour } from './modem.js';
import { firmwareProfile } from './services/firmware.js';

function parseArgs(argv: string[]): { behaviour: Partial<ModemBehaviour>; firmware: string | undefined; json: boolean; verbose: boolean } {
  const behaviour: Partial<ModemBehaviour> = {};
  let firmware: string | undefined;
  let json = false;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = () => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      return value;
    };
    const integer = () => {
      const value = Number(next());
      if (!Number.isInteger(value) || value < 0) throw new Error(`${arg} needs a non-negative integer`);
      return value;
    };
    switch (arg) {
      case '--firmware': firmware = next(); firmwareProfile(firmware); break; // an unknown name fails here
      case '--model': behaviour.model = next(); break;
      case '--revision': behaviour.revision = next(); break;
      case '--imei': behaviour.imei = next(); break;
      case '--dl-datagrams': behaviour.downlinkMaxDatagrams = integer(); break;
      case '--dl-size': behaviour.downlinkMaxSize = integer(); break;
      case '--delay': behaviour.responseDelayMs = integer(); break;
      case '--aggregation': behaviour.supportedAggregation = next().split(',').map(Number); break;
      case '--json': json = true; break;
      case '--verbose': verbose = true; break;
      default: throw new Error(`unknown option ${arg}`);
    }
  }
  return { behaviour, firmware, json, verbose };
}

const { behaviour, firmware, json, verbose } = parseArgs(process.argv.slice(2));
const served = startPtyModem(firmware ? EmulatedModem.withFirmware(firmware, behaviour) : behaviour, verbose ? (line) => process.stderr.write(`${line}\n`) : undefined);
process.stdout.write(json ? `${JSON.stringify({ path: served.path, pid: process.pid })}\n` : `${served.path}\n`);
const stop = () => {
  served.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
