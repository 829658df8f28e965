// One LinkBackend interface, two implementations (qmimux over sysfs, rmnet over netlink). A backend
// creates, lists and deletes the mux links of one parent, and always reports mux ids from kernel truth
// (qmap/mux_id, IFLA_RMNET_MUX_ID), never from interface names.

export type BackendKind = 'qmimux' | 'rmnet';

export interface MuxLink {
  muxId: number;
  /** The link's interface name (qmimux0, rmnet_data1...). */
  name: string;
  backend: BackendKind;
  /** The real device it rides on (wwan0, mhi_hwip0). */
  parent: string;
  ifindex: number | null;
  up: boolean;
  mtu: number | null;
}

export interface CreateOptions {
  /** rmnet only: the interface name (default `<parent>.<muxId>`); qmimux names are the kernel's. */
  name?: string;
  /** rmnet only: IFLA_RMNET_FLAGS (data format: deaggregation, checksum offload). */
  flags?: { flags: number; mask: number };
}

export interface LinkBackend {
  readonly kind: BackendKind;
  /** This backend's links on `parent`, sorted by mux id. */
  list(parent: string): Promise<MuxLink[]>;
  /** This backend's links on every parent it can see. */
  listAll(): Promise<MuxLink[]>;
  /** Creates the link for `muxId` on `parent` (refused unless checkMuxIdFree says it is free) and returns it as the kernel reports it. */
  create(parent: string, muxId: number, options?: CreateOptions): Promise<MuxLink>;
  /** Deletes the link of `muxId` on `parent`. */
  delete(parent: string, muxId: number): Promise<void>;
}
