/**
 * bench-capture (issue 13 item 4): what `rmnetctl capture` keeps up with on the lab's data plane. One PDN
 * (rmnet, the modem's QMAP grant) on the real qmi_wwan/rmnet drivers; per case, the emulated modem pushes
 * transfers of 1, 8 or 32 datagrams of 508 bytes for 2 s (test/modem's burst, a window of transfers in
 * flight) while no capture runs, then again while `capture --mux 1 -w FILE` runs. Per case: the kernel's
 * packets per second on the PDN's link (capture off and on: what the tap costs the data path) and the
 * capture's packets per second with its kernel drops (what it kept up with). Data for docs/benchmarks.md
 * ("Capture path"); not in CI. The checks say only that the PDN came up and each capture ended cleanly.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { attachModem, netStat, type Recorder } from '../harness.js';
import { buildTransfer, burst } from '../../../test/modem/usbip/burst.js';
import { cliDetail, emulator, exited, rmnetctl, sleep } from './session-lib.js';

const SECONDS = 2;
const CASES = [1, 8, 32];

interface CaptureJson {
  written: number;
  transfers: number;
  seconds: number;
  socket: { kernelPackets: number; kernelDrops: number };
}

export async function benchCaptureScenario(rec: Recorder, project: string): Promise<void> {
  const modem = await attachModem(rec);
  const device = `/dev/${modem.cdcWdm}`;
  const up = await rmnetctl(project, ['up', '--mux', '1', '--apn', 'internet', '--backend', 'rmnet', '--json']);
  if (!rec.check('rmnetctl up --mux 1 exits 0', up.code === 0, cliDetail(up))) return;
  const link = (up.json as { link: string }).link;
  // Transfers in the QMAP version the modem granted (rmnet drops frames of another one).
  const granted = emulator(modem).dataFormat().downlinkAggregation;
  const version = granted === 'qmapv5' ? 5 : granted === 'qmapv4' ? 4 : 1;
  rec.data.granted = granted;
  const results: Record<string, unknown> = {};
  rec.data.results = results;
  try {
    for (const datagrams of CASES) {
      const transfer = buildTransfer({ muxId: 1, datagrams, packetSize: 508, version });
      const pps = async () => {
        const before = netStat(link, 'rx_packets');
        const r = await burst(modem.lab.device, transfer, { durationMs: SECONDS * 1000 });
        await sleep(200);
        const packets = netStat(link, 'rx_packets') - before;
        return { pps: Math.round(packets / (r.elapsedMs / 1000)), packets, seconds: r.elapsedMs / 1000, transfers: r.offered };
      };
      const off = await pps();
      const file = join('/tmp', `bench-capture-${datagrams}.pcapng`);
      const child = spawn(process.execPath, [join(project, 'bin', 'rmnetctl.js'), 'capture', '-d', device, '--mux', '1', '-w', file, '--seconds', String(SECONDS + 3), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      for (let i = 0; i < 100 && !stderr.includes('capturing on ') && child.exitCode === null; i++) await sleep(100);
      const on = await pps();
      const code = await exited(child, 30_000);
      rmSync(file, { force: true });
      let summary: CaptureJson | undefined;
      try {
        summary = JSON.parse(stdout) as CaptureJson;
      } catch {
        summary = undefined;
      }
      if (!rec.check(`x${datagrams}: capture ran and ended cleanly`, code === 0 && summary !== undefined, { code, stderr: stderr.trim().split('\n').slice(-4) })) continue;
      results[`x${datagrams}`] = {
        kernelPpsWithoutCapture: off.pps,
        kernelPpsWithCapture: on.pps,
        capturedPackets: summary!.written,
        capturedTransfers: summary!.transfers,
        // The capture's rate over the same burst, what share of the link's packets it kept, what its socket lost.
        linkPackets: on.packets,
        capturePps: Math.round(summary!.written / on.seconds),
        captured: Number((summary!.written / Math.max(1, on.packets)).toFixed(3)),
        kernelDrops: summary!.socket.kernelDrops,
        tapCost: Number((on.pps / Math.max(1, off.pps)).toFixed(2)),
      };
      process.stdout.write(`bench-capture: x${datagrams} ${JSON.stringify(results[`x${datagrams}`])}\n`);
    }
  } finally {
    await rmnetctl(project, ['down', '--all', '--json']);
  }
}
