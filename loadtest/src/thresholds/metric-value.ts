/** The value of a threshold metric in a run's measurements (undefined: no data). */
import type { RunMeasurements } from "../load/run-measurements.ts";
import type { LatencyHistogram } from "../stats/latency-histogram.ts";
import type { LatencySource, LatencyStat, MetricRef, ScalarName } from "./threshold.ts";

function histogramOf(source: LatencySource, run: RunMeasurements): LatencyHistogram {
  const { recorder } = run;
  switch (source) {
    case "latency":
      return run.open === undefined ? recorder.latency : recorder.intendedLatency;
    case "uncorrected":
      return recorder.latency;
    case "overhead":
      return recorder.overhead;
    case "ttft":
      return recorder.ttft;
    case "itl":
      return recorder.interTokenLatency;
    case "tpot":
      return recorder.timePerOutputToken;
  }
}

function statOf(histogram: LatencyHistogram, stat: LatencyStat): number | undefined {
  if (histogram.count === 0) return undefined;
  if ("percentile" in stat) return histogram.percentile(stat.percentile);
  const summary = histogram.summary();
  return stat.named === "avg" ? summary.mean : summary[stat.named];
}

function scalarOf(name: ScalarName, run: RunMeasurements): number | undefined {
  const requests = run.recorder.requestCount;
  const failures = run.recorder.stats.total.numFailures;
  const open = run.open?.counts;
  switch (name) {
    case "fail_rate":
      return requests === 0 ? undefined : failures / requests;
    case "failures":
      return failures;
    case "requests":
      return requests;
    case "rps":
      return run.durationS > 0 ? requests / run.durationS : undefined;
    case "tokens_per_s":
      return run.recorder.outputTokens > 0 && run.durationS > 0 ? run.recorder.outputTokens / run.durationS : undefined;
    case "dropped":
      return open?.dropped;
    case "dropped_rate":
      return open === undefined || open.intended === 0 ? undefined : open.dropped / open.intended;
    case "late":
      return open?.late;
  }
}

export function metricValue(metric: MetricRef, run: RunMeasurements): number | undefined {
  return metric.kind === "scalar" ? scalarOf(metric.name, run) : statOf(histogramOf(metric.source, run), metric.stat);
}
