/**
 * One point per second of the run for the HTML charts: users, requests and failures per second,
 * and latency percentiles of the responses that completed in that second (not a moving window).
 */
import { LatencyHistogram } from "./latency-histogram.ts";

export interface SeriesPoint {
  /** Seconds since the start of the run. */
  readonly t: number;
  readonly users: number;
  readonly rps: number;
  readonly failuresPerS: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export class TimeSeries {
  readonly points: SeriesPoint[] = [];
  private readonly interval = new LatencyHistogram();
  private requests = 0;
  private failures = 0;
  private lastTickAt: number;

  constructor(startedAt: number) {
    this.lastTickAt = startedAt;
  }

  record(latencyMs: number, failed: boolean): void {
    this.interval.record(latencyMs);
    this.requests += 1;
    if (failed) this.failures += 1;
  }

  /** Closes the last, partial interval at the end of a run, unless it is too short to mean anything. */
  finish(at: number, startedAt: number, users: number): void {
    if (at - this.lastTickAt >= 500) this.tick(at, startedAt, users);
  }

  /** Closes the interval that ends at `at` (performance.now() ms) and starts the next. */
  tick(at: number, startedAt: number, users: number): SeriesPoint {
    const seconds = Math.max((at - this.lastTickAt) / 1000, 1e-3);
    const point: SeriesPoint = {
      t: Math.round((at - startedAt) / 100) / 10,
      users,
      rps: this.requests / seconds,
      failuresPerS: this.failures / seconds,
      p50: this.interval.percentile(50),
      p95: this.interval.percentile(95),
      p99: this.interval.percentile(99),
    };
    this.points.push(point);
    this.interval.reset();
    this.requests = 0;
    this.failures = 0;
    this.lastTickAt = at;
    return point;
  }
}
