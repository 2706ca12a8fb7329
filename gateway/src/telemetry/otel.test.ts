import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { context, createContextKey, propagation, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import * as sdkTrace from "@opentelemetry/sdk-trace";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/load.ts";
import { attributeLimitsFromEnv, checkTelemetryEnv, samplerFromEnv, samplerRatio, startTelemetry, traceProtocol, tracingEnabled } from "./otel.ts";
import { RequestTracer } from "./tracing.ts";
import { requestRecord } from "../../../tests/support/request-record.ts";

describe("tracing switches", () => {
  it("is on only with an OTLP endpoint, and off when the exporter or the SDK is disabled", () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: " " })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_TRACES_EXPORTER: "none" })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" })).toBe(false);
  });

  it("reads the sampling ratio, defaulting to 1 when absent or out of range", () => {
    expect(samplerRatio({})).toBe(1);
    expect(samplerRatio({ OTEL_TRACES_SAMPLER_ARG: "0.1" })).toBe(0.1);
    expect(samplerRatio({ OTEL_TRACES_SAMPLER_ARG: "0" })).toBe(0);
    expect(samplerRatio({ OTEL_TRACES_SAMPLER_ARG: "1.5" })).toBe(1);
    expect(samplerRatio({ OTEL_TRACES_SAMPLER_ARG: "ten percent" })).toBe(1);
  });
});

describe("OTLP protocol", () => {
  it("defaults to http/protobuf (the spec's default); the traces-specific variable wins", () => {
    expect(traceProtocol({})).toBe("http/protobuf");
    expect(traceProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toBe("grpc");
    expect(traceProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: " HTTP/JSON " })).toBe("http/json");
    expect(traceProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json" })).toBe("http/json");
  });

  it("rejects an unknown protocol naming the variable and the choices, only when traces are on", () => {
    const bad = { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/xml" };
    expect(() => traceProtocol(bad)).toThrow(ConfigError);
    expect(() => traceProtocol(bad)).toThrow(/OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http\/xml" is not an OTLP protocol \(http\/protobuf, http\/json, grpc\)/);
    expect(() => checkTelemetryEnv(bad)).not.toThrow();
    expect(() => checkTelemetryEnv({ ...bad, OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toThrow(ConfigError);
  });
});

describe("the trace SDK boot", () => {
  it("registers nothing globally (no context manager, propagator or tracer provider), yet request traces are sampled and exported", async () => {
    let exported = 0;
    const sink = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        exported += 1;
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", () => resolve()));
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_TRACES_SAMPLER_ARG: "0.25" };
    // The OTLP exporter reads its endpoint from the process environment, as in `pharos serve`.
    const saved = process.env["OTEL_EXPORTER_OTLP_ENDPOINT"];
    process.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = env.OTEL_EXPORTER_OTLP_ENDPOINT;
    const telemetry = startTelemetry({ env, logger: pino({ level: "silent" }), specs: [], snapshot: async () => ({ series: {} }), instanceId: "test:1", traces: true, standaloneMetrics: false });
    if (saved === undefined) delete process.env["OTEL_EXPORTER_OTLP_ENDPOINT"];
    else process.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = saved;
    try {
      expect(telemetry.spans?.ratio).toBe(0.25);
      expect(telemetry.spans?.sampler).toBeUndefined();
      const key = createContextKey("probe");
      // With a context manager installed, `with` would make the value active inside the callback.
      expect(context.with(ROOT_CONTEXT.setValue(key, 1), () => context.active().getValue(key))).toBeUndefined();
      expect(propagation.fields()).toEqual([]);
      expect(trace.getTracer("global").startSpan("probe").isRecording()).toBe(false);
      const request = new RequestTracer(telemetry.spans!).start({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }, "chat", "probe", performance.now());
      expect(request).toBeDefined();
      request!.finish(requestRecord());
    } finally {
      await telemetry.shutdown(); // flushes the batch
      await new Promise<void>((resolve) => sink.close(() => resolve()));
    }
    expect(exported).toBe(1);
  });

  it("leaves the ratio to OTEL_TRACES_SAMPLER's sampler when one is named", async () => {
    const telemetry = startTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", OTEL_TRACES_SAMPLER: "always_on", OTEL_TRACES_SAMPLER_ARG: "0.25" }, logger: pino({ level: "silent" }), specs: [], snapshot: async () => ({ series: {} }), instanceId: "test:1", traces: true, standaloneMetrics: false });
    expect(telemetry.spans?.sampler?.toString()).toBe("AlwaysOnSampler");
    await telemetry.shutdown();
  });
});

describe("trace settings from the environment", () => {
  it("builds the spec's samplers from OTEL_TRACES_SAMPLER and its argument", () => {
    expect(samplerFromEnv({}, sdkTrace)).toBeUndefined();
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: "always_off" }, sdkTrace)).toBeInstanceOf(sdkTrace.AlwaysOffSampler);
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.3" }, sdkTrace)?.toString()).toBe("TraceIdRatioBased{0.3}");
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.3" }, sdkTrace)?.toString()).toMatch(/^ParentBased\{root=TraceIdRatioBased\{0.3\}/);
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: "no_such_sampler" }, sdkTrace)).toBeUndefined();
  });

  it("reads attribute limits, the span-specific variable first", () => {
    expect(attributeLimitsFromEnv({})).toEqual({});
    expect(attributeLimitsFromEnv({ OTEL_ATTRIBUTE_COUNT_LIMIT: "64", OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: "256", OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "512", OTEL_SPAN_EVENT_COUNT_LIMIT: "x" })).toEqual({ attributeCountLimit: 64, attributeValueLengthLimit: 256 });
  });
});
