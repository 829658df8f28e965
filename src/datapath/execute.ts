// Runs a plan against the kernel with an undo stack: when step k fails, the undos of steps k-1..1 run
// in reverse and the error says which step failed and whether the rollback was complete. The failed
// step itself is not undone: kernel operations are atomic, and undoing a refused create (EEXIST, mux id
// taken) would delete somebody else's link.
import { Category, RmnetError } from '../errors.js';
import type { Netlink } from '../netlink/rtnl.js';
import { setPassThrough, setRawIp } from '../sysfs/qmi-wwan.js';
import type { Sysfs } from '../sysfs/sysfs.js';
import type { BackendKind, LinkBackend, MuxLink } from './backend.js';
import { describeAction, type Action, type Plan, type Step } from './plan.js';
import { QmimuxBackend } from './qmimux.js';
import { RmnetBackend } from './rmnet.js';

/** What a plan needs from the kernel; the lab and tests substitute their own. */
export interface DatapathKernel {
  apply(action: Action): Promise<void>;
}

export interface ExecuteResult {
  applied: Step[];
}

export async function executePlan(plan: Plan, kernel: DatapathKernel, log: (line: string) => void = () => {}): Promise<ExecuteResult> {
  const done: Step[] = [];
  for (const [i, step] of plan.steps.entries()) {
    if (step.action.op === 'none') {
      // A restore point: nothing to do now, its undo runs on rollback.
      done.push(step);
      continue;
    }
    log(`step ${i + 1}/${plan.steps.length}: ${describeAction(step.action)} (${step.why})`);
    try {
      await kernel.apply(step.action);
    } catch (error) {
      const rollbackErrors: string[] = [];
      for (const previous of [...done].reverse()) {
        if (!previous.undo || previous.undo.op === 'none') continue;
        log(`undo: ${describeAction(previous.undo)}`);
        try {
          await kernel.apply(previous.undo);
        } catch (undoError) {
          rollbackErrors.push(`${describeAction(previous.undo)}: ${undoError instanceof Error ? undoError.message : String(undoError)}`);
        }
      }
      const original = error instanceof RmnetError ? error : new RmnetError('KERNEL_STEP_FAILED', error instanceof Error ? error.message : String(error), Category.kernel);
      const rollback = rollbackErrors.length === 0 ? `rolled back ${done.length} step(s)` : `ROLLBACK INCOMPLETE: ${rollbackErrors.join('; ')}`;
      throw new RmnetError(
        original.code,
        `${original.message} [at step ${i + 1}/${plan.steps.length}: ${describeAction(step.action)}; ${rollback}]`,
        rollbackErrors.length === 0 ? original.category : Category.kernel,
        { ...original.details, failedStep: i + 1, failedAction: describeAction(step.action), rolledBack: done.length, rollbackErrors },
        { cause: error },
      );
    }
    done.push(step);
  }
  return { applied: done };
}

/** The real kernel: sysfs for qmi_wwan's attributes and qmimux, netlink for links, MTU and rmnet. */
export class SystemDatapath implements DatapathKernel {
  readonly backends: Record<BackendKind, LinkBackend>;
  /** Links created through this instance (what the session layer records). */
  readonly created: MuxLink[] = [];

  constructor(
    private readonly sysfs: Sysfs,
    private readonly netlink: Netlink,
    private readonly rmnetFlags?: { flags: number; mask: number },
  ) {
    this.backends = { qmimux: new QmimuxBackend(sysfs), rmnet: new RmnetBackend(netlink) };
  }

  private async muxLink(backend: BackendKind, parent: string, muxId: number): Promise<MuxLink> {
    const link = (await this.backends[backend].list(parent)).find((l) => l.muxId === muxId);
    if (!link) throw new RmnetError('MUX_NOT_FOUND', `${parent}: no ${backend} link with mux id ${muxId}`, Category.notFound, { interface: parent, muxId });
    return link;
  }

  async apply(action: Action): Promise<void> {
    switch (action.op) {
      case 'none': return;
      case 'set-up': return this.netlink.setLinkUp(action.link, action.up);
      case 'set-raw-ip': return setRawIp(this.sysfs, action.link, action.value);
      case 'set-pass-through': return setPassThrough(this.sysfs, action.link, action.value);
      case 'set-mtu': return this.netlink.setMtu(action.link, action.mtu);
      case 'create-link': {
        const link = await this.backends[action.backend].create(action.parent, action.muxId, { ...(action.name ? { name: action.name } : {}), ...(this.rmnetFlags ? { flags: this.rmnetFlags } : {}) });
        this.created.push(link);
        return;
      }
      case 'delete-link': return this.backends[action.backend].delete(action.parent, action.muxId);
      case 'set-mux-link-up': {
        const link = await this.muxLink(action.backend, action.parent, action.muxId);
        return this.netlink.setLinkUp(link.ifindex ?? link.name, action.up);
      }
    }
  }
}
