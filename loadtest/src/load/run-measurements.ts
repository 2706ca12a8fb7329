/** What a finished (or running) load run hands to thresholds and reports. */
import type { LatencyHistogram } from "../stats/latency-histogram.ts";
import type { OpenModelCounts } from "./open-model.ts";
import type { RunRecorder } from "./run-recorder.ts";

export interface OpenMeasurements {
  readonly counts: OpenModelCounts;
  readonly lateness: LatencyHistogram;
}

export interface RunMeasurements {
  readonly recorder: RunRecorder;
  /** Seconds from the start of the run to now (or to the stop). */
  readonly durationS: number;
  /** Present for the open model. */
  readonly open: OpenMeasurements | undefined;
}
