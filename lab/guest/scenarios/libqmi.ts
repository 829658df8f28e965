/**
 * Scenario 5, libqmi: the host's qmicli talks to the emulated modem through the real cdc-wdm driver
 * (write -> SEND_ENCAPSULATED_COMMAND, interrupt RESPONSE_AVAILABLE, GET_ENCAPSULATED_RESPONSE), and its
 * sysfs helpers (expected data format = qmi_wwan's raw_ip) work against the real qmi_wwan.
 */
import { LAB_MODEL } from '../../../test/modem/usbip/index.js';
import { attachModem, qmicli, readAttribute, type Recorder } from '../harness.js';

export async function libqmiScenario(rec: Recorder): Promise<void> {
  const { lab, cdcWdm, wwan } = await attachModem(rec);

  const model = await rec.time('qmicliGetModel', () => qmicli(cdcWdm, '--dms-get-model'));
  rec.data.getModel = model;
  rec.equal('qmicli --dms-get-model exit code', model.code, 0);
  const printed = /Model: '([^']*)'/.exec(model.stdout)?.[1];
  rec.check('qmicli prints the model', typeof printed === 'string' && printed.length > 0, printed);
  rec.equal('model is the emulated EC25', printed, LAB_MODEL);

  const revision = await qmicli(cdcWdm, '--dms-get-revision');
  rec.equal('qmicli --dms-get-revision exit code', revision.code, 0);
  rec.check('qmicli prints the revision', /Revision: '[^']+'/.test(revision.stdout), revision.stdout.trim());

  const expected = await qmicli(cdcWdm, '--get-expected-data-format');
  rec.check('expected data format reads 802-3 from qmi_wwan', expected.code === 0 && expected.stdout.trim() === '802-3', expected.stdout.trim());
  const setRaw = await qmicli(cdcWdm, '--set-expected-data-format=raw-ip');
  rec.equal('qmicli --set-expected-data-format=raw-ip exit code', setRaw.code, 0);
  rec.equal('qmi_wwan raw_ip after libqmi set it', readAttribute(`/sys/class/net/${wwan}/qmi/raw_ip`), 'Y');

  const format = await qmicli(cdcWdm, '--wda-set-data-format=link-layer-protocol=raw-ip,ul-protocol=qmap,dl-protocol=qmap,dl-max-datagrams=32,dl-datagram-max-size=32768');
  rec.data.setDataFormat = format;
  rec.equal('qmicli --wda-set-data-format exit code', format.code, 0);
  rec.check('libqmi reads back the granted link layer', /Link layer protocol: 'raw-ip'/.test(format.stdout), format.stdout.trim());
  rec.data.modemDataFormat = lab.modem.dataFormat();
  rec.data.clientsAfter = lab.modem.clients();
  rec.check('every client id was released', lab.modem.clients().length === 0, lab.modem.clients());
  rec.data.qmiTransport = lab.device.qmiStats;
}
