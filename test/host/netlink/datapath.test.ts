// The datapath executor and the rmnet backend against the real kernel in a network namespace: steps
// run over netlink, a refused step rolls back what ran before it (checked with `ip -j`), and rmnet's
// absence on this host gives the "modprobe rmnet" error naming interface and mux id, leaving nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtNetlink } from '../../../src/netlink/rtnl.js';
import { FileSysfs } from '../../../src/sysfs/sysfs.js';
import { executeWithRollback, SystemDatapath } from '../../../src/datapath/execute.js';
import { RmnetBackend } from '../../../src/datapath/rmnet.js';
import { readMuxMap } from '../../../src/datapath/mux.js';
import type { Plan } from '../../../src/datapath/plan.js';
import { createNetns, deleteNetns, ip, ipJson } from './netns.js';

let ns: { name: string; path: string };
let nl: RtNetlink;

beforeAll(async () => {
  ns = await createNetns('rmnetctl-dp');
  nl = new RtNetlink({ netns: ns.path });
  await ip('-n', ns.name, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
});

afterAll(async () => {
  nl?.close();
  if (ns) await deleteNetns(ns.name);
});

const show = async (name: string) => (await ipJson<Array<{ mtu: number; flags: string[] }>>(ns.name, 'link', 'show', name))[0]!;

describe('executor over real netlink', () => {
  it('rolls back the steps before a refused MTU', async () => {
    const before = await show('p0');
    const plan: Plan = {
      receiveSize: null,
      notes: [],
      steps: [
        { action: { op: 'set-up', link: 'p0', up: true }, undo: { op: 'set-up', link: 'p0', up: false }, why: 'test' },
        { action: { op: 'set-mtu', link: 'p0', mtu: 4000 }, undo: { op: 'set-mtu', link: 'p0', mtu: before.mtu }, why: 'test' },
        { action: { op: 'set-mtu', link: 'p0', mtu: 70000 }, undo: { op: 'set-mtu', link: 'p0', mtu: 4000 }, why: 'beyond max_mtu' },
      ],
    };
    const lines: string[] = [];
    const error = await executeWithRollback(plan, new SystemDatapath(new FileSysfs('/nonexistent'), nl), { log: (l) => lines.push(l) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MTU_REFUSED', details: { errno: 'EINVAL', failedStep: 3, rolledBack: 2, rollbackErrors: [] } });
    expect((error as Error).message).toMatch(/set MTU 70000 on p0: mtu greater than device maximum \(EINVAL\) \[at step 3\/3: p0 mtu 70000; rolled back 2 step\(s\)\]/);
    const after = await show('p0');
    expect(after.mtu).toBe(before.mtu);
    expect(after.flags).not.toContain('UP');
    expect(lines).toEqual(['step 1/3: set p0 up (test)', 'step 2/3: p0 mtu 4000 (test)', 'step 3/3: p0 mtu 70000 (beyond max_mtu)', `undo: p0 mtu ${before.mtu}`, 'undo: set p0 down']);
  });
});

describe('rmnet backend on a kernel without rmnet', () => {
  it('says to load the module, names the interface and mux id, and leaves nothing behind', async () => {
    const linksBefore = (await nl.listLinks()).map((l) => l.name);
    const error = await new RmnetBackend(nl).create('p0', 7, { name: 'rmnet_p7' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LINK_KIND_UNSUPPORTED', errno: 'EOPNOTSUPP', extack: 'Unknown device type' });
    expect((error as Error).message).toBe('create rmnet link rmnet_p7 on p0 with mux id 7: the rmnet module is not loaded (modprobe rmnet): Unknown device type (EOPNOTSUPP)');
    expect((await nl.listLinks()).map((l) => l.name)).toEqual(linksBefore);
  });

  it('names a parent that does not exist', async () => {
    await expect(new RmnetBackend(nl).create('nosuch0', 1)).rejects.toMatchObject({ code: 'NO_SUCH_INTERFACE', message: expect.stringContaining('nosuch0') });
  });

  it('reads an empty mux map from kernel truth (no rmnet links, no qmi_wwan parents)', async () => {
    expect(await readMuxMap(new FileSysfs('/nonexistent'), nl)).toEqual([]);
    expect(await new RmnetBackend(nl).list('p0')).toEqual([]);
  });
});
