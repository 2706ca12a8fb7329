/**
 * The part of the final summary Locust does not have: HDR latency table (request latency, the
 * open model's corrected latency, gateway overhead, TTFT, inter-token latency, time per output
 * token), open-model counts, token throughput and the threshold verdicts.
 */
import type { LoadPlan } from "../cli/run-options.ts";
import { OVERHEAD_HEADER } from "../load/run-recorder.ts";
import type { RunMeasurements } from "../load/run-measurements.ts";
import { LATE_AFTER_MS } from "../load/open-model.ts";
import type { LatencyHistogram } from "../stats/latency-histogram.ts";
import { thresholdLines } from "../thresholds/threshold.ts";
import type { ThresholdResult } from "../thresholds/threshold.ts";

export function describePlan(plan: LoadPlan): string {
  if (plan.kind === "closed") return `closed model (Locust users): ${plan.users} users, spawn rate ${plan.spawnRate}/s`;
  return `open model: ${plan.rate} requests/s, ${plan.arrival} arrivals, at most ${plan.maxInFlight} in flight, drop after ${plan.maxLatenessMs} ms late`;
}

/** The rows of the latency table: label and histogram, only those with samples. */
export function latencyRows(run: RunMeasurements): Array<[string, LatencyHistogram]> {
  const { recorder } = run;
  const rows: Array<[string, LatencyHistogram]> = [[run.open === undefined ? "request" : "request (from actual send)", recorder.latency]];
  if (run.open !== undefined) rows.push(["request (from intended send)", recorder.intendedLatency]);
  rows.push(
    [`gateway overhead (${OVERHEAD_HEADER})`, recorder.overhead],
    ["time to first token", recorder.ttft],
    ["inter-token latency (content events)", recorder.interTokenLatency],
    ["time per output token", recorder.timePerOutputToken],
  );
  if (run.open !== undefined) rows.push(["send lateness", run.open.lateness]);
  return rows.filter(([, histogram]) => histogram.count > 0);
}

const num = (value: number): string => (value >= 100 ? value.toFixed(1) : value.toFixed(2)).padStart(9);

function latencyTable(run: RunMeasurements): string[] {
  const header = `${"Latency (ms, HDR)".padEnd(48)}${"count".padStart(9)}${["avg", "p50", "p90", "p95", "p99", "p99.9", "max"].map((h) => h.padStart(9)).join("")}`;
  const rows = latencyRows(run).map(([label, histogram]) => {
    const s = histogram.summary();
    return `${label.padEnd(48)}${String(s.count).padStart(9)}${[s.mean, s.p50, s.p90, s.p95, s.p99, s.p999, s.max].map(num).join("")}`;
  });
  return [header, "-".repeat(header.length), ...rows];
}

function openLines(run: RunMeasurements): string[] {
  if (run.open === undefined) return [];
  const { intended, sent, late, dropped } = run.open.counts;
  const share = intended === 0 ? 0 : (dropped / intended) * 100;
  return [`Open model: ${intended} intended, ${sent} sent, ${late} late (> ${LATE_AFTER_MS} ms), ${dropped} dropped (${share.toFixed(2)}%)`];
}

function tokenLines(run: RunMeasurements): string[] {
  const { recorder, durationS } = run;
  if (recorder.streamedResponses === 0) return [];
  const perSecond = durationS > 0 ? recorder.outputTokens / durationS : 0;
  return [`Streaming: ${recorder.streamedResponses} streamed responses, ${recorder.outputTokens} output tokens (usage), ${perSecond.toFixed(1)} output tokens/s`];
}

export function summaryLines(run: RunMeasurements, plan: LoadPlan, interrupted: number, thresholds: readonly ThresholdResult[]): string[] {
  const lines = ["", `Load: ${describePlan(plan)}; ${run.durationS.toFixed(1)} s`, ...latencyTable(run), ...openLines(run), ...tokenLines(run)];
  if (interrupted > 0) lines.push(`${interrupted} requests were still in flight at the stop and are not counted (raise -s/--stop-timeout to let them finish)`);
  if (thresholds.length > 0) lines.push("Thresholds:", ...thresholdLines(thresholds).map((line) => `  ${line}`));
  return lines;
}
