/**
 * An HDR histogram of durations in milliseconds, stored in microseconds with 3 significant
 * digits (so sub-millisecond overheads keep their precision; autocannon's integer-ms histogram
 * cannot). Used for request latency, TTFT, inter-token latency and the gateway overhead.
 */
import { build } from "hdr-histogram-js";
import type { Histogram } from "hdr-histogram-js";

export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Percentiles drawn in the report's distribution charts. */
const CURVE_PERCENTILES = [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9, 99.99, 100];

export class LatencyHistogram {
  private readonly hdr: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
  private sumMs = 0;

  record(ms: number): void {
    const micros = Math.max(0, Math.round(ms * 1000));
    this.hdr.recordValue(micros);
    this.sumMs += micros / 1000;
  }

  add(other: LatencyHistogram): void {
    this.hdr.add(other.hdr);
    this.sumMs += other.sumMs;
  }

  reset(): void {
    this.hdr.reset();
    this.sumMs = 0;
  }

  get count(): number {
    return this.hdr.totalCount;
  }

  /** `percentile` from 0 to 100 (never above the maximum recorded); 0 when empty. */
  percentile(percentile: number): number {
    return this.count === 0 ? 0 : Math.min(this.hdr.getValueAtPercentile(percentile), this.hdr.maxValue) / 1000;
  }

  summary(): LatencySummary {
    if (this.count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    return {
      count: this.count,
      min: this.percentile(0),
      mean: this.sumMs / this.count,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p95: this.percentile(95),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.hdr.maxValue / 1000,
    };
  }

  /** [percentile, ms] points of the distribution, for charts. */
  curve(): Array<[number, number]> {
    return this.count === 0 ? [] : CURVE_PERCENTILES.map((p) => [p, this.percentile(p)]);
  }
}
