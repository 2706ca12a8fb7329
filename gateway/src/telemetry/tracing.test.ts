import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AlwaysOffSampler, InMemorySpanExporter, ParentBasedSampler, RandomIdGenerator, SimpleSpanProcessor, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace";
import type { ReadableSpan, Sampler } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import { RequestTracer } from "./tracing.ts";
import type { AttributeLimits, SpanSink } from "./tracing.ts";
import type { Deployment } from "../router/deployments.ts";
import { requestRecord } from "../../../tests/support/request-record.ts";

const exporter = new InMemorySpanExporter();
const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

/** A sink into the in-memory exporter, counting the ids drawn (one per span made). */
function sink(options: { ratio?: number; sampler?: Sampler; limits?: AttributeLimits } = {}): SpanSink & { idsDrawn: () => number } {
  const random = new RandomIdGenerator();
  let drawn = 0;
  return {
    processor: new SimpleSpanProcessor({ exporter }),
    origin: { resource: resourceFromAttributes({ "service.name": "pharos" }), scope: { name: "pharos", version: "test" } },
    ids: {
      generateTraceId: () => random.generateTraceId(),
      generateSpanId: () => {
        drawn += 1;
        return random.generateSpanId();
      },
    },
    sampler: options.sampler,
    ratio: options.ratio ?? 1,
    limits: options.limits ?? {},
    idsDrawn: () => drawn,
  };
}

const deployment = (id: string, model: string): Deployment =>
  ({ id, group: "g", target: { model }, adapter: { otelName: "openai" }, server: { address: "10.0.0.1", port: 8000 } }) as unknown as Deployment;

const byName = (spans: readonly ReadableSpan[], name: string): ReadableSpan => {
  const span = spans.find((candidate) => candidate.name === name);
  if (span === undefined) throw new Error(`no span "${name}" among ${spans.map((candidate) => candidate.name).join(", ")}`);
  return span;
};

afterEach(() => exporter.reset());

