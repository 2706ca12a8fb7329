/**
 * Request traces, following the OpenTelemetry GenAI conventions. One trace per proxied request:
 *
 *   chat {model group}                  CLIENT   arrival → last byte; usage, finish reasons, error.type
 *   ├─ guardrails input                 INTERNAL the input scanners (pipeline)
 *   ├─ cache lookup                     INTERNAL the response cache read (pipeline)
 *   ├─ route {model group}              INTERNAL routing: strategy, retries, fallbacks; the chosen deployment
 *   │  ├─ chat {upstream model}         CLIENT   one per upstream attempt, to the end of its stream
 *   │  └─ chat {upstream model}         CLIENT   (a retry or fallback)
 *   └─ guardrails output                INTERNAL the output scanners on a JSON answer (pipeline; streams are
 *                                                scanned chunk by chunk and get no span)
 *
 * The incoming W3C `traceparent` is honoured (parent-based sampling): a sampled parent is
 * followed, an unsampled one is not; a malformed one counts as no parent. Spans are parented
 * explicitly (no context manager, nothing global). A request that is not sampled costs one
 * Math.random() (or one `traceparent` parse), creates no span and gets no RequestTrace at all,
 * so every hook in the pipeline is one `?.` on undefined.
 */
import { isSpanContextValid, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import type { Attributes, Context, Span, TextMapGetter, Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { ErrorCode } from "../errors.ts";
import type { Operation } from "../providers/openai-types.ts";
import type { RequestRecord } from "../request-state.ts";
import type { Deployment } from "../router/deployments.ts";

/** A child span a pipeline stage opened (cache lookup, guardrails); end it exactly once. */
export interface StageSpan {
  /** `error` marks the stage as failed (a guardrail block is not an error: set an attribute). */
  end(attributes?: Attributes, error?: ErrorCode): void;
}

/** For stage code that wants a span either way: `state.trace?.stage(name) ?? NOOP_STAGE`. */
export const NOOP_STAGE: StageSpan = { end: () => undefined };

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const headerGetter: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

function endWith(span: Span, error: ErrorCode | string | undefined, message?: string): void {
  if (error !== undefined) {
    span.setAttribute("error.type", error);
    span.setStatus(message === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message });
  }
  span.end();
}

/** The trace of one request while it runs (RequestState.trace). */
export class RequestTrace {
  readonly traceId: string;
  private readonly tracer: Tracer;
  private readonly root: Span;
  private readonly rootContext: Context;
  private route: Span | undefined;
  private routeContext: Context | undefined;
  private attempt: Span | undefined;
  /** Stage spans not ended yet (a stage that threw): finish() ends them with the request's error. */
  private readonly stages = new Set<Span>();

  constructor(tracer: Tracer, root: Span) {
    this.tracer = tracer;
    this.root = root;
    this.rootContext = trace.setSpan(ROOT_CONTEXT, root);
    this.traceId = root.spanContext().traceId;
  }

  /** A child of the request span for a pipeline stage (cache lookup, guardrails). */
  stage(name: string, attributes?: Attributes): StageSpan {
    const span = this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, ...(attributes === undefined ? {} : { attributes }) }, this.rootContext);
    this.stages.add(span);
    return {
      end: (more, error) => {
        if (!this.stages.delete(span)) return;
        if (more !== undefined) span.setAttributes(more);
        endWith(span, error);
      },
    };
  }

  routeStarted(group: string): void {
    this.route = this.tracer.startSpan(`route ${group}`, { kind: SpanKind.INTERNAL, attributes: { "gen_ai.request.model": group } }, this.rootContext);
    this.routeContext = trace.setSpan(this.rootContext, this.route);
  }

  routeEnded(deployment: Deployment, retries: number, fallbacks: number): void {
    const route = this.route;
    if (route === undefined) return;
    this.route = undefined;
    route.setAttributes({ "pharos.deployment.id": deployment.id, "pharos.route.retries": retries, "pharos.route.fallbacks": fallbacks });
    route.end();
  }

  attemptStarted(deployment: Deployment, op: Operation): void {
    const attributes: Attributes = {
      "gen_ai.operation.name": op,
      "gen_ai.provider.name": deployment.adapter.otelName,
      "gen_ai.request.model": deployment.target.model,
      "pharos.model_group": deployment.group,
      "pharos.deployment.id": deployment.id,
      "server.address": deployment.origin,
    };
    this.attempt = this.tracer.startSpan(`${op} ${deployment.target.model}`, { kind: SpanKind.CLIENT, attributes }, this.routeContext ?? this.rootContext);
  }

  attemptEnded(error: ErrorCode | undefined): void {
    const span = this.attempt;
    if (span === undefined) return;
    this.attempt = undefined;
    endWith(span, error);
  }

  /** Ends whatever is still open, then the request span, with the request's facts. */
  finish(record: RequestRecord): void {
    for (const stage of this.stages) endWith(stage, record.errorCode ?? "internal_error");
    this.stages.clear();
    if (this.attempt !== undefined) this.attemptEnded(record.errorCode ?? "internal_error");
    if (this.route !== undefined) {
      endWith(this.route, record.errorCode);
      this.route = undefined;
    }
    const root = this.root;
    const attributes: Attributes = {
      "http.response.status_code": record.status,
      "pharos.call_id": record.callId,
      "pharos.route": record.route,
      "pharos.attempted_retries": record.attemptedRetries,
      "pharos.attempted_fallbacks": record.attemptedFallbacks,
      "pharos.overhead_ms": record.overheadMs,
    };
    const deployment = record.deployment;
    if (deployment !== undefined) {
      attributes["gen_ai.provider.name"] = deployment.adapter.otelName;
      attributes["gen_ai.response.model"] = deployment.target.model;
      attributes["pharos.deployment.id"] = deployment.id;
    }
    if (record.usage !== undefined) {
      attributes["gen_ai.usage.input_tokens"] = record.usage.prompt_tokens;
      attributes["gen_ai.usage.output_tokens"] = record.usage.completion_tokens;
    }
    if (record.finishReasons !== undefined && record.finishReasons.length > 0) attributes["gen_ai.response.finish_reasons"] = [...record.finishReasons];
    if (record.cacheResult !== undefined) attributes["pharos.cache.result"] = record.cacheResult;
    if (record.timeToFirstChunkMs !== undefined) attributes["pharos.time_to_first_chunk_ms"] = record.timeToFirstChunkMs;
    if (record.costUsd > 0) attributes["pharos.cost_usd"] = record.costUsd;
    root.setAttributes(attributes);
    endWith(root, record.errorCode, record.errorMessage);
  }
}

