export { LINKTYPE_RAW, LINKTYPE_USER0, PcapngWriter, type PcapngInterface } from './pcapng.js';
export { CaptureSummaryAccumulator, type CaptureSummary, type Distribution } from './summary.js';
