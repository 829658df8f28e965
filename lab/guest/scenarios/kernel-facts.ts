/**
 * What THIS kernel does with the receive path, measured, so that test/lab/kernels.test.ts can hold each
 * kernel to the facts in docs/kernel.md and a new kernel's differences show up as a failing line:
 *   - the parent's MTU limits (`ip -d -j link`: min_mtu, max_mtu) after bind, after raw_ip Y, after Y->N;
 *   - whether a raw-ip MTU above 1500 is accepted straight after bind (no Y->N switch);
 *   - the bulk-IN URB size usbnet posts (the emulated device sees every URB's buffer length) and how many;
 *   - the EDOM rule (MTU + link header a multiple of the 512-byte bulk packet);
 *   - with the granted QMAP size set by the Y->N procedure, transfers of the granted size arrive whole.
 * Optional variant (RMNETCTL_LAB variant module, see lab/setup): when /run/lab-modules/qmi_wwan-nomaxmtu.ko
 * exists, the kernel-capped scenario uses it instead; this one always measures the kernel's own qmi_wwan.
 */
import { attachModem, ip, netStat, readAttribute, sleep, transferTaken, waitFor, type AttachedModem, type Recorder } from '../harness.js';
import { addMux, linkUp, rawIp, setQmapDataFormat, setReceiveSize } from '../steps.js';

interface MtuLimits {
  mtu: number;
  minMtu: number;
  maxMtu: number;
}

export async function mtuLimits(link: string): Promise<MtuLimits> {
  const r = await ip(undefined, '-d', '-j', 'link', 'show', link);
  const [info] = JSON.parse(r.stdout) as Array<{ mtu: number; min_mtu: number; max_mtu: number }>;
  return { mtu: info!.mtu, minMtu: info!.min_mtu, maxMtu: info!.max_mtu };
}

async function setMtu(link: string, mtu: number): Promise<string | undefined> {
  const r = await ip(undefined, 'link', 'set', link, 'mtu', String(mtu));
  return r.code === 0 ? undefined : r.stderr.trim();
}

/** Brings `wwan` up and returns the bulk-IN URB size and count usbnet then posts. */
export async function urbsWhenUp(modem: AttachedModem, expectLength?: number): Promise<{ length: number; posted: number }> {
  const stats = modem.lab.device.stats;
  await ip(undefined, 'link', 'set', modem.wwan, 'up');
  await waitFor('bulk-IN URBs posted', () => stats.pendingInUrbs > 0 && (expectLength === undefined || stats.lastInUrbLength === expectLength), 10_000).catch(() => false);
  await sleep(300); // usbnet posts its queue in bursts
  const out = { length: stats.lastInUrbLength, posted: stats.pendingInUrbs };
  await ip(undefined, 'link', 'set', modem.wwan, 'down');
  return out;
}

