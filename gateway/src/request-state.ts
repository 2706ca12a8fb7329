/**
 * What Pharos knows about one request while it runs (Koa's ctx.state), and the record of it
 * handed to observers (metrics, logs, spend, alerting) when it ends.
 */
import type { ParameterizedContext } from "koa";
import type { ErrorCode } from "./errors.ts";
import type { RouteLabel } from "./http/route-labels.ts";
import type { Operation, Usage } from "./providers/openai-types.ts";
import type { Deployment } from "./router/deployments.ts";
import type { RequestTrace } from "./telemetry/tracing.ts";

/** Who is calling: filled by authenticate. */
export interface AuthContext {
  /** "master" (the master key), "virtual" (a key from /key/generate) or "open" (no key configured). */
  readonly kind: "master" | "virtual" | "open";
  /** sha256 of the key, hex; never the key itself. */
  readonly keyHash: string | undefined;
  readonly keyAlias: string | undefined;
  /** Model groups the key may call; undefined means all. */
  readonly models: readonly string[] | undefined;
  readonly metadata: Readonly<Record<string, unknown>> | undefined;
}

/** A response-cache lookup: answered from it, not there, not looked up (off for the request), or the store unreachable (answered as a miss). */
export type CacheResult = "hit" | "miss" | "bypass" | "error";

export interface RequestState {
  readonly callId: string;
  /** performance.now() at arrival. */
  readonly startedAt: number;
  /** Date.now() at arrival. */
  readonly startedAtEpochMs: number;
  /** Low-cardinality route label (`chat_completions`, `models`, `health`, …: route-labels.ts). */
  route: RouteLabel;
  auth: AuthContext | undefined;
  op: Operation | undefined;
  group: string | undefined;
  deployment: Deployment | undefined;
  stream: boolean;
  usage: Usage | undefined;
  costUsd: number;
  /** Milliseconds spent waiting on upstreams (all attempts). */
  upstreamMs: number;
  /** Milliseconds from arrival to the first chunk sent to the client (streams). */
  timeToFirstChunkMs: number | undefined;
  attemptedRetries: number;
  attemptedFallbacks: number;
  cacheResult: CacheResult | undefined;
  errorCode: ErrorCode | undefined;
  /** The error's message, for logs (never sent to metrics). */
  errorMessage: string | undefined;
  /** Finish reasons reported by the upstream. */
  finishReasons: string[] | undefined;
  /** The overhead sent in `x-litellm-overhead-duration-ms`, in ms (set with the headers). */
  overheadMs: number | undefined;
  /** The request's trace; undefined when tracing is off or the request is not sampled. */
  trace: RequestTrace | undefined;
  /** Guardrails that ran or will run on the response (`x-litellm-applied-guardrails`). */
  appliedGuardrails: readonly string[] | undefined;
  /** The request's own tags (`tags` / `metadata.tags`): routing, and spend per tag. */
  requestTags: readonly string[] | undefined;
  /**
   * Headers decided before the answer exists (key spend, x-ratelimit-*): sent with the answer's
   * own headers (litellm-headers.ts) or, on answers Koa writes, by request-context. Never set on
   * the response early: one header set before writeHead sends Node down its per-header path.
   */
  responseHeaders: Record<string, string> | undefined;
}

/** Adds headers for the answer, whichever way it is written (see RequestState.responseHeaders). */
export function addResponseHeaders(state: RequestState, headers: Readonly<Record<string, string>>): void {
  state.responseHeaders = state.responseHeaders === undefined ? { ...headers } : Object.assign(state.responseHeaders, headers);
}

export type PharosContext = ParameterizedContext<RequestState>;

/** The facts of a finished request, as observers receive them. */
export interface RequestRecord {
  readonly callId: string;
  readonly route: RouteLabel;
  readonly method: string;
  readonly status: number;
  readonly op: Operation | undefined;
  readonly group: string | undefined;
  readonly deployment: Deployment | undefined;
  readonly auth: AuthContext | undefined;
  readonly stream: boolean;
  readonly startedAtEpochMs: number;
  readonly durationMs: number;
  readonly upstreamMs: number;
  /** The time Pharos itself took: the `x-litellm-overhead-duration-ms` value when the headers
   * were sent (streams: at the first chunk), else durationMs − upstreamMs. */
  readonly overheadMs: number;
  readonly timeToFirstChunkMs: number | undefined;
  readonly usage: Usage | undefined;
  readonly costUsd: number;
  readonly attemptedRetries: number;
  readonly attemptedFallbacks: number;
  readonly cacheResult: CacheResult | undefined;
  readonly errorCode: ErrorCode | undefined;
  readonly errorMessage: string | undefined;
  readonly finishReasons: readonly string[] | undefined;
  readonly trace: RequestTrace | undefined;
  readonly appliedGuardrails: readonly string[] | undefined;
  readonly requestTags: readonly string[] | undefined;
}

export type RequestObserver = (record: RequestRecord) => void;

export function newRequestState(callId: string, startedAt: number): RequestState {
  return {
    callId,
    startedAt,
    startedAtEpochMs: Date.now(),
    route: "unmatched",
    auth: undefined,
    op: undefined,
    group: undefined,
    deployment: undefined,
    stream: false,
    usage: undefined,
    costUsd: 0,
    upstreamMs: 0,
    timeToFirstChunkMs: undefined,
    attemptedRetries: 0,
    attemptedFallbacks: 0,
    cacheResult: undefined,
    errorCode: undefined,
    errorMessage: undefined,
    finishReasons: undefined,
    overheadMs: undefined,
    trace: undefined,
    appliedGuardrails: undefined,
    requestTags: undefined,
    responseHeaders: undefined,
  };
}
