/**
 * One spend-log row per proxied request, built from the RequestRecord handed to observers when
 * the request ends (success or failure, cache hits included with cost 0). Each row gets its own
 * id, so a batch retried after an unknown outcome is written once (the call id may be reused
 * by clients and is not unique).
 */
import { randomUUID } from "node:crypto";
import type { RequestRecord } from "../request-state.ts";

export interface SpendRow {
  readonly id: string;
  readonly requestId: string;
  /** sha256 of the key (never the key); undefined for an open gateway. */
  readonly apiKey: string | null;
  readonly keyAlias: string | null;
  readonly callType: string;
  readonly modelGroup: string | null;
  readonly deploymentId: string | null;
  readonly model: string | null;
  readonly apiBase: string | null;
  readonly status: "success" | "failure";
  readonly httpStatus: number;
  readonly errorCode: string | null;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  /** USD; 0 for cache hits and failures before any token was used. */
  readonly spend: number;
  readonly cacheHit: boolean;
  readonly stream: boolean;
  /** Epoch milliseconds. */
  readonly startTime: number;
  readonly endTime: number;
  readonly durationMs: number;
  readonly upstreamMs: number;
  readonly overheadMs: number;
  readonly timeToFirstTokenMs: number | null;
  readonly attemptedRetries: number;
  readonly attemptedFallbacks: number;
  /** The `metadata` column (LiteLLM's names): `applied_guardrails` when any ran, `request_tags` when the request had some. */
  readonly metadata: SpendMetadata;
}

export interface SpendMetadata {
  readonly applied_guardrails?: readonly string[];
  readonly request_tags?: readonly string[];
}

function metadataOf(record: RequestRecord): SpendMetadata {
  const guardrails = record.appliedGuardrails ?? [];
  const tags = record.requestTags ?? [];
  return { ...(guardrails.length > 0 ? { applied_guardrails: guardrails } : {}), ...(tags.length > 0 ? { request_tags: tags } : {}) };
}

/** The row for a finished request, or undefined when it was not a model call. */
export function spendRowOf(record: RequestRecord): SpendRow | undefined {
  if (record.op === undefined) return undefined;
  const usage = record.usage;
  const deployment = record.deployment;
  const failed = record.errorCode !== undefined || record.status >= 400;
  return {
    id: randomUUID(),
    requestId: record.callId,
    apiKey: record.auth?.keyHash ?? null,
    keyAlias: record.auth?.keyAlias ?? null,
    callType: record.op,
    modelGroup: record.group ?? null,
    deploymentId: deployment?.id ?? null,
    model: deployment?.model ?? null,
    apiBase: deployment?.apiBaseForHeader ?? null,
    status: failed ? "failure" : "success",
    httpStatus: record.status,
    errorCode: record.errorCode ?? null,
    promptTokens: usage?.prompt_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
    totalTokens: usage?.total_tokens ?? 0,
    spend: record.cacheResult === "hit" ? 0 : record.costUsd,
    cacheHit: record.cacheResult === "hit",
    stream: record.stream,
    startTime: record.startedAtEpochMs,
    endTime: record.startedAtEpochMs + record.durationMs,
    durationMs: record.durationMs,
    upstreamMs: record.upstreamMs,
    overheadMs: record.overheadMs,
    timeToFirstTokenMs: record.timeToFirstChunkMs ?? null,
    attemptedRetries: record.attemptedRetries,
    attemptedFallbacks: record.attemptedFallbacks,
    metadata: metadataOf(record),
  };
}

/** Columns of the batched INSERT (spend-writer.ts), with their SQL type and value. */
export const SPEND_COLUMNS: ReadonlyArray<readonly [column: string, type: string, value: (row: SpendRow) => unknown]> = [
  ["id", "uuid", (row) => row.id],
  ["request_id", "text", (row) => row.requestId],
  ["api_key", "text", (row) => row.apiKey],
  ["key_alias", "text", (row) => row.keyAlias],
  ["call_type", "text", (row) => row.callType],
  ["model_group", "text", (row) => row.modelGroup],
  ["deployment_id", "text", (row) => row.deploymentId],
  ["model", "text", (row) => row.model],
  ["api_base", "text", (row) => row.apiBase],
  ["status", "text", (row) => row.status],
  ["http_status", "integer", (row) => row.httpStatus],
  ["error_code", "text", (row) => row.errorCode],
  ["prompt_tokens", "integer", (row) => row.promptTokens],
  ["completion_tokens", "integer", (row) => row.completionTokens],
  ["total_tokens", "integer", (row) => row.totalTokens],
  ["spend", "double precision", (row) => row.spend],
  ["cache_hit", "boolean", (row) => row.cacheHit],
  ["stream", "boolean", (row) => row.stream],
  ["start_time", "timestamptz", (row) => new Date(row.startTime).toISOString()],
  ["end_time", "timestamptz", (row) => new Date(row.endTime).toISOString()],
  ["duration_ms", "double precision", (row) => row.durationMs],
  ["upstream_ms", "double precision", (row) => row.upstreamMs],
  ["overhead_ms", "double precision", (row) => row.overheadMs],
  ["time_to_first_token_ms", "double precision", (row) => row.timeToFirstTokenMs],
  ["attempted_retries", "integer", (row) => row.attemptedRetries],
  ["attempted_fallbacks", "integer", (row) => row.attemptedFallbacks],
  ["metadata", "jsonb", (row) => row.metadata],
];
