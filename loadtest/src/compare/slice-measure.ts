/** What one compare slice measured against one target. */
import type { LatencyHistogram } from "../stats/latency-histogram.ts";

export interface SliceMeasure {
  readonly requests: number;
  readonly failures: number;
  readonly durationS: number;
  readonly rps: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  /** p50 of x-litellm-overhead-duration-ms; undefined when the target does not send it. */
  readonly overheadP50: number | undefined;
}

export function sliceMeasure(latency: LatencyHistogram, overhead: LatencyHistogram, requests: number, failures: number, durationS: number): SliceMeasure {
  const summary = latency.summary();
  return {
    requests,
    failures,
    durationS,
    rps: durationS > 0 ? requests / durationS : 0,
    p50: summary.p50,
    p90: summary.p90,
    p99: summary.p99,
    mean: summary.mean,
    overheadP50: overhead.count > 0 ? overhead.percentile(50) : undefined,
  };
}
