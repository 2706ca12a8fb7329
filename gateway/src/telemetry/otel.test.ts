import { describe, expect, it } from "vitest";
import { samplerRatio, tracingEnabled } from "./otel.ts";

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
