import type { Recorder } from '../harness.js';
import { aggregationScenario } from './aggregation.js';
import { attachScenario } from './attach.js';
import { libqmiScenario } from './libqmi.js';
import { qmimuxScenario } from './qmimux.js';
import { rmnetScenario } from './rmnet.js';

export type Scenario = (rec: Recorder, project: string) => Promise<void>;

/** Scenario names as the runner and test/lab use them. */
export const scenarios: Record<string, Scenario> = {
  attach: attachScenario,
  libqmi: libqmiScenario,
  qmimux: qmimuxScenario,
  aggregation: aggregationScenario,
  rmnet: rmnetScenario,
};