describe("RequestTracer sampling (parent-based ratio)", () => {
  it("at ratio 0 makes no trace and draws no id for a request without a parent, with an unsampled or a malformed one", () => {
    const spans = sink({ ratio: 0 });
    const requests = new RequestTracer(spans);
    for (const headers of [{}, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-00` }, { traceparent: "00-not-a-trace-01" }, { traceparent: `00-${"0".repeat(32)}-${CALLER_SPAN}-01` }]) {
      expect(requests.start(headers, "chat", "g", performance.now())).toBeUndefined();
    }
    expect(spans.idsDrawn()).toBe(0);
  });

  it("follows a sampled parent at any ratio, keeping its trace id, parent span and tracestate", () => {
    const requests = new RequestTracer(sink({ ratio: 0 }));
    const trace = requests.start({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, tracestate: "vendor=value" }, "chat", "g", performance.now());
    expect(trace?.traceId).toBe(CALLER_TRACE);
    trace!.finish(requestRecord());
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(CALLER_TRACE);
    expect(span?.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(span?.parentSpanContext?.isRemote).toBe(true);
    expect(span?.spanContext().traceState?.get("vendor")).toBe("value");
  });

  it("samples requests without a parent at the ratio", () => {
    const requests = new RequestTracer(sink({ ratio: 0.5 }));
    let sampled = 0;
    for (let i = 0; i < 2000; i++) if (requests.start({}, "chat", "g", performance.now()) !== undefined) sampled += 1;
    expect(sampled).toBeGreaterThan(850);
    expect(sampled).toBeLessThan(1150);
    expect(new RequestTracer(sink({ ratio: 1 })).start({}, "chat", "g", performance.now())).toBeDefined();
  });

  it("leaves every decision to OTEL_TRACES_SAMPLER's sampler when one is named (the ratio is not used)", () => {
    const off = new RequestTracer(sink({ sampler: new AlwaysOffSampler(), ratio: 1 }));
    expect(off.start({}, "chat", "g", performance.now())).toBeUndefined();
    expect(off.start({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` }, "chat", "g", performance.now())).toBeUndefined();
    // parentbased_traceidratio at 0: a sampled parent is followed, a malformed one counts as no parent.
    const parentBased = new RequestTracer(sink({ sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }), ratio: 1 }));
    expect(parentBased.start({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` }, "chat", "g", performance.now())?.traceId).toBe(CALLER_TRACE);
    expect(parentBased.start({ traceparent: "garbage" }, "chat", "g", performance.now())).toBeUndefined();
  });
});

describe("a request's trace", () => {
  it("hands over the span tree when the request ends, with the recorded times and the GenAI attributes", async () => {
    const spans = sink();
    const startedAt = performance.now();
    const trace = new RequestTracer(spans).start({}, "chat", "g", startedAt)!;
    const cache = trace.stage("cache lookup");
    cache.end({ "pharos.cache.result": "miss" });
    trace.routeStarted("g");
    trace.attemptStarted(deployment("d-1", "gpt-a"), "chat");
    await new Promise((resolve) => setTimeout(resolve, 5));
    trace.attemptEnded("upstream_server_error");
    trace.attemptStarted(deployment("d-2", "gpt-b"), "chat");
    trace.routeEnded(1, 0);
    expect(exporter.getFinishedSpans()).toEqual([]); // nothing before the request ends
    trace.attemptEnded(undefined); // a stream's attempt ends with the stream, after routing
    trace.finish(requestRecord({ deployment: deployment("d-2", "gpt-b"), usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 }, finishReasons: ["stop"], costUsd: 0.25 }));

    const finished = exporter.getFinishedSpans();
    expect(finished.map((span) => span.name)).toEqual(["cache lookup", "route g", "chat gpt-a", "chat gpt-b", "chat g"]); // the request span last
    const root = byName(finished, "chat g");
    const route = byName(finished, "route g");
    const [failed, answered] = [byName(finished, "chat gpt-a"), byName(finished, "chat gpt-b")];
    expect(new Set(finished.map((span) => span.spanContext().traceId))).toEqual(new Set([trace.traceId]));
    expect(new Set(finished.map((span) => span.spanContext().spanId)).size).toBe(5);
    expect(root.parentSpanContext).toBeUndefined();
    expect(byName(finished, "cache lookup").parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(route.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(failed.parentSpanContext?.spanId).toBe(route.spanContext().spanId);
    expect(answered.parentSpanContext?.spanId).toBe(route.spanContext().spanId);

    expect(root.kind).toBe(SpanKind.CLIENT);
    expect(route.kind).toBe(SpanKind.INTERNAL);
    expect(failed.kind).toBe(SpanKind.CLIENT);
    expect(root.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "g",
      "gen_ai.response.model": "gpt-b",
      "gen_ai.usage.input_tokens": 3,
      "gen_ai.usage.output_tokens": 5,
      "gen_ai.response.finish_reasons": ["stop"],
      "pharos.deployment.id": "d-2",
      "pharos.cost_usd": 0.25,
    });
    expect(route.attributes).toEqual({ "pharos.route.retries": 1, "pharos.route.fallbacks": 0 });
    expect(failed.attributes).toMatchObject({ "gen_ai.provider.name": "openai", "server.address": "10.0.0.1", "server.port": 8000, "pharos.deployment.id": "d-1", "error.type": "upstream_server_error" });
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(answered.status.code).toBe(SpanStatusCode.UNSET);
    expect(byName(finished, "cache lookup").attributes).toEqual({ "pharos.cache.result": "miss" });

    // Times: on one clock, nested as they happened.
    const ms = (span: ReadableSpan): [number, number] => [hrTimeToMilliseconds(span.startTime), hrTimeToMilliseconds(span.endTime)];
    const [rootStart, rootEnd] = ms(root);
    expect(Math.abs(rootStart - (Date.now() - performance.now() + startedAt))).toBeLessThan(2);
    expect(ms(failed)[1] - ms(failed)[0]).toBeGreaterThanOrEqual(4);
    for (const span of finished) {
      expect(ms(span)[0]).toBeGreaterThanOrEqual(rootStart);
      expect(ms(span)[1]).toBeLessThanOrEqual(rootEnd);
      expect(ms(span)[1]).toBeGreaterThanOrEqual(ms(span)[0]);
    }
    expect(ms(answered)[0]).toBeGreaterThanOrEqual(ms(failed)[1]);
    expect(ms(answered)[1]).toBeGreaterThanOrEqual(ms(route)[1]);
  });

  it("ends what is still open when the request fails: stages and attempts with its error, the request span with its message", () => {
    const trace = new RequestTracer(sink()).start({}, "chat", "g", performance.now())!;
    trace.stage("guardrails input");
    trace.routeStarted("g");
    trace.attemptStarted(deployment("d-1", "gpt-a"), "chat");
    trace.finish(requestRecord({ status: 504, errorCode: "upstream_timeout", errorMessage: "no answer in 600 s" }));
    const finished = exporter.getFinishedSpans();
    for (const name of ["guardrails input", "chat gpt-a"]) {
      expect(byName(finished, name).attributes["error.type"]).toBe("upstream_timeout");
      expect(byName(finished, name).status.code).toBe(SpanStatusCode.ERROR);
    }
    expect(byName(finished, "route g").attributes["error.type"]).toBe("upstream_timeout");
    expect(byName(finished, "chat g").status).toEqual({ code: SpanStatusCode.ERROR, message: "no answer in 600 s" });
    expect(byName(finished, "chat g").attributes).toMatchObject({ "error.type": "upstream_timeout", "http.response.status_code": 504 });
  });

  it("a stage ended twice keeps its first end; a stage that never ended on a successful request failed as internal_error", () => {
    const trace = new RequestTracer(sink()).start({}, "chat", "g", performance.now())!;
    const stage = trace.stage("guardrails output", { "pharos.guardrail.redacted": false });
    stage.end({ "pharos.guardrail.redacted": true });
    stage.end(undefined, "guardrail_violation");
    trace.stage("cache lookup");
    trace.finish(requestRecord());
    const finished = exporter.getFinishedSpans();
    expect(byName(finished, "guardrails output").attributes).toEqual({ "pharos.guardrail.redacted": true });
    expect(byName(finished, "guardrails output").status.code).toBe(SpanStatusCode.UNSET);
    expect(byName(finished, "cache lookup").attributes["error.type"]).toBe("internal_error");
  });

  it("applies the attribute limits (OTEL_SPAN_ATTRIBUTE_*) and counts what they drop", () => {
    const trace = new RequestTracer(sink({ limits: { attributeCountLimit: 3, attributeValueLengthLimit: 4 } })).start({}, "chat", "a-long-group", performance.now())!;
    trace.finish(requestRecord({ callId: "call-0123456789" }));
    const [root] = exporter.getFinishedSpans();
    expect(Object.keys(root!.attributes)).toHaveLength(3);
    expect(root!.attributes["gen_ai.request.model"]).toBe("a-lo");
    expect(root!.droppedAttributesCount).toBeGreaterThan(0);
  });
});
