// WDA enum tables, named as libqmi prints them (libqmi 1.32).
import type { EnumTable } from '../qmi/schema.js';

export const LINK_LAYER: EnumTable = { 1: '802-3', 2: 'raw-ip' };
export type LinkLayer = '802-3' | 'raw-ip';

/** WDA data aggregation protocols. */
export const AGGREGATION_PROTOCOL: EnumTable = {
  0: 'disabled',
  1: 'tlp',
  2: 'qc-ncm',
  3: 'mbim',
  4: 'rndis',
  5: 'qmap',
  6: 'qmapv2',
  7: 'qmapv3',
  8: 'qmapv4',
  9: 'qmapv5',
};
export type AggregationProtocol = 'disabled' | 'qmap' | 'qmapv4' | 'qmapv5' | string;
