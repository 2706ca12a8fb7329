/**
 * Alerts read from a finished request's RequestRecord (pure):
 * - llm_exceptions: the request failed by the service's fault (an upstream error, timeout or
 *   refusal of our credentials, no healthy deployment left, a Pharos 5xx) — never a client's
 *   bad request, a guardrail block or a Pharos rate limit;
 * - llm_too_slow: a successful LLM request took longer than alerting_threshold;
 * - a budget crossed (budget_exceeded), handed to the budget tracker (budget_alerts).
 */
import type { ErrorCode } from "../errors.ts";
import type { RequestRecord } from "../request-state.ts";
import type { Alert } from "./alert.ts";

/** Failures that are the service's fault (the same set as the availability SLI in prometheus/rules). */
export const SERVICE_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "upstream_server_error",
  "upstream_connection",
  "upstream_malformed",
  "upstream_timeout",
  "upstream_rate_limited",
  "upstream_auth",
  "upstream_permission",
  "upstream_not_found",
  "no_healthy_deployment",
  "service_unavailable",
  "internal_error",
]);

const MS_PER_S = 1000;

function seconds(ms: number): number {
  return Math.round(ms / 10) / 100;
}

/** llm_exceptions for a failed request; undefined when it is not the service's fault. */
export function exceptionAlert(record: RequestRecord): Alert | undefined {
  const code = record.errorCode;
  if (code === undefined || !SERVICE_FAULTS.has(code) || record.op === undefined) return undefined;
  const deployment = record.deployment;
  return {
    type: "llm_exceptions",
    level: "High",
    key: `${record.group ?? ""}\0${deployment?.id ?? ""}\0${code}`,
    title: `LLM API call failed: ${code} (HTTP ${record.status})`,
    detail: record.errorMessage,
    group: record.group,
    deploymentId: deployment?.id,
    apiBase: deployment?.apiBaseForHeader,
    numbers: { retries: record.attemptedRetries, fallbacks: record.attemptedFallbacks },
    dashboard: "pharos-models",
    at: record.startedAtEpochMs + record.durationMs,
  };
}

/** llm_too_slow for a successful LLM request slower than the threshold. */
export function slowAlert(record: RequestRecord, thresholdMs: number): Alert | undefined {
  if (record.op === undefined || record.status >= 400 || record.durationMs <= thresholdMs) return undefined;
  const deployment = record.deployment;
  return {
    type: "llm_too_slow",
    level: "Low",
    key: `${record.group ?? ""}\0${deployment?.id ?? ""}`,
    title: `LLM response slower than alerting_threshold (${thresholdMs / MS_PER_S} s)`,
    group: record.group,
    deploymentId: deployment?.id,
    apiBase: deployment?.apiBaseForHeader,
    numbers: { "duration (s)": seconds(record.durationMs), "upstream (s)": seconds(record.upstreamMs), stream: record.stream ? "yes" : "no" },
    peak: { name: "slowest", value: seconds(record.durationMs), unit: "s" },
    dashboard: "pharos-models",
    at: record.startedAtEpochMs + record.durationMs,
  };
}

export interface BudgetCrossing {
  readonly keyHash: string;
  readonly keyAlias: string | undefined;
  readonly message: string | undefined;
  readonly group: string | undefined;
}

/** A request refused because its key's budget is spent. */
export function budgetCrossing(record: RequestRecord): BudgetCrossing | undefined {
  if (record.errorCode !== "budget_exceeded") return undefined;
  return { keyHash: record.auth?.keyHash ?? "unknown", keyAlias: record.auth?.keyAlias, message: record.errorMessage, group: record.group };
}
