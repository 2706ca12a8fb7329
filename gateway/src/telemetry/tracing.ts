/**
 * Request traces, following the OpenTelemetry GenAI conventions. One trace per proxied request:
 *
 *   chat {model group}                  CLIENT   arrival → last byte; usage, finish reasons, error.type
 *   ├─ guardrails input                 INTERNAL the input scanners (pipeline)
 *   ├─ cache lookup                     INTERNAL the response cache read (pipeline)
 *   ├─ route {model group}              INTERNAL routing: retries, fallbacks
 *   │  ├─ chat {upstream model}         CLIENT   one per upstream attempt, to the end of its stream
 *   │  └─ chat {upstream model}         CLIENT   (a retry or fallback)
 *   └─ guardrails output                INTERNAL the output scanners on a JSON answer (pipeline; streams are
 *                                                scanned chunk by chunk and get no span)
 *
 * The incoming W3C `traceparent` is honoured (parent-based sampling): a sampled parent is
 * followed, an unsampled one is not; a malformed one counts as no parent. A request that is not
 * sampled costs one Math.random() (or one `traceparent` parse) and gets no RequestTrace at all,
 * so every hook in the pipeline is one `?.` on undefined.
 *
 * A sampled request records its spans as plain facts while it runs (a name, performance.now()
 * readings, attributes); when it ends they become finished spans (finished-span.ts), handed to
 * the SDK's span processor (batch → OTLP exporter) in one burst, after the answer is sent.
 */