/** The measurements of one qmi_wwan (the kernel's own, or the capped variant): shared with kernel-capped. */
export async function measureReceivePath(rec: Recorder, modem: AttachedModem, label: string): Promise<Record<string, unknown>> {
  const { wwan } = modem;
  const facts: Record<string, unknown> = { release: readAttribute('/proc/sys/kernel/osrelease') };
  await ip(rec, 'link', 'set', wwan, 'down');
  facts.afterBind = await mtuLimits(wwan);
  facts.urbAfterBind = await urbsWhenUp(modem);
  rec.check(`${label}: after bind the URB is MTU + 14 (802.3)`, (facts.urbAfterBind as { length: number }).length === (facts.afterBind as MtuLimits).mtu + 14, facts);

  rec.check(`${label}: raw_ip Y`, rawIp(wwan, 'Y') === undefined);
  facts.afterRawIp = await mtuLimits(wwan);
  // Without the Y->N switch: is a large raw-ip MTU accepted straight away?
  const direct = await setMtu(wwan, 16385); // not 16384: a multiple of 512 is EDOM in raw-ip
  facts.directMtu16385 = direct ?? 'accepted';
  if (direct === undefined) facts.urbAfterDirect16385 = await urbsWhenUp(modem, 16385);

  rec.check(`${label}: raw_ip N`, rawIp(wwan, 'N') === undefined);
  facts.afterYtoN = await mtuLimits(wwan);
  rec.equal(`${label}: raw_ip Y->N restores max_mtu 65535`, (facts.afterYtoN as MtuLimits).maxMtu, 65535);

  // The EDOM rule in both modes: MTU + header a multiple of the 512-byte bulk packet.
  facts.edom802_3 = (await setMtu(wwan, 32768 - 14)) ?? 'accepted';
  rec.check(`${label}: 802.3 MTU 32754 (32768 with the header) refused`, /out of domain|EDOM/i.test(String(facts.edom802_3)), facts.edom802_3);
  rec.check(`${label}: raw_ip Y`, rawIp(wwan, 'Y') === undefined);
  facts.edomRawIp = (await setMtu(wwan, 32768)) ?? 'accepted';
  rec.check(`${label}: raw-ip MTU 32768 refused`, /out of domain|EDOM/i.test(String(facts.edomRawIp)), facts.edomRawIp);
  const accepted = await setMtu(wwan, 32769);
  rec.check(`${label}: raw-ip MTU 32769 accepted`, accepted === undefined, accepted);
  facts.urbAt32769 = await urbsWhenUp(modem, 32769);
  rec.equal(`${label}: raw-ip MTU 32769 gives 32769-byte URBs`, (facts.urbAt32769 as { length: number }).length, 32769);
  return facts;
}

/** QMAP granted through libqmi, the Y->N procedure to the granted size, then full transfers on a qmimux link. */
export async function grantedSizeArrivesWhole(rec: Recorder, modem: AttachedModem, label: string): Promise<Record<string, unknown>> {
  const { lab, cdcWdm, wwan } = modem;
  const granted = await setQmapDataFormat(rec, cdcWdm);
  const error = await setReceiveSize(rec, wwan, granted.dlMaxSize);
  rec.check(`${label}: receive size procedure for the granted ${granted.dlMaxSize} B`, error === undefined, error);
  const link = await addMux(rec, wwan, 1);
  await linkUp(rec, wwan);
  await linkUp(rec, link);
  const stats = lab.device.stats;
  await waitFor('URBs of the granted size', () => stats.pendingInUrbs > 0 && stats.lastInUrbLength === granted.dlMaxSize + 14, 10_000).catch(() => false);
  const out: Record<string, unknown> = { granted, urb: stats.lastInUrbLength };
  rec.check(`${label}: URB covers the granted size`, stats.lastInUrbLength >= granted.dlMaxSize, out);
  for (const datagrams of [granted.dlMaxDatagrams, 8, 1]) {
    const before = { rx: netStat(link, 'rx_packets'), over: netStat(wwan, 'rx_over_errors') };
    const push = lab.dataPlane.pushDownlink({ muxId: 1, datagrams });
    await sleep(400);
    const delivered = netStat(link, 'rx_packets') - before.rx;
    const over = netStat(wwan, 'rx_over_errors') - before.over;
    out[`x${datagrams}`] = { transferLength: push.transferLength, outcome: push.outcome, delivered, over };
    rec.check(`${label}: ${datagrams} datagrams (${push.transferLength} B of a granted ${granted.dlMaxSize}) arrive whole`,
      transferTaken(push.outcome) && delivered === datagrams && over === 0, out[`x${datagrams}`]);
  }
  return out;
}

export async function kernelFactsScenario(rec: Recorder): Promise<void> {
  const modem = await attachModem(rec);
  rec.data.receivePath = await measureReceivePath(rec, modem, 'qmi_wwan');
  rec.data.granted = await grantedSizeArrivesWhole(rec, modem, 'qmi_wwan');
}
