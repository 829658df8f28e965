// Runs a plan against the kernel on the caller's undo stack(s): each step's undo is registered before
// the step runs, and the abort signal is checked between steps. Nothing is rolled back here: the caller
// owns the stacks and rolls back (executeWithRollback does it for a plan on its own). The failed step
// itself is not undone: kernel operations are atomic, and undoing a refused create (EEXIST, mux id
// taken) would delete somebody else's link.
import { Category, RmnetError } from '../errors.js';
import { interrupted } from '../interrupt.js';
import type { Netlink } from '../netlink/rtnl.js';
import { setPassThrough, setRawIp } from '../sysfs/qmi-wwan.js';
import type { Sysfs } from '../sysfs/sysfs.js';
import { UndoStack } from '../undo.js';
import type { BackendKind, LinkBackend, MuxLink } from './backend.js';
import { describeAction, type Action, type Plan, type Step } from './plan.js';
import { QmimuxBackend } from './qmimux.js';
import { RmnetBackend } from './rmnet.js';

/** What a plan needs from the kernel; the lab and tests substitute their own. */
export interface DatapathKernel {
  apply(action: Action): Promise<void>;
}

export interface ExecuteOptions {
  /** Where each step's undo goes: one stack, or a stack per step (a link's undo to its PDN). */
  undo: UndoStack | ((step: Step) => UndoStack);
  /** Checked before every step: once aborted, the next step is not started (INTERRUPTED). */
  signal?: AbortSignal | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface ExecuteResult {
  applied: Step[];
}

export async function executePlan(plan: Plan, kernel: DatapathKernel, options: ExecuteOptions): Promise<ExecuteResult> {
  const log = options.log ?? (() => {});
  const stackOf = typeof options.undo === 'function' ? options.undo : () => options.undo as UndoStack;
  const done: Step[] = [];
  // Steps are numbered as the user sees them: restore points (op 'none') do nothing now and are not counted.
  const total = plan.steps.filter((s) => s.action.op !== 'none').length;
  let shown = 0;
  for (const step of plan.steps) {
    if (options.signal?.aborted) throw interrupted();
    const undoAction = step.undo && step.undo.op !== 'none' ? step.undo : null;
    const undo = undoAction
      ? () => {
          log(`undo: ${describeAction(undoAction)}`);
          return kernel.apply(undoAction);
        }
      : () => {};
    // A restore point (op 'none'): nothing to do now, its undo runs on rollback.
    if (step.action.op !== 'none') log(`step ${++shown}/${total}: ${describeAction(step.action)} (${step.why})`);
    const run = step.action.op === 'none' ? async () => {} : () => kernel.apply(step.action);
    try {
      if (undoAction) await stackOf(step).step(describeAction(undoAction), undo, run, { atomic: true });
      else await run();
    } catch (error) {
      const original = error instanceof RmnetError ? error : new RmnetError('KERNEL_STEP_FAILED', error instanceof Error ? error.message : String(error), Category.kernel);
      throw new RmnetError(
        original.code,
        `${original.message} [at step ${shown}/${total}: ${describeAction(step.action)}]`,
        original.category,
        { ...original.details, failedStep: shown, failedAction: describeAction(step.action) },
        { cause: error },
      );
    }
    done.push(step);
  }
  return { applied: done };
}

/**
 * A plan on its own stack: when step k fails (or the signal aborts), the undos of steps k-1..1 run in
 * reverse and the error says which step failed and whether the rollback was complete.
 */
export async function executeWithRollback(plan: Plan, kernel: DatapathKernel, options: Omit<ExecuteOptions, 'undo'> = {}): Promise<ExecuteResult> {
  const undo = new UndoStack();
  try {
    const result = await executePlan(plan, kernel, { ...options, undo });
    undo.commit();
    return result;
  } catch (error) {
    const count = undo.size;
    const failures = await undo.rollback();
    const rollbackErrors = failures.map((f) => `${f.step}: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
    const original = error instanceof RmnetError ? error : new RmnetError('KERNEL_STEP_FAILED', String(error), Category.kernel);
    const rollback = rollbackErrors.length === 0 ? `rolled back ${count} step(s)` : `ROLLBACK INCOMPLETE: ${rollbackErrors.join('; ')}`;
    const message = original.message.endsWith(']') ? `${original.message.slice(0, -1)}; ${rollback}]` : `${original.message} [${rollback}]`;
    throw new RmnetError(original.code, message, rollbackErrors.length === 0 ? original.category : Category.kernel, { ...original.details, rolledBack: count, rollbackErrors }, { cause: original.cause ?? error });
  }
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