import { isSpanContextValid, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import type { Attributes, HrTime, SpanContext, SpanStatus, TextMapGetter } from "@opentelemetry/api";
import { cleanAttributes, millisToHrTime, W3CTraceContextPropagator } from "@opentelemetry/core";
import type { IdGenerator, Sampler, SamplingDecision, SpanLimits, SpanProcessor } from "@opentelemetry/sdk-trace";
import type { ErrorCode } from "../errors.ts";
import type { Operation } from "../providers/openai-types.ts";
import type { RequestRecord } from "../request-state.ts";
import type { Deployment } from "../router/deployments.ts";
import { FinishedSpan, STATUS_UNSET } from "./finished-span.ts";
import type { SpanOrigin } from "./finished-span.ts";

/** Attribute limits from OTEL_SPAN_ATTRIBUTE_* / OTEL_ATTRIBUTE_* (unset: none); Pharos spans have no events or links. */
export type AttributeLimits = Pick<SpanLimits, "attributeCountLimit" | "attributeValueLengthLimit">;

/** Where request spans go, and how requests are sampled (built by otel.ts when traces are exported). */
export interface SpanSink {
  /** The SDK's span processor (batch → OTLP exporter); it receives each span once it is over. */
  readonly processor: SpanProcessor;
  readonly origin: SpanOrigin;
  readonly ids: IdGenerator;
  /**
   * OTEL_TRACES_SAMPLER's sampler, which then decides every request (only its RECORD_AND_SAMPLED
   * is traced: a span recorded but not sampled is never exported). Undefined: `ratio` decides.
   */
  readonly sampler: Sampler | undefined;
  /** Share of requests without a (valid) parent that are traced (OTEL_TRACES_SAMPLER_ARG); a parent's sampled flag is followed. */
  readonly ratio: number;
  readonly limits: AttributeLimits;
}

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

/** A child span as recorded while the request runs. */
interface Child {
  readonly name: string;
  readonly kind: SpanKind;
  /** performance.now() readings. */
  readonly startedAt: number;
  endedAt: number | undefined;
  attributes: Attributes;
  error: ErrorCode | undefined;
}

/** A span of the trace once it is over, before it becomes a FinishedSpan. */
interface Ended {
  readonly context: SpanContext;
  readonly parent: SpanContext | undefined;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly attributes: Attributes;
  readonly error: ErrorCode | undefined;
  /** The request span's error message (status message). */
  readonly message: string | undefined;
}

/** The trace of one sampled request while it runs (RequestState.trace). */
export class RequestTrace {
  readonly traceId: string;
  private readonly sink: SpanSink;
  private readonly context: SpanContext;
  private readonly parent: SpanContext | undefined;
  private readonly name: string;
  private readonly startedAt: number;
  private readonly attributes: Attributes;
  /** Date.now() − performance.now() at the start: one clock for every span of the trace. */
  private readonly epochOffset: number;
  private readonly stages: Child[] = [];
  private route: Child | undefined;
  private readonly attempts: Child[] = [];

  constructor(sink: SpanSink, context: SpanContext, parent: SpanContext | undefined, name: string, startedAt: number, attributes: Attributes) {
    this.sink = sink;
    this.context = context;
    this.parent = parent;
    this.name = name;
    this.startedAt = startedAt;
    this.attributes = attributes;
    this.epochOffset = Date.now() - performance.now();
    this.traceId = context.traceId;
  }

  /** A child of the request span for a pipeline stage (cache lookup, guardrails). */
  stage(name: string, attributes?: Attributes): StageSpan {
    const child = opened(name, SpanKind.INTERNAL, { ...attributes });
    this.stages.push(child);
    return {
      end: (more, error) => {
        if (child.endedAt !== undefined) return;
        child.endedAt = performance.now();
        if (more !== undefined) Object.assign(child.attributes, more);
        child.error = error;
      },
    };
  }

  routeStarted(group: string): void {
    this.route = opened(`route ${group}`, SpanKind.INTERNAL, {});
  }

  routeEnded(retries: number, fallbacks: number): void {
    const route = this.route;
    if (route === undefined || route.endedAt !== undefined) return;
    route.endedAt = performance.now();
    route.attributes["pharos.route.retries"] = retries;
    route.attributes["pharos.route.fallbacks"] = fallbacks;
  }

  attemptStarted(deployment: Deployment, op: Operation): void {
    this.attempts.push(
      opened(`${op} ${deployment.target.model}`, SpanKind.CLIENT, {
        "gen_ai.operation.name": op,
        "gen_ai.provider.name": deployment.adapter.otelName,
        "gen_ai.request.model": deployment.target.model,
        "pharos.deployment.id": deployment.id,
        "server.address": deployment.server.address,
        "server.port": deployment.server.port,
      }),
    );
  }

  /** Ends the attempt started last. */
  attemptEnded(error: ErrorCode | undefined): void {
    const attempt = this.attempts.at(-1);
    if (attempt === undefined || attempt.endedAt !== undefined) return;
    attempt.endedAt = performance.now();
    attempt.error = error;
  }

  /**
   * Hands the trace's spans to the processor, the request span last, with the request's facts. A
   * stage or attempt still open (it threw) fails with the request's error; an open route ends as
   * the request did.
   */
  finish(record: RequestRecord): void {
    const endedAt = performance.now();
    const failed = record.errorCode ?? "internal_error";
    for (const stage of this.stages) this.emit(stage, this.context, endedAt, failed);
    const route = this.route === undefined ? this.context : this.emit(this.route, this.context, endedAt, record.errorCode);
    for (const attempt of this.attempts) this.emit(attempt, route, endedAt, failed);
    const attributes = this.attributes;
    attributes["http.response.status_code"] = record.status;
    attributes["pharos.call_id"] = record.callId;
    attributes["pharos.overhead_ms"] = record.overheadMs;
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
    this.handOver({ context: this.context, parent: this.parent, name: this.name, kind: SpanKind.CLIENT, startedAt: this.startedAt, endedAt, attributes, error: record.errorCode, message: record.errorMessage });
  }

  /** A recorded child as a finished span; `openError` is its error if it never ended. Returns its context. */
  private emit(child: Child, parent: SpanContext, endedAt: number, openError: ErrorCode | undefined): SpanContext {
    const context: SpanContext = { traceId: this.context.traceId, spanId: this.sink.ids.generateSpanId(), traceFlags: TraceFlags.SAMPLED, traceState: this.context.traceState };
    const error = child.endedAt === undefined ? openError : child.error;
    this.handOver({ context, parent, name: child.name, kind: child.kind, startedAt: child.startedAt, endedAt: child.endedAt ?? endedAt, attributes: child.attributes, error, message: undefined });
    return context;
  }

  private handOver(span: Ended): void {
    let status: SpanStatus = STATUS_UNSET;
    if (span.error !== undefined) {
      span.attributes["error.type"] = span.error;
      status = span.message === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message: span.message };
    }
    let attributes = span.attributes;
    let dropped = 0;
    const limits = this.sink.limits;
    // The attribute limits, as the SDK applies them; untouched when none is set (the default).
    if (limits.attributeCountLimit !== undefined || limits.attributeValueLengthLimit !== undefined) {
      const cleaned = cleanAttributes(attributes, { attributeCountLimit: limits.attributeCountLimit ?? 128, attributeValueLengthLimit: limits.attributeValueLengthLimit ?? Infinity });
      attributes = cleaned.attributes ?? {};
      dropped = cleaned.droppedAttributesCount ?? 0;
    }
    this.sink.processor.onEnd(
      new FinishedSpan(this.sink.origin, {
        context: span.context,
        parent: span.parent,
        name: span.name,
        kind: span.kind,
        startTime: this.time(span.startedAt),
        endTime: this.time(span.endedAt),
        attributes,
        droppedAttributes: dropped,
        status,
      }),
    );
  }

  /** A performance.now() reading as the span time the SDK exports. */
  private time(at: number): HrTime {
    return millisToHrTime(this.epochOffset + at);
  }
}

