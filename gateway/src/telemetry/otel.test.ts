import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/load.ts";
import { checkTelemetryEnv, samplerRatio, traceProtocol, tracingEnabled } from "./otel.ts";

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
