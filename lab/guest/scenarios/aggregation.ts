/**
 * Scenario 4, DL aggregation through the real usbnet: with the receive size left at its default (URB = MTU
 * 1500) an aggregated transfer is lost whole (-EOVERFLOW from the "host controller": wwan0 rx_over_errors +1,
 * nothing delivered); after KERNEL.md's procedure (raw_ip Y, N, MTU = granted DL size in 802.3, raw_ip Y) the
 * URBs are MTU + 14 bytes and transfers of 1, 8 and 32 datagrams arrive whole on the qmimux link.
 */
import { attachModem, ip, netStat, sleep, transferTaken, waitFor, type Recorder } from '../harness.js';
import { addMux, linkUp, rawIp, setQmapDataFormat, setReceiveSize } from '../steps.js';

export async function aggregationScenario(rec: Recorder): Promise<void> {
  const { lab, cdcWdm, wwan } = await attachModem(rec);
  const granted = await setQmapDataFormat(rec, cdcWdm);
  const dlMaxSize = granted.dlMaxSize || 32768;
  const muxId = 1;
  const stats = lab.device.stats;

  // Part A: default receive size. raw-ip + one qmimux child, MTU untouched.
  await ip(rec, 'link', 'set', wwan, 'down');
  rec.check('raw_ip=Y', rawIp(wwan, 'Y') === undefined);
  const link = await addMux(rec, wwan, muxId);
  await linkUp(rec, wwan);
  await linkUp(rec, link);
  await waitFor('bulk-IN URBs posted', () => stats.pendingInUrbs > 0, 10_000);
  rec.equal('default bulk-IN URB size (MTU 1500, raw-ip header 0)', stats.lastInUrbLength, 1500);
  const sendAndCount = async (datagrams: number, packetSize?: number) => {
    const before = { rx: netStat(link, 'rx_packets'), over: netStat(wwan, 'rx_over_errors'), errors: netStat(wwan, 'rx_errors') };
    const push = lab.dataPlane.pushDownlink({ muxId, datagrams, packetSize });
    await sleep(400);
    const after = { rx: netStat(link, 'rx_packets'), over: netStat(wwan, 'rx_over_errors'), errors: netStat(wwan, 'rx_errors') };
    return { push, delivered: after.rx - before.rx, overErrors: after.over - before.over, rxErrors: after.errors - before.errors };
  };
  const small = await sendAndCount(1, 1400);
  rec.check('default size: 1 datagram of 1400 B (1404 B transfer) is delivered', transferTaken(small.push.outcome) && small.delivered === 1, small);
  for (const datagrams of [8, 32]) {
    const big = await sendAndCount(datagrams);
    rec.check(`default size: ${datagrams} datagrams (${big.push.transferLength} B) answered -EOVERFLOW`, big.push.outcome === 'overflow', big.push);
    rec.equal(`default size: none of the ${datagrams} datagrams delivered`, big.delivered, 0);
    rec.equal(`default size: wwan0 rx_over_errors +1 for the ${datagrams}-datagram transfer`, big.overErrors, 1);
    rec.data[`defaultSize${datagrams}`] = big;
  }

  // Part B: the measured procedure, then the same transfers.
  const t0 = Date.now();
  const error = await setReceiveSize(rec, wwan, dlMaxSize);
  rec.check(`receive size procedure with MTU ${dlMaxSize}`, error === undefined, error);
  await linkUp(rec, wwan);
  await linkUp(rec, link);
  await waitFor('bulk-IN URBs posted again', () => stats.pendingInUrbs > 0 && stats.lastInUrbLength === dlMaxSize + 14, 10_000).catch(() => false);
  rec.timings.procedure = Date.now() - t0;
  rec.equal('bulk-IN URB size after the procedure (MTU + 14)', stats.lastInUrbLength, dlMaxSize + 14);
  for (const datagrams of [1, 8, 32]) {
    const r = await sendAndCount(datagrams);
    rec.check(`granted size: ${datagrams} datagrams (${r.push.transferLength} B) arrive whole`, transferTaken(r.push.outcome) && r.delivered === datagrams && r.overErrors === 0, r);
    rec.data[`grantedSize${datagrams}`] = r;
  }
  // A transfer above the URB still fails whole, never truncated.
  const over = lab.dataPlane.pushDownlink({ muxId, datagrams: 40, packetSize: 1000, ignoreLimits: true });
  rec.check(`a ${over.transferLength} B transfer above the ${dlMaxSize + 14} B URB is refused with -EOVERFLOW`, over.outcome === 'overflow', over);
  rec.data.deviceStats = { ...stats };
  rec.data.wwanStats = { rx_over_errors: netStat(wwan, 'rx_over_errors'), rx_errors: netStat(wwan, 'rx_errors'), rx_packets: netStat(wwan, 'rx_packets'), rx_dropped: netStat(wwan, 'rx_dropped') };
}
