// `rmnetctl info` and `rmnetctl format` through main(), against the emulated modem on a pty, and every bad
// input the issue names: one clear message, a documented exit code, no client id left on the modem.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../support/cli.js';
import { ExitCode } from '../../../src/cli/exit-codes.js';
import { native } from '../../../src/io/native.js';
import { PollFd } from '../../../src/io/poll-fd.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { startPtyModem, type PtyModem } from '../../modem/pty.js';
import { EmulatedModem } from '../../modem/modem.js';
import { openError } from '../../../src/qmi/chardev-transport.js';

/** Every key of `info --json`, always, in this order (a field the modem did not give is null). */
const INFO_KEYS = ['path', 'via', 'model', 'revision', 'imei', 'services', 'dataFormat', 'unavailable'];

let served: PtyModem;
beforeAll(() => {
  served = startPtyModem({ model: 'EC25-EMU', imei: '867698040000042', downlinkMaxDatagrams: 10, downlinkMaxSize: 4096 });
});
afterAll(() => served.close());

describe('rmnetctl info', () => {
  it('prints model, revision, IMEI and the data format', async () => {
    const result = await cli('info', '-d', served.path);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^model\s+EC25-EMU$/m);
    expect(result.stdout).toMatch(/^imei\s+867698040000042$/m);
    expect(result.stdout).toMatch(/^data format\s+link layer 802-3, aggregation ul disabled \/ dl disabled/m);
    expect(served.modem.clients()).toEqual([]);
  });

  it('prints one stable JSON document with --json', async () => {
    const result = await cli('info', '-d', served.path, '--json');
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(Object.keys(document)).toEqual(INFO_KEYS);
    expect(document).toMatchObject({ path: served.path, via: 'char-device', model: 'EC25-EMU', revision: 'EC25EFAR06A06M4G-EMU', imei: '867698040000042' });
    expect(document.dataFormat).toMatchObject({ linkLayer: '802-3', downlinkAggregation: 'disabled' });
    expect(document.unavailable).toEqual({});
  });

  it('still prints the identity of a modem without a WDA service', async () => {
    const services = served.modem.behaviour.services;
    served.modem.behaviour.services = services.filter((s) => s !== 0x1a);
    try {
      const result = await cli('info', '-d', served.path, '--json');
      expect(result.code, result.stderr).toBe(0);
      const document = JSON.parse(result.stdout);
      expect(Object.keys(document)).toEqual(INFO_KEYS);
      expect(document).toMatchObject({ model: 'EC25-EMU', imei: '867698040000042', dataFormat: null });
      expect(document.unavailable).toEqual({ dataFormat: 'CTL Allocate CID (WDA): QMI error InvalidServiceType (31)' });
      const text = await cli('info', '-d', served.path);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^data format\s+unavailable \(CTL Allocate CID \(WDA\): QMI error InvalidServiceType \(31\)\)$/m);
    } finally {
      served.modem.behaviour.services = services;
    }
  });

  it('gives every data format key in --json, always in one order (issue 15)', async () => {
    const result = await cli('info', '-d', served.path, '--json');
    expect(result.code, result.stderr).toBe(0);
    const format = JSON.parse(result.stdout).dataFormat;
    expect(Object.keys(format)).toEqual(['linkLayer', 'uplinkAggregation', 'downlinkAggregation', 'downlinkMaxDatagrams', 'downlinkMaxSize', 'uplinkMaxDatagrams', 'uplinkMaxSize', 'downlinkMinimumPadding', 'qosFormat', 'flowControl']);
    expect(format).toMatchObject({ linkLayer: '802-3', downlinkAggregation: 'disabled' });
  });

  it('prints "-" for an empty model and keeps two spaces between every label and its value (issue 15)', async () => {
    const model = served.modem.behaviour.model;
    served.modem.behaviour.model = '';
    try {
      const result = await cli('info', '-d', served.path);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^model {2,}-$/m);
      for (const line of result.stdout.trimEnd().split('\n')) expect(line, line).toMatch(/^[a-z ]*[a-z] {2,}\S/);
      expect(result.stdout).toMatch(/^data format {2}link layer/m);
    } finally {
      served.modem.behaviour.model = model;
    }
  });
});

