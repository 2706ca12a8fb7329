/**
 * Everything one run measures, fed one request outcome at a time: Locust's statistics (for the
 * CSV/JSON/console outputs, including the scenario's custom header entries), HDR histograms of
 * request latency, the LLM stream metrics and the gateway overhead, and the per-second series.
 */
import { ExceptionLog } from "../stats/exception-log.ts";
import { LatencyHistogram } from "../stats/latency-histogram.ts";
import { RequestStats } from "../stats/locust-stats.ts";
import type { Clock } from "../stats/locust-stats.ts";
import { TimeSeries } from "../stats/time-series.ts";
import type { HeaderMetric } from "../scenario/scenario.ts";
import type { RequestOutcome } from "./request-outcome.ts";

/** The header every LiteLLM-compatible gateway sets; Pharos too. */
export const OVERHEAD_HEADER = "x-litellm-overhead-duration-ms";

export function headerNumber(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): number | undefined {
  const raw = headers[name];
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

export class RunRecorder {
  readonly stats: RequestStats;
  readonly exceptions = new ExceptionLog();
  /** Every request, from its actual send. */
  readonly latency = new LatencyHistogram();
  /** Open model only: every request, from its intended send time. */
  readonly intendedLatency = new LatencyHistogram();
  readonly overhead = new LatencyHistogram();
  readonly ttft = new LatencyHistogram();
  readonly interTokenLatency = new LatencyHistogram();
  /** Time per output token after the first: (latency − TTFT) / (tokens − 1). */
  readonly timePerOutputToken = new LatencyHistogram();
  readonly series: TimeSeries;
  readonly startedAt: number;
  outputTokens = 0;
  streamedResponses = 0;
  private readonly metrics: readonly HeaderMetric[];

  constructor(metrics: readonly HeaderMetric[], clock: Clock, startedAt = performance.now()) {
    this.metrics = metrics;
    this.stats = new RequestStats(clock);
    this.startedAt = startedAt;
    this.series = new TimeSeries(startedAt);
  }

  get requestCount(): number {
    return this.latency.count;
  }

  record(outcome: RequestOutcome): void {
    this.stats.logRequest(outcome.method, outcome.name, outcome.responseTimeMs, outcome.contentLength);
    if (outcome.error !== undefined) this.stats.logError(outcome.method, outcome.name, outcome.error);
    this.latency.record(outcome.responseTimeMs);
    if (outcome.intendedLatencyMs !== undefined) this.intendedLatency.record(outcome.intendedLatencyMs);
    this.series.record(outcome.intendedLatencyMs ?? outcome.responseTimeMs, outcome.error !== undefined);
    this.recordHeaders(outcome.headers);
    if (outcome.stream !== undefined && outcome.error === undefined) this.recordStream(outcome.responseTimeMs, outcome.stream);
  }

  private recordHeaders(headers: RequestOutcome["headers"]): void {
    const overhead = headerNumber(headers, OVERHEAD_HEADER);
    if (overhead !== undefined) this.overhead.record(overhead);
    for (const metric of this.metrics) {
      const value = headerNumber(headers, metric.header);
      if (value !== undefined) this.stats.logRequest(metric.type, metric.name, value, 0);
    }
  }

  private recordStream(latencyMs: number, stream: NonNullable<RequestOutcome["stream"]>): void {
    this.streamedResponses += 1;
    if (stream.ttftMs !== undefined) this.ttft.record(stream.ttftMs);
    for (const gap of stream.gapsMs) this.interTokenLatency.record(gap);
    if (stream.outputTokens === undefined) return;
    this.outputTokens += stream.outputTokens;
    if (stream.ttftMs !== undefined && stream.outputTokens > 1) this.timePerOutputToken.record((latencyMs - stream.ttftMs) / (stream.outputTokens - 1));
  }
}
