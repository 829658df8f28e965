/**
 * Scenario 1, attach: the real qmi_wwan binds the emulated EC25 over USB/IP; cdc-wdm exposes the QMI port;
 * sysfs shows what rmnetctl's discovery reads (interface number 4, 2c7c:0125, the qmi/ attributes), and
 * `rmnetctl modems --json` finds it when that command exists.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { attachModem, driverOf, readAttribute, run, type Recorder } from '../harness.js';

/** Finds a value for a key that looks like "interface number" anywhere in a JSON document. */
function findInterfaceNumbers(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) value.forEach((v) => findInterfaceNumbers(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (/interface(number)?$|^binterfacenumber$|usbinterface$/i.test(k) && (typeof v === 'number' || typeof v === 'string')) out.push(v);
      else findInterfaceNumbers(v, out);
    }
  }
  return out;
}

export async function attachScenario(rec: Recorder, project: string): Promise<void> {
  const { lab, cdcWdm, wwan, usbInterface } = await attachModem(rec);
  rec.check('cdc-wdm char device exists', existsSync(`/dev/${cdcWdm}`), cdcWdm);
  rec.equal('usb interface driver', driverOf(usbInterface), 'qmi_wwan');
  rec.equal('bInterfaceNumber', readAttribute(join(usbInterface, 'bInterfaceNumber')), '04');
  rec.equal('idVendor', readAttribute(join(usbInterface, '..', 'idVendor')), '2c7c');
  rec.equal('idProduct', readAttribute(join(usbInterface, '..', 'idProduct')), '0125');
  rec.check('net interface name', /^wwan\d+$/.test(wwan), wwan);
  // The DIAG port (interface 0) is ff/ff/ff too: qmi_wwan's match catches it and its probe refuses it for
  // having two endpoints; the serial ports (option driver, not loaded) stay unbound.
  const usbDevice = join(usbInterface, '..');
  const bound = readdirSync(usbDevice).filter((n) => /^\d+-\d+:\d+\.\d+$/.test(n)).map((n) => [n, driverOf(join(usbDevice, n)) ?? null]);
  rec.equal('only interface 4 is bound (qmi_wwan refuses the 2-endpoint DIAG interface)', bound, [
    ['1-1:1.0', null], ['1-1:1.1', null], ['1-1:1.2', null], ['1-1:1.3', null], ['1-1:1.4', 'qmi_wwan'],
  ]);
  rec.equal('one QMI port', readdirSync('/sys/class/usbmisc').filter((n) => n.startsWith('cdc-wdm')), [cdcWdm]);
  for (const attribute of ['raw_ip', 'add_mux', 'del_mux', 'pass_through']) {
    rec.check(`qmi/${attribute} exists`, existsSync(`/sys/class/net/${wwan}/qmi/${attribute}`));
  }
  rec.equal('raw_ip after bind', readAttribute(`/sys/class/net/${wwan}/qmi/raw_ip`), 'N');
  rec.check('DTR raised by the qmi_wwan quirk', (lab.device.controlLineState & 1) === 1, lab.device.controlLineState);
  rec.data.mtu = readAttribute(`/sys/class/net/${wwan}/mtu`);

  const cliModule = join(project, 'dist/src/cli/commands/modems.js');
  if (existsSync(cliModule)) {
    const cli = await rec.time('rmnetctlModems', () => run(process.execPath, [join(project, 'bin/rmnetctl.js'), 'modems', '--json'], 60_000));
    rec.data.rmnetctlModems = { code: cli.code, stdout: cli.stdout.slice(0, 4000), stderr: cli.stderr.slice(0, 2000) };
    let parsed: unknown;
    try {
      parsed = JSON.parse(cli.stdout);
    } catch {
      parsed = undefined;
    }
    rec.check('rmnetctl modems --json exits 0 with JSON', cli.code === 0 && parsed !== undefined, cli.code);
    const numbers = findInterfaceNumbers(parsed).map((v) => (typeof v === 'string' ? parseInt(v, 16) : v));
    rec.check('rmnetctl modems finds interface number 4', numbers.includes(4), numbers);
    rec.check('rmnetctl modems names the QMI port', cli.stdout.includes(cdcWdm));
  } else {
    rec.data.rmnetctlModems = 'skipped: dist/src/cli/commands/modems.js not built';
  }
}