// Issue 10: firmware that refuses optional messages got exit 8 ("DMS Get Revision failed") and no report.
describe('rmnetctl info on firmware that refuses optional messages', () => {
  let refusing: PtyModem;
  beforeAll(() => {
    refusing = startPtyModem(EmulatedModem.withFirmware('refuses-optional', { model: 'RO-EMU' }));
  });
  afterAll(() => refusing.close());

  it('prints what the modem answered and the refused fields as unavailable, with exit 0', async () => {
    const result = await cli('info', '-d', refusing.path);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`path         ${refusing.path}`);
    expect(lines[1]).toBe('model        RO-EMU');
    expect(lines[2]).toBe('revision     unavailable (DMS Get Revision: QMI error InvalidQmiCommand (71))');
    expect(lines[3]).toBe('imei         unavailable (DMS Get IDs: QMI error NotSupported (94))');
    expect(lines[4]).toMatch(/^data format  link layer 802-3, aggregation ul disabled \/ dl disabled$/);
    expect(refusing.modem.clients()).toEqual([]);
  });

  it('keeps the JSON document whole: refused fields null, their reasons in "unavailable"', async () => {
    const result = await cli('info', '-d', refusing.path, '--json');
    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(Object.keys(document)).toEqual(INFO_KEYS);
    expect(document.path).toBe(refusing.path);
    expect(document.via).toBe('char-device');
    expect(document.model).toBe('RO-EMU');
    expect(document.revision).toBeNull();
    expect(document.imei).toBeNull();
    expect(document.services.map((s: { service: string }) => s.service)).toEqual(['ctl', 'wds', 'dms', 'nas', 'wda', 'uim']);
    expect(document.dataFormat).toMatchObject({ linkLayer: '802-3', uplinkAggregation: 'disabled', downlinkAggregation: 'disabled' });
    expect(document.unavailable).toEqual({
      revision: 'DMS Get Revision: QMI error InvalidQmiCommand (71)',
      imei: 'DMS Get IDs: QMI error NotSupported (94)',
    });
    expect(refusing.modem.clients()).toEqual([]);
  });

  it('reports the data format of a modem without DMS at all, each identity field naming the refused client', async () => {
    const services = refusing.modem.behaviour.services;
    refusing.modem.behaviour.services = services.filter((s) => s !== 0x02);
    try {
      const result = await cli('info', '-d', refusing.path, '--json');
      expect(result.code, result.stderr).toBe(0);
      const document = JSON.parse(result.stdout);
      const reason = 'CTL Allocate CID (DMS): QMI error InvalidServiceType (31)';
      expect(document).toMatchObject({ model: null, revision: null, imei: null, unavailable: { model: reason, revision: reason, imei: reason } });
      expect(Object.keys(document.unavailable)).toEqual(['model', 'revision', 'imei']);
      expect(document.dataFormat).toMatchObject({ linkLayer: '802-3' });
    } finally {
      refusing.modem.behaviour.services = services;
    }
  });

  it('still fails on what is not a refusal: a message left unanswered is a timeout naming it', async () => {
    refusing.modem.behaviour.dropResponses = ['wda:Get Data Format'];
    try {
      const result = await cli('info', '-d', refusing.path, '--timeout', '200', '--json');
      expect(result.code).toBe(ExitCode.timeout);
      expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'QMI_TIMEOUT', service: 'wda', qmiMessage: 'Get Data Format' });
    } finally {
      refusing.modem.behaviour.dropResponses = [];
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(refusing.modem.clients()).toEqual([]);
  });
});

