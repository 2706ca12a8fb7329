/**
 * A finished request as observers (metrics, traces, logs, spend, alerting) receive it, for their
 * unit tests: a plain successful chat completion unless the overrides say otherwise.
 */
import type { RequestRecord } from "../../gateway/src/request-state.ts";

export function requestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    callId: "c",
    route: "chat_completions",
    method: "POST",
    status: 200,
    op: "chat",
    group: "g",
    deployment: undefined,
    auth: undefined,
    stream: false,
    startedAtEpochMs: 0,
    durationMs: 5,
    upstreamMs: 4,
    overheadMs: 1,
    timeToFirstChunkMs: undefined,
    usage: undefined,
    costUsd: 0,
    attemptedRetries: 0,
    attemptedFallbacks: 0,
    cacheResult: undefined,
    errorCode: undefined,
    errorMessage: undefined,
    finishReasons: undefined,
    trace: undefined,
    appliedGuardrails: undefined,
    requestTags: undefined,
    ...overrides,
  };
}