const propagator = new W3CTraceContextPropagator();

/** Starts request traces; exists only when tracing is on. */
export class RequestTracer {
  private readonly tracer: Tracer;
  private readonly rootRatio: number | undefined;

  /**
   * `rootRatio`: share of requests without a (valid) parent that are traced; with a parent its
   * sampled flag decides. Both decisions are taken here, before any span exists (the tracer's
   * sampler is then parent-based always-on). Undefined: the tracer's own sampler decides every
   * request (OTEL_TRACES_SAMPLER).
   */
  constructor(tracer: Tracer, rootRatio: number | undefined) {
    this.tracer = tracer;
    this.rootRatio = rootRatio;
  }

  /**
   * The request span `{operation} {model group}`, started at the request's arrival, child of the
   * caller's `traceparent` when there is one. Undefined when the request is not sampled.
   */
  start(headers: Headers, op: Operation, group: string, startedAt: number): RequestTrace | undefined {
    const ratio = this.rootRatio;
    let parent = ROOT_CONTEXT;
    if (headers["traceparent"] !== undefined) {
      const extracted = propagator.extract(ROOT_CONTEXT, headers, headerGetter);
      const remote = trace.getSpanContext(extracted);
      if (remote !== undefined && isSpanContextValid(remote)) {
        if (ratio !== undefined && (remote.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
        parent = extracted;
      }
    }
    if (parent === ROOT_CONTEXT && ratio !== undefined && ratio < 1 && Math.random() >= ratio) return undefined;
    const span = this.tracer.startSpan(
      `${op} ${group}`,
      { kind: SpanKind.CLIENT, startTime: startedAt, attributes: { "gen_ai.operation.name": op, "gen_ai.request.model": group } },
      parent,
    );
    if (!span.isRecording()) return undefined;
    return new RequestTrace(this.tracer, span);
  }
}

/** The observer that ends request spans (registered only when tracing is on). */
export function tracingObserver(record: RequestRecord): void {
  record.trace?.finish(record);
}