describe('rmnetctl format', () => {
  it('sets the format and shows requested vs granted', async () => {
    const result = await cli('format', 'set', '-d', served.path, '--aggregation', 'qmap', '--dl-datagrams', '32', '--dl-size', '31744', '--endpoint-iface', '4', '--json');
    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.requested).toEqual({
      linkLayer: 'raw-ip',
      downlinkAggregation: 'qmap',
      uplinkAggregation: 'qmap',
      downlinkMaxDatagrams: 32,
      downlinkMaxSize: 31744,
      endpoint: { type: 'hsusb', interfaceNumber: 4 },
    });
    expect(document.granted).toMatchObject({ linkLayer: 'raw-ip', downlinkAggregation: 'qmap', downlinkMaxDatagrams: 10, downlinkMaxSize: 4096 });
    expect(served.modem.dataFormat()).toMatchObject({ downlinkMaxDatagrams: 10, endpoint: { type: 'hsusb', interfaceNumber: 4 } });
    const text = await cli('format', 'get', '-d', served.path);
    expect(text.stdout).toMatch(/^dl max datagrams\s+10$/m);
    expect(served.modem.clients()).toEqual([]);
  });

  it('renders requested and granted columns as text', async () => {
    const result = await cli('format', 'set', '-d', served.path, '--aggregation', 'qmapv5', '--dl-size', '65536');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^setting\s+requested\s+granted$/m);
    expect(result.stdout).toMatch(/^dl aggregation\s+qmapv5\s+qmapv5$/m);
    expect(result.stdout).toMatch(/^dl max size\s+65536\s+4096$/m);
  });

  it('gives "warnings": [] in --json when nothing is up on the modem', async () => {
    const result = await cli('format', 'set', '-d', served.path, '--aggregation', 'none', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).warnings).toEqual([]);
    expect(result.stderr).toBe('');
  });

  it('warns on stderr, before asking the modem, about every mux link the kernel shows on that modem (issue 15)', async () => {
    // The recorded qmimux tree: qmimux0 (mux 1) and qmimux1 (mux 5) on wwan0 of /dev/cdc-wdm0, which this
    // machine does not have, so the port then fails to open: the warnings came from kernel truth first.
    const tree = fileURLToPath(new URL('../../fixtures/sysfs/qmimux/sys', import.meta.url));
    const state = mkdtempSync(join(tmpdir(), 'rmnetctl-format-'));
    try {
      const result = await cli('format', 'set', '-d', 'wwan0', '--aggregation', 'qmap', '--sysfs-root', tree, '--state-dir', state);
      const warnings = result.stderr.split('\n').filter((l) => l.startsWith('rmnetctl: warning: '));
      expect(warnings, result.stderr).toHaveLength(2);
      expect(warnings[0]).toContain('mux 1 (qmimux0) is up on /dev/cdc-wdm0 (in the kernel)');
      expect(warnings[1]).toContain('mux 5 (qmimux1) is up on /dev/cdc-wdm0');
      expect(result.stderr).toMatch(/rmnetctl: error: .*\/dev\/cdc-wdm0/);
      expect(result.code).toBe(ExitCode.notFound);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe('bad input', () => {
  it('refuses a missing path as a usage error', async () => {
    const result = await cli('info');
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toMatch(/--device/);
  });

  it('refuses bad option values before touching the modem', async () => {
    const result = await cli('format', 'set', '-d', served.path, '--aggregation', 'qmap9');
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toMatch(/--aggregation must be one of none, qmap, qmapv4, qmapv5, got "qmap9"/);
    expect((await cli('format', 'set', '-d', served.path, '--dl-size', '12abc')).code).toBe(ExitCode.usage);
  });

  it('refuses format set with nothing to set instead of switching the modem to raw-ip (issue 15)', async () => {
    const result = await cli('format', 'set', '-d', served.path, '--json');
    expect(result.code).toBe(ExitCode.usage);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'BAD_ARGUMENT' } });
    expect(result.stderr).toMatch(/format set needs at least one of --link-layer, --aggregation/);
    // an explicit --link-layer with its default value is a request, and is carried out
    expect((await cli('format', 'set', '-d', served.path, '--link-layer', 'raw-ip')).code).toBe(0);
  });

  it('names a path that does not exist', async () => {
    const result = await cli('info', '-d', '/dev/cdc-wdm-missing', '--json');
    expect(result.code).toBe(ExitCode.notFound);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'DEVICE_NOT_FOUND', path: '/dev/cdc-wdm-missing', exitCode: 3 });
    expect(result.stderr).toContain('/dev/cdc-wdm-missing');
  });

  it('says a port that never answers is probably not a QMI port', async () => {
    const silent = native().openpty();
    try {
      const result = await cli('info', '-d', silent.path, '--timeout', '300');
      expect(result.code).toBe(ExitCode.timeout);
      expect(result.stderr).toContain(`no QMI answer from ${silent.path}`);
      expect(result.stderr).toContain('is it a QMI control port?');
    } finally {
      native().close(silent.master);
      native().close(silent.slave);
    }
  });

  // Issue 16: a port that answers, just not in QMI, was reported as "no QMI answer" (timeout, 6).
  it('says a port that answers in something other than QMI (an AT port) is a protocol error, naming what it got', async () => {
    const at = native().openpty();
    const master = new PollFd(at.master, { data: () => master.write(Buffer.from('\r\nERROR\r\n')), end: () => {} });
    try {
      const result = await cli('info', '-d', at.path, '--timeout', '300', '--json');
      expect(result.code).toBe(ExitCode.protocol);
      expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'QMI_MALFORMED', path: at.path, frameError: 'BAD_MARKER' });
      expect(result.stderr).toMatch(/answered, but not in QMI: \d+ undecodable frame\(s\), the first BAD_MARKER/);
    } finally {
      master.close();
      native().close(at.slave);
    }
  });

  it('says a directory or a unix socket is not a QMI port (protocol), like /dev/null', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmnetctl-notaport-'));
    const socketPath = join(dir, 'sock');
    const server = createServer().listen(socketPath);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      for (const [path, kind] of [[dir, 'a directory'], [socketPath, 'a unix socket']] as const) {
        const result = await cli('info', '-d', path, '--json');
        expect(result.code, path).toBe(ExitCode.protocol);
        expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'NOT_QMI_PORT', message: `${path} is ${kind}, not a QMI control port (/dev/cdc-wdmN, /dev/wwanNqmiN)` });
      }
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says a file that cannot be polled is not a QMI port', async () => {
    const result = await cli('info', '-d', '/dev/null');
    expect(result.code).toBe(ExitCode.protocol);
    expect(result.stderr).toMatch(/\/dev\/null .*not a QMI control port/);
  });

  it('maps permission and busy errors to their codes and advice', () => {
    const system = (code: string) => Object.assign(new Error(`open /dev/cdc-wdm0: ${code}`), { code, errno: 1 });
    const denied = openError('/dev/cdc-wdm0', system('EACCES'));
    expect(denied).toMatchObject({ code: 'PERMISSION_DENIED', category: 'permission' });
    expect(denied.message).toMatch(/run as root or add a udev rule/);
    expect(openError('/dev/cdc-wdm0', system('EPERM')).code).toBe('PERMISSION_DENIED');
    const busy = openError('/dev/cdc-wdm0', system('EBUSY'));
    expect(busy).toMatchObject({ code: 'DEVICE_BUSY', category: 'busy' });
    expect(busy.message).toMatch(/held by another process \(ModemManager\?\).*--proxy/);
  });

  it('times out naming the message when the modem stops answering, leaving no client id', async () => {
    served.modem.behaviour.dropResponses = ['dms:Get Model'];
    try {
      const result = await cli('info', '-d', served.path, '--timeout', '200', '--json');
      expect(result.code).toBe(ExitCode.timeout);
      expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'QMI_TIMEOUT', path: served.path, service: 'dms', qmiMessage: 'Get Model' });
    } finally {
      served.modem.behaviour.dropResponses = [];
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(served.modem.clients()).toEqual([]);
  });

  it('reports a QMI error result with the service, message and error name', async () => {
    served.modem.behaviour.unsupportedAggregation = 'error';
    served.modem.behaviour.supportedAggregation = [0, 5];
    try {
      const result = await cli('format', 'set', '-d', served.path, '--aggregation', 'qmapv5');
      expect(result.code).toBe(ExitCode.qmiError);
      expect(result.stderr).toContain(`${served.path}: WDA Set Data Format failed: QMI error InvalidArgument (48)`);
    } finally {
      served.modem.behaviour.unsupportedAggregation = 'grant-disabled';
      served.modem.behaviour.supportedAggregation = [0, 5, 9];
    }
    expect(served.modem.clients()).toEqual([]);
  });

  it('reports a malformed answer as a protocol error', async () => {
    served.modem.behaviour.malformedResponses = ['wda:Get Data Format'];
    try {
      const result = await cli('format', 'get', '-d', served.path, '--json');
      expect(result.code).toBe(ExitCode.protocol);
      const error = JSON.parse(result.stdout).error;
      expect(error).toMatchObject({ code: 'QMI_MALFORMED', service: 'wda', qmiMessage: 'Get Data Format', path: served.path });
    } finally {
      served.modem.behaviour.malformedResponses = [];
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(served.modem.clients()).toEqual([]);
  });
});
