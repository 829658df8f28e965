/**
 * Records the sysfs trees test/fixtures/sysfs holds, on THIS kernel, in the same four states and the same
 * layout as the 6.1 recordings (the emulated EC25 exporting its QMI interface alone, as interface 0):
 *   802.3   freshly bound, wwan0 down, raw_ip=N
 *   rawip   raw_ip=Y, down
 *   qmimux  raw_ip=Y, add_mux 1 and 5, wwan0 and both links up
 *   rmnet   raw_ip=Y, pass_through=Y, rmnet_data1 (mux 1) and rmnet_data5 (mux 5), all up
 * Each tree goes to <run dir>/sysfs/<state>/{fixture-info.txt,sys/}: every readable top-level attribute of the
 * USB device, the USB interface (and its ep_* directories), cdc-wdm0, wwan0 (and qmi/), each child (and qmap/);
 * the device, subsystem, driver, upper_X and lower_X symlinks with the kernel's own relative targets; the class and
 * bus links. scripts/record-sysfs.sh copies them into test/fixtures/sysfs/linux-<series>/.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { attachModem, ip, readAttribute, run, type Recorder } from '../harness.js';
import { addMux, linkUp, rawIp } from '../steps.js';

const linkNames = /^(device|subsystem|driver|upper_.+|lower_.+)$/;
/** binary or changing with every read */
const skipped = new Set(['descriptors', 'urbnum']);

class TreeRecorder {
  readonly unreadable: string[] = [];
  private readonly dirs = new Set<string>();
  constructor(private readonly out: string) {}

