/**
 * Locust's response-time arithmetic (locust/stats.py), reproduced exactly so that medians and
 * percentiles in our CSVs equal the ones Locust would print for the same samples.
 */
import { pyFloatRepr, pyRound } from "../report/python-format.ts";

/** `{bucketed response time (ms) → count}`, Locust's `StatsEntry.response_times`. */
export type ResponseTimeCounts = Map<number, number>;

/** Locust's `PERCENTILES_TO_REPORT`. */
export const LOCUST_PERCENTILES: readonly number[] = [0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0];

/** `bucket_response_time`: about two significant digits (147 → 150, 3432 → 3400). */
export function bucketResponseTime(ms: number): number {
  if (ms < 100) return pyRound(ms);
  if (ms < 1000) return pyRound(ms, -1);
  if (ms < 10_000) return pyRound(ms, -2);
  return pyRound(ms, -3);
}

/** `calculate_response_time_percentile`: walks the buckets from the slowest down. */
export function responseTimePercentile(counts: ResponseTimeCounts, numRequests: number, percent: number): number {
  const wanted = Math.trunc(numRequests * percent);
  let processed = 0;
  for (const time of [...counts.keys()].sort((a, b) => b - a)) {
    processed += counts.get(time) ?? 0;
    if (numRequests - processed <= wanted) return time;
  }
  return 0;
}

/** `median_from_dict`. */
export function medianFromCounts(total: number, counts: ResponseTimeCounts): number {
  let position = (total - 1) / 2;
  let last = 0;
  for (const time of [...counts.keys()].sort((a, b) => a - b)) {
    const count = counts.get(time) ?? 0;
    if (position < count) return time;
    position -= count;
    last = time;
  }
  return last;
}

/** `diff_response_time_dicts`: the samples added since `old`. */
export function diffCounts(latest: ResponseTimeCounts, old: ResponseTimeCounts): ResponseTimeCounts {
  const diff: ResponseTimeCounts = new Map();
  for (const [time, count] of latest) {
    const delta = count - (old.get(time) ?? 0);
    if (delta !== 0) diff.set(time, delta);
  }
  return diff;
}

/** `get_readable_percentiles`: 0.5 → "50%", 0.999 → "99.9%". */
export function readablePercentile(percent: number): string {
  const scaled = percent * 100;
  return Number.isInteger(scaled) ? `${scaled}%` : `${pyFloatRepr(pyRound(100 * percent, 6))}%`;
}
