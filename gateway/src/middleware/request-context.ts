/**
 * Stage 1: every request gets a call id (a client-sent `x-litellm-call-id` is kept, and every
 * answer carries it back), its arrival time, and, when it ends, one RequestRecord handed to
 * every observer.
 */
import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { Logger } from "pino";
import { routeLabelOf } from "../http/route-labels.ts";
import { newRequestState } from "../request-state.ts";
import type { RequestObserver, RequestRecord, RequestState } from "../request-state.ts";

const CALL_ID = /^[\w.:-]{1,128}$/;

export function requestContext(observers: readonly RequestObserver[], logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    const startedAt = performance.now();
    const sent = ctx.get("x-litellm-call-id");
    const callId = sent !== "" && CALL_ID.test(sent) ? sent : randomUUID();
    ctx.state = newRequestState(callId, startedAt);
    ctx.state.route = routeLabelOf(ctx.path);
    try {
      await next();
      // Answers Koa writes (errors, models, health, admin) get the call id and the headers decided
      // earlier (RequestState.responseHeaders) here; the proxied ones wrote them with their other
      // headers (litellm-headers.ts). Nothing is set before the
      // handler runs: a header set early would turn Node's one-object writeHead into a
      // setHeader call per header on every proxied response.
      if (ctx.respond !== false && !ctx.res.headersSent) {
        ctx.set("x-litellm-call-id", callId);
        if (ctx.state.responseHeaders !== undefined) ctx.set(ctx.state.responseHeaders);
      }
    } finally {
      if (observers.length > 0) notify(observers, recordOf(ctx.state, ctx.method, ctx.status, performance.now() - startedAt), logger);
    }
  };
}

function recordOf(state: RequestState, method: string, status: number, durationMs: number): RequestRecord {
  return {
    callId: state.callId,
    route: state.route,
    method,
    status,
    op: state.op,
    group: state.group,
    deployment: state.deployment,
    auth: state.auth,
    stream: state.stream,
    startedAtEpochMs: state.startedAtEpochMs,
    durationMs,
    upstreamMs: state.upstreamMs,
    overheadMs: state.overheadMs ?? Math.max(0, durationMs - state.upstreamMs),
    timeToFirstChunkMs: state.timeToFirstChunkMs,
    usage: state.usage,
    costUsd: state.costUsd,
    attemptedRetries: state.attemptedRetries,
    attemptedFallbacks: state.attemptedFallbacks,
    cacheResult: state.cacheResult,
    errorCode: state.errorCode,
    errorMessage: state.errorMessage,
    finishReasons: state.finishReasons,
    trace: state.trace,
    appliedGuardrails: state.appliedGuardrails,
    requestTags: state.requestTags,
  };
}

function notify(observers: readonly RequestObserver[], record: RequestRecord, logger: Logger): void {
  for (const observer of observers) {
    try {
      observer(record);
    } catch (error) {
      logger.error({ err: error, callId: record.callId }, "a request observer failed");
    }
  }
}
