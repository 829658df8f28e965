/**
 * The emulated EC25 as a USB device: answers URBs on endpoint 0 (standard requests and the CDC encapsulated
 * QMI commands), holds interrupt-IN and bulk-IN URBs until there is something to return, and hands bulk-OUT
 * data to the data plane. Transport-neutral: it is given a `reply` function for RET_SUBMIT/RET_UNLINK bytes.
 *
 * QMI over USB (what cdc-wdm does with it):
 *   - write(2) on /dev/cdc-wdmN  -> SEND_ENCAPSULATED_COMMAND (21 00) carrying one whole QMUX frame;
 *   - the device queues its answer and completes a pending interrupt-IN URB with RESPONSE_AVAILABLE (a1 01);
 *   - cdc-wdm fetches it with GET_ENCAPSULATED_RESPONSE (a1 01), one response per notification.
 */
import {
  BULK_MAX_PACKET,
  ENDPOINT_BULK_IN,
  ENDPOINT_BULK_OUT,
  ENDPOINT_INTERRUPT_IN,
  configurationDescriptor,
  defaultDescriptorOptions,
  deviceDescriptor,
  stringDescriptor,
  type DescriptorOptions,
} from './descriptors.js';
import { Errno, USBIP_DIR_IN, encodeRetSubmit, encodeRetUnlink, type SubmitCommand, type UnlinkCommand } from './protocol.js';

const CDC_SEND_ENCAPSULATED_COMMAND = 0x00;
const CDC_GET_ENCAPSULATED_RESPONSE = 0x01;
const CDC_SET_CONTROL_LINE_STATE = 0x22;
const CDC_NOTIFY_RESPONSE_AVAILABLE = 0x01;

/** What the data plane sees of the bulk endpoints. */
export interface BulkStatistics {
  /** bulk-OUT transfers received from the host (one per usbnet tx skb). */
  outTransfers: number;
  outBytes: number;
  /** bulk-IN transfers completed with data. */
  inTransfers: number;
  inBytes: number;
  /** bulk-IN transfers larger than the URB the host posted: completed with -EOVERFLOW, nothing delivered. */
  inOverflows: number;
  /** the size of the last URB an overflowing transfer met, to show which receive size was in force. */
  lastOverflowUrbLength: number;
  /** transfers dropped because the host posted no URB and the backlog was full. */
  inBacklogDrops: number;
  /** the buffer length of the most recent bulk-IN URB (usbnet's rx_urb_size). */
  lastInUrbLength: number;
  pendingInUrbs: number;
}

export interface UsbQmiDeviceOptions {
  descriptors?: Partial<DescriptorOptions>;
  /** a QMUX frame written by the host (SEND_ENCAPSULATED_COMMAND). */
  onQmiRequest: (frame: Uint8Array) => void;
  /** a bulk-OUT transfer (raw IP packet, QMAP frame(s) or Ethernet frame, as the kernel sent it). */
  onBulkOut: (transfer: Uint8Array) => void;
  /** DL transfers kept while the host has no bulk-IN URB posted (interface down, URBs being resubmitted). */
  bulkInBacklog?: number;
  log?: (message: string) => void;
}

interface PendingUrb {
  seqnum: number;
  bufferLength: number;
}

export class UsbQmiDevice {
  private readonly descriptors: DescriptorOptions;
  private readonly pendingInterrupt: PendingUrb[] = [];
  private readonly pendingBulkIn: PendingUrb[] = [];
  private readonly qmiResponses: Uint8Array[] = [];
  /** a RESPONSE_AVAILABLE should go out on the next interrupt-IN URB */
  private notifyPending = false;
  /** a RESPONSE_AVAILABLE went out and no GET_ENCAPSULATED_RESPONSE followed yet */
  private awaitingGet = false;
  /** seqnums of interrupt-IN URBs completed lately: vhci's CMD_UNLINK carries no endpoint */
  private readonly completedInterrupt: number[] = [];
  private renotifyTimer: NodeJS.Timeout | undefined;
  private readonly bulkInBacklog: Uint8Array[] = [];
  private reply: ((bytes: Buffer) => void) | undefined;
  private configuration = 0;
  /** SET_CONTROL_LINE_STATE value (bit 0 DTR): qmi_wwan raises DTR on bind for this device (quirk). */
  controlLineState = 0;
  readonly stats: BulkStatistics = {
    outTransfers: 0,
    outBytes: 0,
    inTransfers: 0,
    inBytes: 0,
    inOverflows: 0,
    lastOverflowUrbLength: 0,
    inBacklogDrops: 0,
    lastInUrbLength: 0,
    pendingInUrbs: 0,
  };
  readonly qmiStats = { requests: 0, responses: 0, notifications: 0, emptyResponses: 0, renotified: 0 };

  constructor(private readonly options: UsbQmiDeviceOptions) {
    this.descriptors = { ...defaultDescriptorOptions, ...options.descriptors };
  }

