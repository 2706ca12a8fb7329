import type { Tracer } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import { RequestTracer } from "./tracing.ts";
import { requestRecord } from "../../../tests/support/request-record.ts";

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

/** The SDK's tracer, counting the spans asked for (sampled or not). */
function countingTracer(): { tracer: Tracer; started: () => number } {
  const real = provider.getTracer("test");
  let started = 0;
  const tracer: Tracer = {
    startSpan: (...args: Parameters<Tracer["startSpan"]>) => {
      started += 1;
      return real.startSpan(...args);
    },
    startActiveSpan: real.startActiveSpan.bind(real) as Tracer["startActiveSpan"],
  };
  return { tracer, started: () => started };
}

/** A finished request, as the tracing observer receives it. */
const record = requestRecord();

afterEach(() => exporter.reset());

describe("RequestTracer sampling (parent-based ratio)", () => {
  it("at ratio 0 starts no span at all for a request without a parent, with an unsampled or a malformed one", () => {
    const { tracer, started } = countingTracer();
    const requests = new RequestTracer(tracer, 0);
    for (const headers of [{}, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-00` }, { traceparent: "00-not-a-trace-01" }, { traceparent: `00-${"0".repeat(32)}-${CALLER_SPAN}-01` }]) {
      expect(requests.start(headers, "chat", "g", performance.now())).toBeUndefined();
    }
    expect(started()).toBe(0);
  });

  it("follows a sampled parent at any ratio, keeping its trace id, parent span and tracestate", () => {
    const requests = new RequestTracer(provider.getTracer("test"), 0);
    const trace = requests.start({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, tracestate: "vendor=value" }, "chat", "g", performance.now());
    expect(trace?.traceId).toBe(CALLER_TRACE);
    trace!.finish(record);
    const [span] = exporter.getFinishedSpans();
    expect(span?.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(span?.spanContext().traceState?.get("vendor")).toBe("value");
  });

  it("samples requests without a parent at the ratio", () => {
    const requests = new RequestTracer(provider.getTracer("test"), 0.5);
    let sampled = 0;
    for (let i = 0; i < 2000; i++) if (requests.start({}, "chat", "g", performance.now()) !== undefined) sampled += 1;
    expect(sampled).toBeGreaterThan(850);
    expect(sampled).toBeLessThan(1150);
    expect(new RequestTracer(provider.getTracer("test"), 1).start({}, "chat", "g", performance.now())).toBeDefined();
  });

  it("leaves every decision to the tracer's sampler when OTEL_TRACES_SAMPLER names one (no ratio)", () => {
    // The test provider's sampler is parent-based always-on: an unsampled parent is not recorded,
    // a malformed one counts as no parent (recorded).
    const { tracer, started } = countingTracer();
    const requests = new RequestTracer(tracer, undefined);
    expect(requests.start({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-00` }, "chat", "g", performance.now())).toBeUndefined();
    expect(requests.start({ traceparent: "garbage" }, "chat", "g", performance.now())).toBeDefined();
    expect(started()).toBe(2);
  });
});
