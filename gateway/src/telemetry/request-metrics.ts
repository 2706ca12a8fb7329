/**
 * The request observer that turns each finished request's RequestRecord into metrics: requests
 * by route/model group/status class, errors by type, overhead (the header's value), the GenAI
 * server histograms, tokens, cost, retries and fallbacks, and cached tokens on cache hits.
 * Upstream attempts are recorded as they end (`recordAttempt`, called by the pipeline), since a
 * request may make several. Everything here is a few Map lookups and additions.
 */
import { statusClass } from "../errors.ts";
import type { ErrorCode } from "../errors.ts";
import type { Operation } from "../providers/openai-types.ts";
import type { RequestObserver, RequestRecord } from "../request-state.ts";
import type { Deployment } from "../router/deployments.ts";
import type { PharosMetrics } from "./metrics.ts";

const MS_PER_S = 1000;

export function recordRequest(metrics: PharosMetrics, record: RequestRecord): void {
  const i = metrics.i;
  const group = metrics.group(record.group);
  const status = statusClass(record.status);
  const error = record.errorCode ?? "";
  i.requests.add(1, record.route, group, status);
  i.overhead.record(record.overheadMs / MS_PER_S, record.route, group);
  if (record.errorCode !== undefined) i.errors.add(1, record.route, group, record.errorCode);
  const op = record.op;
  if (op === undefined) return; // not a proxied request
  const deployment = record.deployment;
  const provider = deployment === undefined ? "" : deployment.adapter.otelName;
  const deploymentId = deployment === undefined ? "" : deployment.id;
  i.requestDuration.record(record.durationMs / MS_PER_S, op, group, provider, deploymentId, error);
  const ttft = record.timeToFirstChunkMs;
  const usage = record.usage;
  if (ttft !== undefined) {
    i.timeToFirstToken.record(ttft / MS_PER_S, op, group, provider, deploymentId);
    // A cache hit replays stored chunks at once (≈ 0 s per token): not the model's speed.
    const output = usage?.completion_tokens ?? 0;
    if (output > 1 && record.errorCode === undefined && record.cacheResult !== "hit") i.timePerOutputToken.record((record.durationMs - ttft) / MS_PER_S / (output - 1), op, group, provider, deploymentId);
  }
  if (usage !== undefined) {
    if (record.cacheResult === "hit") {
      if (usage.prompt_tokens > 0) i.cachedTokens.add(usage.prompt_tokens, group, "input");
      if (usage.completion_tokens > 0) i.cachedTokens.add(usage.completion_tokens, group, "output");
    } else {
      i.tokenUsage.record(usage.prompt_tokens, op, group, provider, deploymentId, "input");
      i.tokenUsage.record(usage.completion_tokens, op, group, provider, deploymentId, "output");
    }
  }
  if (record.costUsd > 0) i.cost.add(record.costUsd, group, deploymentId);
  if (record.attemptedRetries > 0) i.retries.add(record.attemptedRetries, group);
  if (record.attemptedFallbacks > 0) i.fallbacks.add(1, group, status === "2xx" ? "success" : "failure");
}

/** The RequestObserver for the app (request-context hands it every finished request). */
export function requestMetricsObserver(metrics: PharosMetrics): RequestObserver {
  return (record) => recordRequest(metrics, record);
}

/** One upstream attempt ended (success: `error` undefined); `ms` from sending to its last byte. */
export function recordAttempt(metrics: PharosMetrics, op: Operation, deployment: Deployment, ms: number, error: ErrorCode | undefined): void {
  metrics.i.operationDuration.record(ms / MS_PER_S, op, metrics.group(deployment.group), deployment.adapter.otelName, deployment.id, error ?? "");
}
