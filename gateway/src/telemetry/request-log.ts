/**
 * One JSON line per finished request, at INFO: call id, route, model group, deployment,
 * status, durations, tokens, cost, cache result, retries, error code and trace id. Never a key,
 * a prompt or a response. Health probes and scrapes log at DEBUG (they would drown the rest).
 * At ERROR level (LITELLM_MODE=PRODUCTION) the observer is not registered at all; failures are
 * still logged, with their cause, by the error boundary (and by the pipeline for a stream that
 * fails after its first chunk), so each error is logged in one place.
 */
import type { Logger } from "pino";
import type { RequestObserver, RequestRecord } from "../request-state.ts";

const QUIET_ROUTES: ReadonlySet<string> = new Set(["health", "metrics"]);

function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function requestLogLine(record: RequestRecord): Record<string, unknown> {
  const deployment = record.deployment;
  const line: Record<string, unknown> = {
    callId: record.callId,
    route: record.route,
    method: record.method,
    status: record.status,
    durationMs: ms(record.durationMs),
  };
  if (record.group !== undefined) line["group"] = record.group;
  if (deployment !== undefined) {
    line["deployment"] = deployment.id;
    line["provider"] = deployment.adapter.otelName;
  }
  if (record.op !== undefined) {
    line["stream"] = record.stream;
    line["upstreamMs"] = ms(record.upstreamMs);
    line["overheadMs"] = ms(record.overheadMs);
    if (record.timeToFirstChunkMs !== undefined) line["ttftMs"] = ms(record.timeToFirstChunkMs);
  }
  if (record.usage !== undefined) {
    line["inputTokens"] = record.usage.prompt_tokens;
    line["outputTokens"] = record.usage.completion_tokens;
  }
  if (record.costUsd > 0) line["costUsd"] = record.costUsd;
  if (record.cacheResult !== undefined) line["cache"] = record.cacheResult;
  if (record.attemptedRetries > 0) line["retries"] = record.attemptedRetries;
  if (record.attemptedFallbacks > 0) line["fallbacks"] = record.attemptedFallbacks;
  if (record.errorCode !== undefined) {
    line["errorCode"] = record.errorCode;
    line["error"] = record.errorMessage;
  }
  if (record.trace !== undefined) line["traceId"] = record.trace.traceId;
  return line;
}

/** The per-request log observer, or undefined when INFO is off (then it costs nothing). */
export function requestLogObserver(logger: Logger): RequestObserver | undefined {
  if (!logger.isLevelEnabled("info")) return undefined;
  const log = logger.child({ component: "request" });
  return (record) => {
    if (QUIET_ROUTES.has(record.route)) log.debug(requestLogLine(record), "request");
    else log.info(requestLogLine(record), "request");
  };
}
