export { LINKTYPE_RAW, LINKTYPE_USER0, PcapngWriter, type PcapngInterface } from './pcapng.js';
export { CaptureSummaryAccumulator, type CaptureSummary, type Distribution } from './summary.js';
export { CaptureLoop, NO_MUX, type CaptureLoopOptions, type CaptureResult, type CaptureSocketCounters } from './capture.js';
export { decideCaptureFormat, describeCaptureFormat, QMAP_OPTION_VALUES, type CaptureFormat, type CaptureFormatFacts, type QmapOption } from './format.js';
