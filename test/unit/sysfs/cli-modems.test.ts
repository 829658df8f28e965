// `rmnetctl modems` on recorded and synthesized trees: the text table and the one JSON document.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../../support/cli.js';

const root = (name: string) => fileURLToPath(new URL(`../../fixtures/sysfs/${name}/sys`, import.meta.url));

const run = cli;

describe('rmnetctl modems', () => {
  it('prints one JSON document for two modems', async () => {
    const r = await run('modems', '--sysfs-root', root('two-modems'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      modems: [
        { controlPort: 'cdc-wdm0', device: '/dev/cdc-wdm0', netInterface: 'wwan0', driver: 'qmi_wwan', vendorProduct: '2c7c:0125', busPath: '1-1', interfaceNumber: 0, endpointType: 'hsusb', rawIp: true, passThrough: false },
        { controlPort: 'cdc-wdm1', device: '/dev/cdc-wdm1', netInterface: 'wwan1', driver: 'qmi_wwan', vendorProduct: '1199:9071', busPath: '1-2', interfaceNumber: 8, endpointType: 'hsusb', rawIp: true, passThrough: true },
      ],
    });
  });

  it('prints a table', async () => {
    const r = await run('modems', '--sysfs-root', root('mhi'));
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^CONTROL\s+NET\s+DRIVER\s+VID:PID\s+BUS\s+IFACE\s+ENDPOINT\s+RAW_IP\s+PASS_THROUGH$/);
    expect(r.stdout).toMatch(/\/dev\/wwan0qmi0\s+mhi_hwip0\s+mhi_net\s+17cb:0306\s+0000:01:00\.0\s+-\s+pcie\s+-\s+-/);
  });

  it('says so when there is none', async () => {
    // An empty tree: a root that does not exist is an error now (issue 16), not "nothing found".
    const empty = mkdtempSync(join(tmpdir(), 'rmnetctl-empty-sysfs-'));
    try {
      expect((await run('modems', '--sysfs-root', empty)).stdout).toBe('no QMI modem found\n');
      expect(JSON.parse((await run('modems', '--sysfs-root', empty, '--json')).stdout)).toEqual({ modems: [] });
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});
