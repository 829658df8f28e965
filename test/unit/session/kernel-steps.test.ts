// `up`'s kernel steps under interruption and `down`'s way back, on the session rig with two more kernel
// facts modelled (KERNEL.md): raw_ip changes need the parent down (sysfs `flags` follows netlink up/down,
// so the double's EBUSY applies), the raw_ip Y -> N switch resets the MTU to 1500 (maxmtu 65535), and
// usbnet's EDOM for an MTU + header that is a multiple of the max packet size.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { up } from '../../../src/session/up.js';
import { down } from '../../../src/session/down.js';
import type { PdnRequest } from '../../../src/session/request.js';
import { RmnetError } from '../../../src/errors.js';
import { upperDevices } from '../../../src/sysfs/topology.js';
import { makeRig, type Rig } from './rig.js';
import { rejection } from '../../support/rejection.js';

const failure = (promise: Promise<unknown>) => rejection(promise, RmnetError);
const request = (overrides: Partial<PdnRequest> = {}): PdnRequest => ({ muxId: 1, apn: 'internet', ipType: '4', auth: 'none', backend: 'auto', noIp: false, routeMetric: 100, ...overrides });
const options = { proxy: 'no' as const };

const rigs: Rig[] = [];
afterEach(() => {
  for (const r of rigs.splice(0)) r.cleanup();
});

/** The session rig: the one kernel model already has the rules these tests lean on (raw_ip EBUSY while the
 *  parent is up, the Y -> N MTU reset, usbnet's EDOM, del_mux unregistering the netdev). */
async function modelledRig(fixture = 'rawip'): Promise<Rig> {
  const rig = makeRig(fixture);
  rigs.push(rig);
  return rig;
}

/** What the kernel shows of the parent and its links. */
async function kernelView(rig: Rig) {
  const wwan0 = rig.model.get('wwan0');
  return {
    rawIp: (await rig.sysfs.read('class/net/wwan0/qmi/raw_ip')).trim(),
    passThrough: (await rig.sysfs.read('class/net/wwan0/qmi/pass_through')).trim(),
    mtu: wwan0.mtu,
    up: rig.model.isUp(wwan0),
    links: rig.model.list().map((l) => l.name).sort(),
    uppers: await upperDevices(rig.sysfs, 'wwan0'),
  };
}

async function until(condition: () => boolean, ms = 2000): Promise<void> {
  for (const start = Date.now(); !condition() && Date.now() - start < ms; ) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('interrupting up at every kernel step', () => {
  for (const backend of ['rmnet', 'qmimux'] as const) {
    it(`${backend}: Ctrl-C as kernel step k starts, for every k, leaves the kernel, the modem and the state directory as before`, async () => {
      let total: number | undefined;
      const seen: number[] = [];
      for (let k = 1; total === undefined || k <= total; k++) {
        const rig = await modelledRig();
        if (backend === 'qmimux') {
          rig.model.rmnetLoaded = false;
          rig.modem.behaviour.supportedAggregation = [0, 5, 9];
        }
        const before = await kernelView(rig);
        const stop = new AbortController();
        const env = {
          ...rig.env,
          log: (line: string) => {
            rig.log.push(line);
            const step = /^step (\d+)\/(\d+): /.exec(line);
            if (!step) return;
            total = Number(step[2]);
            if (Number(step[1]) === k) stop.abort();
          },
        };
        const outcome = up(env, request(), { ...options, signal: stop.signal });
        await outcome.catch(() => {});
        expect(total, 'the kernel steps were logged').toBeGreaterThan(2);
        if (!stop.signal.aborted) continue; // step k is a restore point (nothing to do, nothing logged)
        const error = await failure(outcome);
        seen.push(k);
        expect(error.code, `step ${k}`).toBe('INTERRUPTED');
        expect(error.category).toBe('failure');
        expect(error.message, `step ${k}`).toMatch(/interrupted; everything it had done was undone/);
        expect(rig.log.filter((l) => l.startsWith('step ')).at(-1), `no step after ${k}`).toMatch(new RegExp(`^step ${k}/`));
        expect(await kernelView(rig), `kernel after Ctrl-C at step ${k}/${total}: ${rig.log.join(' | ')}`).toEqual(before);
        expect(existsSync(rig.env.store.path('cdc-wdm0'))).toBe(false);
        expect(readdirSync(rig.env.store.dir), 'no state, temp or lock file').toEqual([]);
        // A WDS client allocated by an abandoned step is released when it arrives.
        await until(() => rig.modem.clients().length === 0);
        expect(rig.modem.clients(), `step ${k}`).toEqual([]);
        expect(rig.modem.sessions()).toEqual([]);
      }
      expect(seen.length).toBeGreaterThan(2);
      expect(seen.at(-1)).toBe(total);
    });
  }
});

describe('down restores the kernel mode through the planner', () => {
  it('raw_ip Y -> N after a large MTU: parent down, pass_through N, raw_ip N (which resets the MTU to 1500), up again', async () => {
    const rig = await modelledRig('802.3');
    const before = await kernelView(rig);
    expect(before).toMatchObject({ rawIp: 'N', passThrough: 'N', mtu: 1500 });
    await up(rig.env, request(), options);
    expect(await kernelView(rig)).toMatchObject({ rawIp: 'Y', passThrough: 'Y', up: true });
    expect(rig.model.get('wwan0').mtu).toBeGreaterThan(16384);
    rig.log.length = 0;
    const result = await down(rig.env, { all: true, proxy: 'no' });
    expect(result.warnings).toEqual([]);
    expect(result.kernelRestored).toBe(true);
    expect(rig.log.filter((l) => l.startsWith('step '))).toEqual([
      expect.stringMatching(/^step 1\/4: set wwan0 down /),
      expect.stringMatching(/^step 2\/4: wwan0 pass_through=N /),
      expect.stringMatching(/^step 3\/4: wwan0 raw_ip=N /),
      expect.stringMatching(/^step 4\/4: set wwan0 up /),
    ]);
    expect(await kernelView(rig)).toEqual({ ...before, up: true });
    expect(readdirSync(rig.env.store.dir), 'down leaves no state or lock file').toEqual([]);
  });

  it('a raw-ip parent left at an MTU raw-ip refuses (EDOM) gets it back through 802.3', async () => {
    const rig = await modelledRig();
    Object.assign(rig.model.get('wwan0'), { mtu: 32768, maxMtu: 65535 }); // a qmimux setup's 802.3 MTU, kept across the switch
    const before = await kernelView(rig);
    await up(rig.env, request(), options);
    rig.log.length = 0;
    const result = await down(rig.env, { all: true, proxy: 'no' });
    expect(result.warnings).toEqual([]);
    expect(rig.log.filter((l) => l.startsWith('step ')).map((l) => l.replace(/ \(.*$/, ''))).toEqual([
      'step 1/6: set wwan0 down',
      'step 2/6: wwan0 pass_through=N',
      'step 3/6: wwan0 raw_ip=N',
      'step 4/6: wwan0 mtu 32768',
      'step 5/6: wwan0 raw_ip=Y',
      'step 6/6: set wwan0 up',
    ]);
    expect(await kernelView(rig)).toEqual({ ...before, up: true });
  });
});