  get interfaceNumber(): number {
    return this.descriptors.interfaceNumber;
  }

  get descriptorOptions(): DescriptorOptions {
    return { ...this.descriptors };
  }

  /** Connects the device to a transport (after OP_REP_IMPORT). Pending state from an earlier host is dropped. */
  connect(reply: (bytes: Buffer) => void): void {
    this.reply = reply;
    this.pendingInterrupt.length = 0;
    this.pendingBulkIn.length = 0;
  }

  disconnect(): void {
    this.reply = undefined;
    this.pendingInterrupt.length = 0;
    this.pendingBulkIn.length = 0;
    this.stats.pendingInUrbs = 0;
  }

  get connected(): boolean {
    return this.reply !== undefined;
  }

  /** A QMUX frame from the modem (response or indication): queue it and tell the host it is there. */
  queueQmiResponse(frame: Uint8Array): void {
    this.qmiResponses.push(frame);
    if (!this.awaitingGet) this.notifyPending = true;
    this.flushNotifications();
  }

  /**
   * Offers one DL transfer to the host. Returns what happened: 'delivered' into a posted URB, 'overflow'
   * when the URB was smaller than the transfer (completed with -EOVERFLOW like a host controller, the data
   * is lost whole), 'queued' when no URB is posted yet, 'dropped' when the backlog is full.
   */
  sendBulkIn(transfer: Uint8Array): 'delivered' | 'overflow' | 'queued' | 'dropped' {
    const urb = this.pendingBulkIn.shift();
    if (!urb) {
      if (this.bulkInBacklog.length >= (this.options.bulkInBacklog ?? 512)) {
        this.stats.inBacklogDrops++;
        return 'dropped';
      }
      this.bulkInBacklog.push(transfer);
      return 'queued';
    }
    this.stats.pendingInUrbs = this.pendingBulkIn.length;
    return this.completeBulkIn(urb, transfer);
  }

  private completeBulkIn(urb: PendingUrb, transfer: Uint8Array): 'delivered' | 'overflow' {
    if (transfer.length > urb.bufferLength) {
      this.stats.inOverflows++;
      this.stats.lastOverflowUrbLength = urb.bufferLength;
      this.send(encodeRetSubmit(urb.seqnum, -Errno.EOVERFLOW, undefined, 0));
      return 'overflow';
    }
    this.stats.inTransfers++;
    this.stats.inBytes += transfer.length;
    this.send(encodeRetSubmit(urb.seqnum, 0, transfer, transfer.length));
    return 'delivered';
  }

  handleSubmit(command: SubmitCommand): void {
    const endpointAddress = command.endpoint | (command.direction === USBIP_DIR_IN ? 0x80 : 0);
    if (command.endpoint === 0) {
      this.handleControl(command);
    } else if (endpointAddress === ENDPOINT_INTERRUPT_IN) {
      this.pendingInterrupt.push({ seqnum: command.seqnum, bufferLength: command.bufferLength });
      this.flushNotifications();
    } else if (endpointAddress === ENDPOINT_BULK_IN) {
      this.stats.lastInUrbLength = command.bufferLength;
      const backlog = this.bulkInBacklog.shift();
      if (backlog) this.completeBulkIn({ seqnum: command.seqnum, bufferLength: command.bufferLength }, backlog);
      else this.pendingBulkIn.push({ seqnum: command.seqnum, bufferLength: command.bufferLength });
      this.stats.pendingInUrbs = this.pendingBulkIn.length;
    } else if (endpointAddress === ENDPOINT_BULK_OUT) {
      this.stats.outTransfers++;
      this.stats.outBytes += command.data.length;
      this.send(encodeRetSubmit(command.seqnum, 0, undefined, command.data.length));
      this.options.onBulkOut(command.data);
    } else {
      this.send(encodeRetSubmit(command.seqnum, -Errno.EPIPE, undefined, 0));
    }
  }

  handleUnlink(command: UnlinkCommand): void {
    for (const queue of [this.pendingInterrupt, this.pendingBulkIn]) {
      const index = queue.findIndex((urb) => urb.seqnum === command.unlinkSeqnum);
      if (index >= 0) {
        queue.splice(index, 1);
        if (queue === this.pendingInterrupt) this.hostForgotNotification();
        this.stats.pendingInUrbs = this.pendingBulkIn.length;
        this.send(encodeRetUnlink(command.seqnum, -Errno.ECONNRESET));
        return;
      }
    }
    // Already completed (its RET_SUBMIT is on the wire): status 0 tells vhci there was nothing to cancel.
    // If it was a notification, vhci drops our completion ("the urb was already given back").
    if (this.completedInterrupt.includes(command.unlinkSeqnum)) this.hostForgotNotification();
    this.send(encodeRetUnlink(command.seqnum, 0));
  }

  private send(bytes: Buffer): void {
    this.reply?.(bytes);
  }

