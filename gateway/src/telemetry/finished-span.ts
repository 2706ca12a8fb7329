/**
 * A span that is over, as the OpenTelemetry SDK's span processors and OTLP exporters read it
 * (`ReadableSpan`). Pharos records a request's spans as plain facts while it runs and makes them
 * here, in one step, when it ends: the SDK's live `Span` (a context per span, each attribute
 * validated as it is set, per-span self-metrics, two copies of the attributes) costs about four
 * times as much (7.3 against 1.9 µs per 3-span trace, docs/benchmarks.md) and buys nothing for
 * spans whose every fact is known when they are made.
 * Pharos spans have no events and no links.
 */
import { SpanStatusCode } from "@opentelemetry/api";
import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from "@opentelemetry/api";
import { hrTimeDuration } from "@opentelemetry/core";
import type { InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace";

/** What every span of the process carries: its resource and instrumentation scope. */
export interface SpanOrigin {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
}

/** The facts of one span. */
export interface SpanFacts {
  readonly context: SpanContext;
  readonly parent: SpanContext | undefined;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly attributes: Attributes;
  /** Attributes left out by the span limits (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT). */
  readonly droppedAttributes: number;
  readonly status: SpanStatus;
}

const NO_LINKS: Link[] = [];
const NO_EVENTS: TimedEvent[] = [];
export const STATUS_UNSET: SpanStatus = { code: SpanStatusCode.UNSET };

export class FinishedSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  private readonly context: SpanContext;
  private readonly origin: SpanOrigin;

  constructor(origin: SpanOrigin, facts: SpanFacts) {
    this.origin = origin;
    this.context = facts.context;
    this.parentSpanContext = facts.parent;
    this.name = facts.name;
    this.kind = facts.kind;
    this.startTime = facts.startTime;
    this.endTime = facts.endTime;
    this.status = facts.status;
    this.attributes = facts.attributes;
    this.droppedAttributesCount = facts.droppedAttributes;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  get duration(): HrTime {
    return hrTimeDuration(this.startTime, this.endTime);
  }

  get links(): Link[] {
    return NO_LINKS;
  }

  get droppedLinksCount(): number {
    return 0;
  }

  get events(): TimedEvent[] {
    return NO_EVENTS;
  }

  get droppedEventsCount(): number {
    return 0;
  }

  get ended(): boolean {
    return true;
  }

  get resource(): Resource {
    return this.origin.resource;
  }

  get instrumentationScope(): InstrumentationScope {
    return this.origin.scope;
  }
}
