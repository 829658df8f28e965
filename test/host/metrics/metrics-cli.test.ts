// `rmnetctl metrics` through the real CLI against the emulated modem on a pty, its output read by a real
// exposition parser (Debian's python3-prometheus-client): one scrape on stdout, the textfile for
// node_exporter, and GET /metrics from a child process; each publishing failure with its documented exit code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../../support/cli.js';
import { parseExposition, sampleValue, type ParsedFamily } from '../../support/prometheus.js';
import { startPtyModem, type PtyModem } from '../../modem/pty.js';
import { EmulatedModem } from '../../modem/modem.js';
import { NR5G_NSA_RADIO } from '../../modem/services/firmware.js';
import { ExitCode } from '../../../src/cli/exit-codes.js';
import { QmiService } from '../../../src/qmi/enums.js';
import { metricNames } from '../../../src/metrics/families.js';

const BIN = fileURLToPath(new URL('../../../bin/rmnetctl.js', import.meta.url));
let served: PtyModem;
let nr: PtyModem;
const dir = mkdtempSync(join(tmpdir(), 'rmnetctl-metrics-'));
beforeAll(() => {
  served = startPtyModem({ model: 'EC25-EMU', imei: '867698040000042', revision: 'EC25EFAR06A06M4G' });
  nr = startPtyModem(new EmulatedModem({ model: 'RM500Q-EMU', imei: '867698040000099' }, NR5G_NSA_RADIO));
});
afterAll(() => {
  served.close();
  nr.close();
  rmSync(dir, { recursive: true, force: true });
});

