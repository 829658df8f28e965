// rtnetlink messages described as data: fixed headers (ifinfomsg, ifaddrmsg, rtmsg, ndmsg) and attribute
// tables (IFLA_*, IFLA_INFO_*, IFLA_RMNET_*, IFA_*, RTA_*, NDA_*). Names are ours; numbers are the kernel's.
import type { AttrSchema, StructSpec } from './codec.js';
import * as C from './constants.js';

export const ifinfomsg: StructSpec = [
  ['family', 'u8'],
  ['pad', 'pad8'],
  ['type', 'u16'],
  ['index', 's32'],
  ['flags', 'u32'],
  ['change', 'u32'],
];

export const ifaddrmsg: StructSpec = [
  ['family', 'u8'],
  ['prefixLength', 'u8'],
  ['flags', 'u8'],
  ['scope', 'u8'],
  ['index', 'u32'],
];

export const rtmsg: StructSpec = [
  ['family', 'u8'],
  ['dstLength', 'u8'],
  ['srcLength', 'u8'],
  ['tos', 'u8'],
  ['table', 'u8'],
  ['protocol', 'u8'],
  ['scope', 'u8'],
  ['type', 'u8'],
  ['flags', 'u32'],
];

/** struct ndmsg: 12 bytes, three of them padding (ndm_pad1 u8, ndm_pad2 u16). */
export const ndmsg: StructSpec = [
  ['family', 'u8'],
  ['pad1', 'pad8'],
  ['pad2', 'pad16'],
  ['index', 's32'],
  ['state', 'u16'],
  ['flags', 'u8'],
  ['type', 'u8'],
];

/** struct rtnl_link_stats64: fields were added over time (rx_nohandler 4.6, rx_otherhost_dropped 5.19). */
export const linkStats64: StructSpec = [
  'rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped',
  'multicast', 'collisions', 'rxLengthErrors', 'rxOverErrors', 'rxCrcErrors', 'rxFrameErrors',
  'rxFifoErrors', 'rxMissedErrors', 'txAbortedErrors', 'txCarrierErrors', 'txFifoErrors',
  'txHeartbeatErrors', 'txWindowErrors', 'rxCompressed', 'txCompressed', 'rxNohandler', 'rxOtherhostDropped',
].map((name) => [name, 'u64'] as const);

/** struct ifla_rmnet_flags { __u32 flags; __u32 mask; } */
export const rmnetFlags: StructSpec = [
  ['flags', 'u32'],
  ['mask', 'u32'],
];

export const rmnetData: AttrSchema = {
  [C.IFLA_RMNET_MUX_ID]: { name: 'muxId', type: 'u16' },
  [C.IFLA_RMNET_FLAGS]: { name: 'flags', type: 'struct', struct: rmnetFlags },
};

/** IFLA_INFO_DATA schemas by link kind; other kinds keep their data as raw bytes. */
export const infoDataByKind: Readonly<Record<string, AttrSchema>> = {
  rmnet: rmnetData,
};

export const linkInfo: AttrSchema = {
  [C.IFLA_INFO_KIND]: { name: 'kind', type: 'string' },
  // Decoded per kind by link.ts (the schema depends on the sibling IFLA_INFO_KIND).
  [C.IFLA_INFO_DATA]: { name: 'data', type: 'binary' },
  [C.IFLA_INFO_XSTATS]: { name: 'xstats', type: 'binary' },
  [C.IFLA_INFO_SLAVE_KIND]: { name: 'slaveKind', type: 'string' },
  [C.IFLA_INFO_SLAVE_DATA]: { name: 'slaveData', type: 'binary' },
};