  /**
   * cdc-wdm closing the port (poison_urbs) forgets a notification it has not fetched yet: signal again for what
   * is still queued once the port is opened again and an interrupt URB is posted.
   */
  private hostForgotNotification(): void {
    this.awaitingGet = false;
    if (this.qmiResponses.length > 0) this.notifyPending = true;
  }

  private flushNotifications(): void {
    if (this.notifyPending) {
      const urb = this.pendingInterrupt.shift();
      if (!urb) return;
      this.notifyPending = false;
      this.awaitingGet = true;
      this.qmiStats.notifications++;
      this.completedInterrupt.push(urb.seqnum);
      if (this.completedInterrupt.length > 16) this.completedInterrupt.shift();
      this.armRenotify();
      const notification = Uint8Array.from([0xa1, CDC_NOTIFY_RESPONSE_AVAILABLE, 0, 0, this.interfaceNumber, 0, 0, 0]);
      const data = notification.subarray(0, Math.min(notification.length, urb.bufferLength));
      this.send(encodeRetSubmit(urb.seqnum, 0, data, data.length));
    }
  }

  /**
   * A notification can still get lost in a race (vhci unlinking the URB while our completion is on the wire).
   * Like firmware that repeats RESPONSE_AVAILABLE, signal again if no GET came within a second.
   */
  private armRenotify(): void {
    if (this.renotifyTimer) clearTimeout(this.renotifyTimer);
    this.renotifyTimer = setTimeout(() => {
      this.renotifyTimer = undefined;
      if (this.awaitingGet && this.qmiResponses.length > 0 && this.connected) {
        this.qmiStats.renotified++;
        this.hostForgotNotification();
        this.flushNotifications();
      }
    }, 1000);
    this.renotifyTimer.unref();
  }

  private handleControl(command: SubmitCommand): void {
    const setup = command.setup;
    const requestType = setup[0] ?? 0;
    const request = setup[1] ?? 0;
    const value = (setup[2] ?? 0) | ((setup[3] ?? 0) << 8);
    const length = (setup[6] ?? 0) | ((setup[7] ?? 0) << 8);
    const ok = (data?: Uint8Array): void => {
      const sliced = data ? data.subarray(0, Math.min(data.length, length, command.bufferLength)) : undefined;
      this.send(encodeRetSubmit(command.seqnum, 0, sliced, sliced ? sliced.length : command.data.length));
    };
    const stall = (): void => {
      this.send(encodeRetSubmit(command.seqnum, -Errno.EPIPE, undefined, 0));
    };

    const type = requestType & 0x60;
    if (type === 0x00) {
      // standard requests
      switch (request) {
        case 0x06: {
          // GET_DESCRIPTOR
          const descriptorType = value >> 8;
          const index = value & 0xff;
          if (descriptorType === 1) return ok(deviceDescriptor());
          if (descriptorType === 2) return ok(configurationDescriptor(this.descriptors));
          if (descriptorType === 3) {
            const text = stringDescriptor(index, this.descriptors);
            return text ? ok(text) : stall();
          }
          return stall(); // device qualifier, BOS, ...: a USB 2.0 device without them stalls
        }
        case 0x00: // GET_STATUS
          return ok(Uint8Array.from([0, 0]));
        case 0x08: // GET_CONFIGURATION
          return ok(Uint8Array.from([this.configuration]));
        case 0x0a: // GET_INTERFACE
          return ok(Uint8Array.from([0]));
        case 0x09: // SET_CONFIGURATION
          this.configuration = value;
          return ok();
        case 0x01: // CLEAR_FEATURE (endpoint halt)
        case 0x03: // SET_FEATURE
        case 0x0b: // SET_INTERFACE
          return ok();
        default:
          return stall();
      }
    }
    if (type === 0x20) {
      // class requests to the interface (CDC)
      if (requestType === 0x21 && request === CDC_SEND_ENCAPSULATED_COMMAND) {
        this.qmiStats.requests++;
        ok();
        this.options.onQmiRequest(command.data);
        return;
      }
      if (requestType === 0xa1 && request === CDC_GET_ENCAPSULATED_RESPONSE) {
        const response = this.qmiResponses.shift();
        if (!response) this.qmiStats.emptyResponses++;
        else this.qmiStats.responses++;
        ok(response ?? new Uint8Array(0));
        // One response per GET; keep signalling while more are queued (like firmware does).
        this.awaitingGet = false;
        if (this.qmiResponses.length > 0) {
          this.notifyPending = true;
          this.flushNotifications();
        }
        return;
      }
      if (requestType === 0x21 && request === CDC_SET_CONTROL_LINE_STATE) {
        this.controlLineState = value;
        return ok();
      }
      return ok();
    }
    this.options.log?.(`stall vendor request ${requestType.toString(16)}/${request.toString(16)}`);
    return stall();
  }
}

export { BULK_MAX_PACKET };