const modem = (m: PtyModem) => ({ modem: m.path.replace(/^\/dev\//, '') });

function family(families: ParsedFamily[], name: string): ParsedFamily | undefined {
  return families.find((f) => f.name === name.replace(/_total$/, ''));
}

describe('rmnetctl metrics (stdout)', () => {
  it('prints one scrape the parser reads: identity, operating mode, SIM, registration, signal in dBm and dB, format', async () => {
    const result = await cli('metrics', '-d', served.path);
    expect(result.code, result.stderr).toBe(0);
    const families = await parseExposition(result.stdout);
    const labels = modem(served);
    expect(family(families, 'rmnetctl_modem_info')?.samples).toEqual([
      { name: 'rmnetctl_modem_info', labels: { ...labels, model: 'EC25-EMU', revision: 'EC25EFAR06A06M4G', imei: '867698040000042' }, value: 1 },
    ]);
    expect(sampleValue(families, 'rmnetctl_modems')).toBe(1);
    expect(sampleValue(families, 'rmnetctl_modem_scrape_success', labels)).toBe(1);
    expect(sampleValue(families, 'rmnetctl_modem_operating_mode', { ...labels, state: 'online' })).toBe(1);
    expect(sampleValue(families, 'rmnetctl_modem_operating_mode', { ...labels, state: 'low-power' })).toBe(0);
    expect(sampleValue(families, 'rmnetctl_sim_state', { ...labels, state: 'ready' })).toBe(1);
    expect(sampleValue(families, 'rmnetctl_registration_state', { ...labels, state: 'registered' })).toBe(1);
    expect(sampleValue(families, 'rmnetctl_access_technology', { ...labels, state: 'lte' })).toBe(1);
    expect(sampleValue(families, 'rmnetctl_signal_rsrp_dbm', { ...labels, rat: 'lte' })).toBe(-95);
    expect(sampleValue(families, 'rmnetctl_signal_rssi_dbm', { ...labels, rat: 'lte' })).toBe(-65);
    expect(sampleValue(families, 'rmnetctl_signal_rsrq_db', { ...labels, rat: 'lte' })).toBe(-9);
    expect(sampleValue(families, 'rmnetctl_signal_sinr_db', { ...labels, rat: 'lte' })).toBe(13);
    expect(sampleValue(families, 'rmnetctl_network_info', { ...labels, mcc: '001', mnc: '01' })).toBe(1);
    expect(sampleValue(families, 'rmnetctl_data_format_info', { ...labels, link_layer: '802-3', dl_aggregation: 'disabled' })).toBe(1);
    expect(family(families, 'rmnetctl_modem_info')?.type).toBe('gauge');
    // Every family is one rmnetctl declares, and each has its HELP.
    const known = new Set(metricNames().map((n) => n.replace(/_total$/, '')));
    for (const f of families) {
      expect(known, f.name).toContain(f.name);
      expect(f.help.length, f.name).toBeGreaterThan(0);
    }
    expect(served.modem.clients()).toEqual([]);
  });

  it('reads the NR leg of a 5G NSA modem', async () => {
    const result = await cli('metrics', '-d', nr.path);
    expect(result.code, result.stderr).toBe(0);
    const families = await parseExposition(result.stdout);
    const labels = modem(nr);
    expect(sampleValue(families, 'rmnetctl_access_technology', { ...labels, state: '5gnr-nsa' })).toBe(1);
    expect(sampleValue(families, 'rmnetctl_signal_rsrp_dbm', { ...labels, rat: '5gnr' })).toBe(-84);
    expect(sampleValue(families, 'rmnetctl_signal_rsrq_db', { ...labels, rat: '5gnr' })).toBe(-12);
    expect(sampleValue(families, 'rmnetctl_signal_sinr_db', { ...labels, rat: '5gnr' })).toBeCloseTo(18.2);
    expect(sampleValue(families, 'rmnetctl_signal_rsrp_dbm', { ...labels, rat: 'lte' })).toBe(-92);
  });

  it('still prints valid output when the modem refuses NAS and UIM', async () => {
    const services = served.modem.behaviour.services;
    served.modem.behaviour.services = services.filter((s) => s !== QmiService.NAS && s !== QmiService.UIM);
    try {
      const result = await cli('metrics', '-d', served.path);
      expect(result.code, result.stderr).toBe(0);
      const families = await parseExposition(result.stdout);
      const labels = modem(served);
      expect(sampleValue(families, 'rmnetctl_modem_answer_available', { ...labels, question: 'sim' })).toBe(0);
      expect(sampleValue(families, 'rmnetctl_modem_answer_available', { ...labels, question: 'registration' })).toBe(0);
      expect(sampleValue(families, 'rmnetctl_modem_answer_available', { ...labels, question: 'identity' })).toBe(1);
      expect(family(families, 'rmnetctl_sim_state')).toBeUndefined();
      expect(family(families, 'rmnetctl_signal_rsrp_dbm')).toBeUndefined();
      expect(sampleValue(families, 'rmnetctl_modem_info', labels)).toBe(1);
    } finally {
      served.modem.behaviour.services = services;
    }
  });

  it('writes the output, then exits with the error of a modem it could not ask', async () => {
    const result = await cli('metrics', '-d', join(dir, 'no-such-port'));
    expect(result.code).toBe(ExitCode.notFound);
    expect(result.stderr).toContain('no-such-port');
    const families = await parseExposition(result.stdout);
    expect(family(families, 'rmnetctl_modem_scrape_success')?.samples.map((s) => s.value)).toEqual([0]);
  });
});

describe('rmnetctl metrics --textfile', () => {
  it('replaces DIR/rmnetctl.prom atomically, readable by node_exporter, no temp file left', async () => {
    const out = join(dir, 'textfile');
    mkdirSync(out);
    for (let round = 0; round < 2; round++) {
      const result = await cli('metrics', '-d', served.path, '--textfile', out);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe('');
    }
    expect(readdirSync(out)).toEqual(['rmnetctl.prom']);
    expect(statSync(join(out, 'rmnetctl.prom')).mode & 0o777).toBe(0o644);
    const families = await parseExposition(readFileSync(join(out, 'rmnetctl.prom'), 'utf8'));
    expect(sampleValue(families, 'rmnetctl_modem_scrape_success', modem(served))).toBe(1);
  });

  it.each([
    [['/sys'], ExitCode.permission, /cannot write \/sys\/rmnetctl.prom: EACCES/],
    [[join(dir, 'missing')], ExitCode.usage, /--textfile .*missing: no such directory/],
  ])('refuses %j with a clear error', async (args, code, message) => {
    const result = await cli('metrics', '-d', served.path, '--textfile', ...args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('refuses --textfile with --listen, and --allow-remote without --listen', async () => {
    expect((await cli('metrics', '--textfile', dir, '--listen', '9842')).code).toBe(ExitCode.usage);
    const alone = await cli('metrics', '--allow-remote');
    expect(alone.code).toBe(ExitCode.usage);
    expect(alone.stderr).toContain('--allow-remote is for --listen');
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('rmnetctl metrics --listen', () => {
  it('serves GET /metrics on loopback until SIGTERM, and nothing else', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'metrics', '-d', served.path, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => stderr, { timeout: 10_000 }).toContain(`serving http://127.0.0.1:${port}/metrics`);
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const families = await parseExposition(await response.text());
      expect(sampleValue(families, 'rmnetctl_modem_info', { ...modem(served), imei: '867698040000042' })).toBe(1);
      // Two scrapes at once share one collection (a slow modem makes sure they overlap): both answered, both
      // parse, and the modem was asked once.
      const one = served.modem.received.length;
      await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const perScrape = served.modem.received.length - one;
      served.modem.behaviour.responseDelayMs = 20;
      const before = served.modem.received.length;
      try {
        const both = await Promise.all([fetch(`http://127.0.0.1:${port}/metrics`), fetch(`http://127.0.0.1:${port}/metrics`)]);
        for (const r of both) expect((await parseExposition(await r.text())).length).toBeGreaterThan(5);
      } finally {
        served.modem.behaviour.responseDelayMs = 0;
      }
      expect(served.modem.received.length - before).toBe(perScrape);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(served.modem.clients()).toEqual([]);
  });

  it('says the port is taken (exit 4)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await cli('metrics', '-d', served.path, '--listen', `127.0.0.1:${port}`);
      expect(result.code).toBe(ExitCode.busy);
      expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is taken by another process`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it.each([
    ['localhost:9842', /"localhost" is not an IPv4 or IPv6 address/],
    ['127.0.0.1', /not an address and port/],
    ['127.0.0.1:70000', /port 70000 is not in 1..65535/],
    ['::1:9842', /not an address and port/],
    ['0.0.0.0:9842', /not a loopback address.*--allow-remote/],
    ['[2001:db8::1]:9842', /not a loopback address/],
  ])('refuses --listen %s before touching the modem (exit 2)', async (address, message) => {
    const result = await cli('metrics', '-d', served.path, '--listen', address);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toMatch(message);
  });

  it('listens on a non-loopback address only with --allow-remote (an address this host lacks: exit 3)', async () => {
    const result = await cli('metrics', '-d', served.path, '--listen', '192.0.2.1:9842', '--allow-remote');
    expect(result.code).toBe(ExitCode.notFound);
    expect(result.stderr).toContain('no interface of this host has that address');
  });
});