export const link: AttrSchema = {
  [C.IFLA_ADDRESS]: { name: 'address', type: 'address' },
  [C.IFLA_BROADCAST]: { name: 'broadcast', type: 'address' },
  [C.IFLA_IFNAME]: { name: 'ifname', type: 'string' },
  [C.IFLA_MTU]: { name: 'mtu', type: 'u32' },
  [C.IFLA_LINK]: { name: 'link', type: 'u32' },
  [C.IFLA_QDISC]: { name: 'qdisc', type: 'string' },
  [C.IFLA_MASTER]: { name: 'master', type: 'u32' },
  [C.IFLA_TXQLEN]: { name: 'txqlen', type: 'u32' },
  [C.IFLA_OPERSTATE]: { name: 'operstate', type: 'u8' },
  [C.IFLA_LINKMODE]: { name: 'linkmode', type: 'u8' },
  [C.IFLA_LINKINFO]: { name: 'linkinfo', type: 'nested', schema: linkInfo },
  [C.IFLA_IFALIAS]: { name: 'ifalias', type: 'string' },
  [C.IFLA_STATS64]: { name: 'stats64', type: 'struct', struct: linkStats64, partial: true },
  [C.IFLA_GROUP]: { name: 'group', type: 'u32' },
  [C.IFLA_EXT_MASK]: { name: 'extMask', type: 'u32' },
  [C.IFLA_PROMISCUITY]: { name: 'promiscuity', type: 'u32' },
  [C.IFLA_NUM_TX_QUEUES]: { name: 'numTxQueues', type: 'u32' },
  [C.IFLA_NUM_RX_QUEUES]: { name: 'numRxQueues', type: 'u32' },
  [C.IFLA_CARRIER]: { name: 'carrier', type: 'u8' },
  [C.IFLA_CARRIER_CHANGES]: { name: 'carrierChanges', type: 'u32' },
  [C.IFLA_LINK_NETNSID]: { name: 'linkNetnsid', type: 's32' },
  [C.IFLA_GSO_MAX_SEGS]: { name: 'gsoMaxSegs', type: 'u32' },
  [C.IFLA_GSO_MAX_SIZE]: { name: 'gsoMaxSize', type: 'u32' },
  [C.IFLA_MIN_MTU]: { name: 'minMtu', type: 'u32' },
  [C.IFLA_MAX_MTU]: { name: 'maxMtu', type: 'u32' },
  [C.IFLA_PERM_ADDRESS]: { name: 'permAddress', type: 'address' },
  [C.IFLA_PARENT_DEV_NAME]: { name: 'parentDevName', type: 'string' },
  [C.IFLA_PARENT_DEV_BUS_NAME]: { name: 'parentDevBusName', type: 'string' },
};

export const address: AttrSchema = {
  [C.IFA_ADDRESS]: { name: 'address', type: 'address' },
  [C.IFA_LOCAL]: { name: 'local', type: 'address' },
  [C.IFA_LABEL]: { name: 'label', type: 'string' },
  [C.IFA_BROADCAST]: { name: 'broadcast', type: 'address' },
  [C.IFA_CACHEINFO]: { name: 'cacheinfo', type: 'binary' },
  [C.IFA_FLAGS]: { name: 'flags', type: 'u32' },
};

export const route: AttrSchema = {
  [C.RTA_DST]: { name: 'dst', type: 'address' },
  [C.RTA_SRC]: { name: 'src', type: 'address' },
  [C.RTA_IIF]: { name: 'iif', type: 'u32' },
  [C.RTA_OIF]: { name: 'oif', type: 'u32' },
  [C.RTA_GATEWAY]: { name: 'gateway', type: 'address' },
  [C.RTA_PRIORITY]: { name: 'priority', type: 'u32' },
  [C.RTA_PREFSRC]: { name: 'prefsrc', type: 'address' },
  [C.RTA_METRICS]: { name: 'metrics', type: 'binary' },
  // A run of struct rtnexthop, each followed by its own attributes: route.ts walks it (decodeNexthops).
  [C.RTA_MULTIPATH]: { name: 'multipath', type: 'binary' },
  [C.RTA_CACHEINFO]: { name: 'cacheinfo', type: 'binary' },
  [C.RTA_TABLE]: { name: 'table', type: 'u32' },
  [C.RTA_PREF]: { name: 'pref', type: 'u8' },
};

/** The attributes after one struct rtnexthop inside RTA_MULTIPATH. */
export const nexthop: AttrSchema = {
  [C.RTA_GATEWAY]: { name: 'gateway', type: 'address' },
};

/** struct nda_cacheinfo: ages in clock ticks (USER_HZ) and a reference count. */
export const ndaCacheinfo: StructSpec = [
  ['confirmed', 'u32'],
  ['used', 'u32'],
  ['updated', 'u32'],
  ['refcnt', 'u32'],
];

export const neighbour: AttrSchema = {
  [C.NDA_DST]: { name: 'dst', type: 'address' },
  [C.NDA_LLADDR]: { name: 'lladdr', type: 'address' },
  [C.NDA_CACHEINFO]: { name: 'cacheinfo', type: 'struct', struct: ndaCacheinfo },
  [C.NDA_PROBES]: { name: 'probes', type: 'u32' },
  [C.NDA_VLAN]: { name: 'vlan', type: 'u16' },
  [C.NDA_IFINDEX]: { name: 'ifindex', type: 'u32' },
  [C.NDA_MASTER]: { name: 'master', type: 'u32' },
  [C.NDA_PROTOCOL]: { name: 'protocol', type: 'u8' },
  [C.NDA_FLAGS_EXT]: { name: 'flagsExt', type: 'u32' },
};