function opened(name: string, kind: SpanKind, attributes: Attributes): Child {
  return { name, kind, startedAt: performance.now(), endedAt: undefined, attributes, error: undefined };
}

const propagator = new W3CTraceContextPropagator();
// The SDK's enum, as a type only: tracing.ts loads with every gateway, the trace SDK only when traces are exported.
const RECORD_AND_SAMPLED: SamplingDecision.RECORD_AND_SAMPLED = 2;

/** Starts request traces; exists only when traces are exported. */
export class RequestTracer {
  private readonly sink: SpanSink;

  constructor(sink: SpanSink) {
    this.sink = sink;
  }

  /**
   * The trace of a request, whose span `{operation} {model group}` starts at its arrival, child of
   * the caller's `traceparent` when there is one. Undefined when the request is not sampled.
   */
  start(headers: Headers, op: Operation, group: string, startedAt: number): RequestTrace | undefined {
    const sink = this.sink;
    let parent: SpanContext | undefined;
    let parentContext = ROOT_CONTEXT;
    if (headers["traceparent"] !== undefined) {
      const extracted = propagator.extract(ROOT_CONTEXT, headers, headerGetter);
      const remote = trace.getSpanContext(extracted);
      if (remote !== undefined && isSpanContextValid(remote)) {
        parent = remote;
        parentContext = extracted;
      }
    }
    // The ratio's decision comes first: a request it leaves out allocates nothing.
    if (sink.sampler === undefined && (parent === undefined ? sink.ratio < 1 && Math.random() >= sink.ratio : (parent.traceFlags & TraceFlags.SAMPLED) === 0)) return undefined;
    const name = `${op} ${group}`;
    const attributes: Attributes = { "gen_ai.operation.name": op, "gen_ai.request.model": group };
    const traceId = parent?.traceId ?? sink.ids.generateTraceId();
    let traceState = parent?.traceState;
    if (sink.sampler !== undefined) {
      const result = sink.sampler.shouldSample(parentContext, traceId, name, SpanKind.CLIENT, attributes, []);
      if (result.decision !== RECORD_AND_SAMPLED) return undefined;
      traceState = result.traceState ?? traceState;
      if (result.attributes !== undefined) Object.assign(attributes, result.attributes);
    }
    const context: SpanContext = { traceId, spanId: sink.ids.generateSpanId(), traceFlags: TraceFlags.SAMPLED, traceState };
    return new RequestTrace(sink, context, parent, name, startedAt, attributes);
  }
}

/** The observer that ends request traces (registered only when traces are exported). */
export function tracingObserver(record: RequestRecord): void {
  record.trace?.finish(record);
}
