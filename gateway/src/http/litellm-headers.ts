/**
 * The `x-litellm-*` response headers existing load tests and dashboards read, in one place.
 */
import type { RequestState } from "../request-state.ts";

/** Milliseconds with three decimals: sub-millisecond overhead stays visible. */
export function formatMs(ms: number): string {
  return ms.toFixed(3);
}

export function litellmHeaders(state: RequestState, totalMs: number, includeCost: boolean): Record<string, string> {
  const deployment = state.deployment;
  // Kept on the state: the overhead histogram records exactly the value the client sees.
  state.overheadMs = Math.max(0, totalMs - state.upstreamMs);
  // Answers Koa writes get x-litellm-call-id from request-context; these are written directly.
  const headers: Record<string, string> = {
    "x-litellm-call-id": state.callId,
    "x-litellm-response-duration-ms": formatMs(totalMs),
    "x-litellm-overhead-duration-ms": formatMs(state.overheadMs),
    "x-litellm-attempted-retries": String(state.attemptedRetries),
    "x-litellm-attempted-fallbacks": String(state.attemptedFallbacks),
  };
  if (state.group !== undefined) headers["x-litellm-model-group"] = state.group;
  if (deployment !== undefined) {
    headers["x-litellm-model-id"] = deployment.id;
    headers["x-litellm-model-api-base"] = deployment.apiBaseForHeader;
  }
  if (includeCost) headers["x-litellm-response-cost"] = String(state.costUsd);
  if (state.appliedGuardrails !== undefined && state.appliedGuardrails.length > 0) headers["x-litellm-applied-guardrails"] = state.appliedGuardrails.join(",");
  if (state.responseHeaders !== undefined) Object.assign(headers, state.responseHeaders);
  return headers;
}
