import { describe, expect, it } from "vitest";
import { CATALOGUE, OTHER_PARAM, PharosMetrics, UNKNOWN_GROUP } from "./metrics.ts";
import type { InstrumentSpec } from "./metric-store.ts";

const SPECS = Object.values(CATALOGUE) as InstrumentSpec[];

describe("the metric catalogue", () => {
  it("declares each name once, with a description, a unit and at most 5 attributes", () => {
    const names = SPECS.map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of SPECS) {
      expect(spec.description.length, spec.name).toBeGreaterThan(10);
      expect(spec.unit, spec.name).not.toBe("");
      expect(spec.attributes.length, spec.name).toBeLessThanOrEqual(5);
    }
  });

  it("never allows an identifying attribute", () => {
    for (const spec of SPECS) {
      for (const key of spec.attributes) expect(key, spec.name).not.toMatch(/key|user|request\.id|call|team|message|prompt/);
    }
  });

  it("avoids names Prometheus lint rejects (reserved suffixes, abbreviated units)", () => {
    for (const spec of SPECS) {
      const served = spec.name.replace(/[^a-zA-Z0-9_]/g, "_");
      expect(served, spec.name).not.toMatch(/_(count|sum|bucket|total)$/);
      expect(served, spec.name).not.toMatch(/_(ms|s|sec|seconds|milliseconds|bytes|b|kb|mb)(_|$)/);
    }
  });

  it("uses the GenAI semantic-convention buckets", () => {
    expect(CATALOGUE.requestDuration.buckets).toEqual([0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]);
    expect(CATALOGUE.timeToFirstToken.buckets).toEqual([0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
    expect(CATALOGUE.tokenUsage.buckets[0]).toBe(1);
  });
});

describe("PharosMetrics", () => {
  it("folds model groups the config does not have into one value", () => {
    const metrics = new PharosMetrics();
    metrics.setModelGroups(["gpt-4o"]);
    for (let i = 0; i < 500; i++) metrics.cacheLookup("miss", "memory", `bogus-${i}`);
    metrics.cacheLookup("hit", "memory", "gpt-4o");
    const series = metrics.snapshot().series["pharos.cache.lookups"]!;
    expect(series).toEqual([
      { attributes: { "gen_ai.request.model": UNKNOWN_GROUP, "pharos.cache.result": "miss", "pharos.cache.backend": "memory" }, value: 500 },
      { attributes: { "gen_ai.request.model": "gpt-4o", "pharos.cache.result": "hit", "pharos.cache.backend": "memory" }, value: 1 },
    ]);
  });

  it("counts dropped request fields by OpenAI parameter name, every other field as 'other'", () => {
    const metrics = new PharosMetrics();
    metrics.setModelGroups(["flash"]);
    metrics.paramsDropped("flash", "gcp.gemini", ["logprobs", "my_field_1"]);
    metrics.paramsDropped("flash", "gcp.gemini", ["logprobs", "my_field_2"]);
    expect(metrics.snapshot().series["pharos.params.dropped"]).toEqual([
      { attributes: { "gen_ai.request.model": "flash", "gen_ai.provider.name": "gcp.gemini", "pharos.request.param": "logprobs" }, value: 2 },
      { attributes: { "gen_ai.request.model": "flash", "gen_ai.provider.name": "gcp.gemini", "pharos.request.param": OTHER_PARAM }, value: 2 },
    ]);
  });

  it("records guardrail scans, and blocks only when blocked", () => {
    const metrics = new PharosMetrics();
    metrics.guardrailScanned("PromptInjection", "input", 0.002, false);
    metrics.guardrailScanned("PromptInjection", "input", 0.003, true);
    const snapshot = metrics.snapshot().series;
    expect(snapshot["pharos.guardrail.blocks"]).toEqual([{ attributes: { "pharos.guardrail.scanner": "PromptInjection", "pharos.guardrail.direction": "input" }, value: 1 }]);
    expect(snapshot["pharos.guardrail.scan.duration"]![0]!.value).toMatchObject({ count: 2 });
  });

  it("reads pools at collection time, summing pools that share an origin", () => {
    const metrics = new PharosMetrics();
    metrics.observeUpstreamPools(() => [
      { origin: "http://a:1", connected: 3, free: 1, pending: 2, running: 2 },
      { origin: "http://a:1", connected: 1, free: 1, pending: 0, running: 0 },
    ]);
    metrics.observeDbPool("postgresql", "spend", () => ({ used: 2, idle: 3, pending: 0, max: 10 }));
    const snapshot = metrics.snapshot().series;
    expect(snapshot["http.client.open_connections"]).toEqual([
      { attributes: { "server.address": "http://a:1", "http.connection.state": "active" }, value: 2 },
      { attributes: { "server.address": "http://a:1", "http.connection.state": "idle" }, value: 2 },
    ]);
    expect(snapshot["db.client.connections.max"]).toEqual([{ attributes: { "db.system.name": "postgresql", "db.client.connection.pool.name": "spend" }, value: 10 }]);
  });

  it("serves unlabelled failure counters from boot", () => {
    const snapshot = new PharosMetrics().snapshot().series;
    expect(snapshot["pharos.spend.write.failures"]).toEqual([{ attributes: {}, value: 0 }]);
  });
});