  /** sysfs-relative path (devices/...) of a recorded directory: its readable files, links, and some subdirs. */
  dir(rel: string, subdirs: (name: string) => boolean = () => false): void {
    if (this.dirs.has(rel)) return;
    this.dirs.add(rel);
    const live = join('/sys', rel);
    mkdirSync(join(this.out, rel), { recursive: true });
    for (const name of readdirSync(live)) {
      const path = join(live, name);
      const st = lstatSync(path);
      if (st.isSymbolicLink()) {
        if (linkNames.test(name)) this.link(join(rel, name), readlinkSync(path));
      } else if (st.isFile()) {
        if (skipped.has(name) || (st.mode & 0o444) === 0) continue;
        try {
          writeFileSync(join(this.out, rel, name), readFileSync(path));
        } catch (error) {
          this.unreadable.push(`${join(rel, name)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
        }
      } else if (st.isDirectory() && subdirs(name)) {
        this.dir(join(rel, name));
      }
    }
  }

  link(rel: string, target: string): void {
    const path = join(this.out, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path) && !lstatExists(path)) symlinkSync(target, path);
  }

  /** class/net/x, class/usbmisc/x, bus/usb/devices/x: the link, as the kernel has it */
  classLink(rel: string): string {
    const target = readlinkSync(join('/sys', rel));
    this.link(rel, target);
    return normalize(join(dirname(rel), target));
  }

  /** every symlink whose target is not inside the tree: directories the tests only need to exist get a .keep */
  closeLinks(): string[] {
    const dangling: string[] = [];
    const walk = (rel: string): void => {
      for (const name of readdirSync(join(this.out, rel))) {
        const path = join(this.out, rel, name);
        const st = lstatSync(path);
        if (st.isSymbolicLink()) {
          const target = normalize(join(rel, readlinkSync(path)));
          if (target.startsWith('..')) dangling.push(`${join(rel, name)} -> outside`);
          else if (!existsSync(join(this.out, target))) {
            // drivers and subsystems: an empty directory (a .keep for git) is all the tests resolve
            if (/^(bus\/[^/]+(\/drivers\/[^/]+)?|class\/[^/]+)$/.test(target)) {
              mkdirSync(join(this.out, target), { recursive: true });
              writeFileSync(join(this.out, target, '.keep'), '');
            } else dangling.push(`${join(rel, name)} -> ${target}`);
          }
        } else if (st.isDirectory()) walk(join(rel, name));
      }
    };
    walk('');
    return dangling;
  }
}

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

async function record(rec: Recorder, state: string, note: string, wwan: string, children: string[]): Promise<void> {
  const base = join(process.env.LAB_RESULT_DIR ?? '/run/lab', 'sysfs', state);
  const tree = new TreeRecorder(join(base, 'sys'));
  const cdcWdm = readdirSync('/sys/class/usbmisc').find((n) => n.startsWith('cdc-wdm'))!;
  const cdcRel = tree.classLink(`class/usbmisc/${cdcWdm}`);
  const ifaceRel = normalize(join(cdcRel, '..', '..'));
  const usbRel = dirname(ifaceRel);
  tree.dir(usbRel);
  tree.dir(ifaceRel, (name) => /^ep_[0-9a-f]{2}$/.test(name));
  tree.dir(cdcRel);
  for (const bus of [usbRel, ifaceRel]) tree.classLink(`bus/usb/devices/${bus.split('/').pop()!}`);
  for (const link of [wwan, ...children]) {
    const rel = tree.classLink(`class/net/${link}`);
    tree.dir(rel, (name) => name === 'qmi' || name === 'qmap');
  }
  const dangling = tree.closeLinks();
  const lines = [
    `state: ${state}`,
    `note: ${note}`,
    `kernel: ${readAttribute('/proc/sys/kernel/osrelease')} ${readAttribute('/proc/sys/kernel/version')}`,
    `recorded: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} (RECORDED in the lab by lab/guest/scenarios/record-sysfs.ts)`,
    `${cdcWdm} -> ${readlinkSync(`/sys/class/usbmisc/${cdcWdm}`)}`,
    '',
  ];
  for (const link of [wwan, ...children]) {
    const out = await ip(undefined, '-d', 'link', 'show', link);
    lines.push(`$ ip -d link show ${link}`, out.stdout.trimEnd(), '');
  }
  lines.push(`unreadable attributes (not recorded): ${tree.unreadable.length ? tree.unreadable.join(', ') : 'none'}`);
  lines.push(`links not resolving inside tree: ${dangling.length ? dangling.join(', ') : 'none'}`);
  writeFileSync(join(base, 'fixture-info.txt'), `${lines.join('\n')}\n`);
  rec.check(`${state}: recorded, every link resolves inside the tree`, dangling.length === 0, dangling);
}

export async function recordSysfsScenario(rec: Recorder): Promise<void> {
  const { wwan } = await attachModem(rec, { qmiOnly: true, interfaceNumber: 0 });
  await ip(rec, 'link', 'set', wwan, 'down');
  await record(rec, '802.3', `qmi_wwan freshly bound, ${wwan} down, raw_ip=N`, wwan, []);

  rec.check('raw_ip=Y', rawIp(wwan, 'Y') === undefined);
  await record(rec, 'rawip', `raw_ip=Y, ${wwan} down`, wwan, []);

  const q1 = await addMux(rec, wwan, 1);
  const q5 = await addMux(rec, wwan, 5);
  await linkUp(rec, wwan);
  await linkUp(rec, q1);
  await linkUp(rec, q5);
  await record(rec, 'qmimux', `raw_ip=Y, add_mux 1 and 5 (${q1}=0x01, ${q5}=0x05), ${wwan} + qmimux up, MTUs default 1500`, wwan, [q1, q5]);

  for (const mux of ['1', '5']) writeFileSync(`/sys/class/net/${wwan}/qmi/del_mux`, mux);
  await ip(rec, 'link', 'set', wwan, 'down');
  rec.check('pass_through=Y', (() => { try { writeFileSync(`/sys/class/net/${wwan}/qmi/pass_through`, 'Y'); return true; } catch { return false; } })());
  for (const mux of [1, 5]) {
    const r = await run('ip', ['link', 'add', `rmnet_data${mux}`, 'link', wwan, 'type', 'rmnet', 'mux_id', String(mux)], 20_000);
    rec.check(`rmnet_data${mux} created`, r.code === 0, r.stderr.trim() || undefined);
  }
  await linkUp(rec, wwan);
  await linkUp(rec, 'rmnet_data1');
  await linkUp(rec, 'rmnet_data5');
  await record(rec, 'rmnet', `raw_ip=Y, pass_through=Y, rmnet_data1 (mux_id 1) and rmnet_data5 (mux_id 5) on ${wwan}, all up, ${wwan} MTU 1500`, wwan, ['rmnet_data1', 'rmnet_data5']);
}
