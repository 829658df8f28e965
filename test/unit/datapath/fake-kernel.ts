// A model of qmi_wwan + usbnet + qmimux/rmnet on one parent, with the kernel's refusals as measured on 6.1
// (KERNEL.md): EBUSY for raw_ip on a running device, EINVAL for pass_through without raw_ip and for
// clearing raw_ip under pass_through, maxmtu 1500 until a raw_ip Y -> N switch, EDOM when MTU + header is
// a multiple of the max packet size, rmnet's "Invalid MTU on real dev", EPERM when shrinking below a
// child, ENETDOWN opening a qmimux child under a down parent. It tracks the receive URB size the way
// usbnet_change_mtu does. `failAt` makes the k-th applied action fail, to test rollbacks.
import type { DatapathKernel } from '../../../src/datapath/execute.js';
import type { Action } from '../../../src/datapath/plan.js';

export class KernelRefusal extends Error {
  constructor(readonly code: string, message: string) {
    super(`${message} (${code})`);
  }
}

export interface ModelLink {
  name: string;
  up: boolean;
  mtu: number;
  backend: 'qmimux' | 'rmnet';
}

export interface ModelState {
  rawIp: boolean;
  passThrough: boolean;
  up: boolean;
  mtu: number;
  maxMtu: number;
  links: Record<number, ModelLink>;
}

export class FakeKernel implements DatapathKernel {
  state: ModelState;
  /** usbnet's dev->hard_mtu and rx_urb_size. */
  hardMtu: number;
  urb: number;
  calls = 0;
  failAt: number | undefined;
  readonly log: string[] = [];
  private counter = 0;

  constructor(initial: Partial<ModelState> = {}, readonly maxPacketSize = 512) {
    this.state = { rawIp: false, passThrough: false, up: false, mtu: 1500, maxMtu: 1500, links: {}, ...initial };
    this.hardMtu = this.state.mtu + this.header();
    this.urb = this.hardMtu;
  }

  private header(): number {
    return this.state.rawIp ? 0 : 14;
  }

  snapshot(): ModelState {
    return structuredClone(this.state);
  }

  private changeMtu(mtu: number): void {
    if (mtu > this.state.maxMtu) throw new KernelRefusal('EINVAL', `mtu ${mtu} greater than device maximum ${this.state.maxMtu}`);
    const newHard = mtu + this.header();
    if (newHard % this.maxPacketSize === 0) throw new KernelRefusal('EDOM', `mtu ${mtu} + header is a multiple of ${this.maxPacketSize}`);
    const oldHard = this.hardMtu;
    this.hardMtu = newHard;
    if (this.urb === oldHard) this.urb = newHard;
    this.state.mtu = mtu;
  }

  async apply(action: Action): Promise<void> {
    this.calls++;
    this.log.push(action.op === 'none' ? 'none' : JSON.stringify(action));
    if (this.failAt !== undefined && this.calls === this.failAt) throw new KernelRefusal('EIO', `injected failure at call ${this.calls}`);
    const s = this.state;
    switch (action.op) {
      case 'none':
        return;
      case 'set-up':
        s.up = action.up;
        if (!action.up) for (const l of Object.values(s.links)) if (l.backend === 'qmimux') l.up = false;
        return;
      case 'set-raw-ip':
        if (action.value === s.rawIp) return;
        if (s.up) throw new KernelRefusal('EBUSY', 'Cannot change a running device');
        if (!action.value && s.passThrough) throw new KernelRefusal('EINVAL', 'pass_through is set');
        s.rawIp = action.value;
        if (!action.value) {
          // qmi_wwan_netdev_setup's 802.3 branch: ether_setup (MTU 1500), maxmtu restored to 65535.
          s.mtu = 1500;
          s.maxMtu = 65535;
        }
        return;
      case 'set-pass-through':
        if (action.value && !s.rawIp) throw new KernelRefusal('EINVAL', 'raw_ip must be Y first');
        s.passThrough = action.value;
        return;
      case 'set-mtu': {
        const minimum = Math.max(0, ...Object.values(s.links).filter((l) => l.backend === 'rmnet').map((l) => l.mtu + 4));
        if (action.mtu < minimum) throw new KernelRefusal('EPERM', 'a child would exceed the new MTU');
        this.changeMtu(action.mtu);
        return;
      }
      case 'create-link': {
        if (s.links[action.muxId]) throw new KernelRefusal(action.backend === 'rmnet' ? 'EBUSY' : 'EINVAL', 'mux id already present');
        if (action.backend === 'qmimux') {
          s.links[action.muxId] = { name: `qmimux${this.counter++}`, up: false, mtu: 1500, backend: 'qmimux' };
        } else {
          if (s.mtu - 4 > 16384) throw new KernelRefusal('EINVAL', 'Invalid MTU on real dev');
          s.links[action.muxId] = { name: action.name ?? `rmnet${action.muxId}`, up: false, mtu: Math.min(s.mtu - 4, 16384), backend: 'rmnet' };
        }
        return;
      }
      case 'delete-link':
        if (!s.links[action.muxId]) throw new KernelRefusal('EINVAL', 'no such mux id');
        delete s.links[action.muxId];
        return;
      case 'set-mux-link-up': {
        const l = s.links[action.muxId];
        if (!l) throw new KernelRefusal('ENODEV', 'no such link');
        if (action.up && l.backend === 'qmimux' && !s.up) throw new KernelRefusal('ENETDOWN', 'parent is down');
        l.up = action.up;
        return;
      }
    }
  }
}
