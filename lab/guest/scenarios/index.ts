import type { Recorder } from '../harness.js';
import { aggregationScenario } from './aggregation.js';
import { attachScenario } from './attach.js';
import { demoScenario } from './demo.js';
import { libqmiScenario } from './libqmi.js';
import { qmimuxScenario } from './qmimux.js';
import { rmnetScenario } from './rmnet.js';
import { sessionScenario } from './session.js';
import { sessionFailureScenario } from './session-failure.js';
import { sessionQmimuxScenario } from './session-qmimux.js';
import { sessionRunScenario } from './session-run.js';
import { benchKernelScenario } from './bench-kernel.js';
import { benchRmnetctlScenario } from './bench-rmnetctl.js';
import { benchBringupScenario } from './bench-bringup.js';
import { benchResetScenario } from './bench-reset.js';
import { kernelFactsScenario } from './kernel-facts.js';
import { recordSysfsScenario } from './record-sysfs.js';
import { mmConnectScenario } from './mm-connect.js';
import { mmCoexistScenario, mmRestartScenario } from './mm-coexist.js';
import { kernelContractScenario } from './kernel-contract.js';
import { firmwareProfilesScenario } from './firmware-profiles.js';
import { kernelCappedScenario } from './kernel-capped.js';
import { observabilityFaultsScenario, observabilityMmScenario, observabilityScenario } from './observability.js';
import { kernelDriftScenario } from './kernel-drift.js';
import { benchMmOnceScenario, benchMmScenario } from './bench-mm.js';
import { benchCaptureScenario } from './bench-capture.js';
import { mmRestartRunScenario } from './mm-restart-run.js';

export type Scenario = (rec: Recorder, project: string) => Promise<void>;

/** Scenario names as the runner and test/lab use them. */
export const scenarios: Record<string, Scenario> = {
  attach: attachScenario,
  libqmi: libqmiScenario,
  qmimux: qmimuxScenario,
  aggregation: aggregationScenario,
  rmnet: rmnetScenario,
  session: sessionScenario,
  'session-qmimux': sessionQmimuxScenario,
  'session-failure': sessionFailureScenario,
  'session-run': sessionRunScenario,
  demo: demoScenario,
  'bench-kernel': benchKernelScenario,
  'bench-rmnetctl': benchRmnetctlScenario,
  'bench-bringup': benchBringupScenario,
  'bench-reset': benchResetScenario,
  'kernel-facts': kernelFactsScenario,
  'record-sysfs': recordSysfsScenario,
  'mm-connect': mmConnectScenario,
  'mm-coexist': mmCoexistScenario,
  'mm-restart': mmRestartScenario,
  'kernel-contract': kernelContractScenario,
  'firmware-profiles': firmwareProfilesScenario,
  'kernel-capped': kernelCappedScenario,
  observability: observabilityScenario,
  'observability-faults': observabilityFaultsScenario,
  'observability-mm': observabilityMmScenario,
  'kernel-drift': kernelDriftScenario,
  'bench-mm': benchMmScenario,
  'bench-mm-once': benchMmOnceScenario,
  'bench-capture': benchCaptureScenario,
  'mm-restart-run': mmRestartRunScenario,
};
