import { describe, expect, it } from "vitest";
import { evaluateThresholds, parseThreshold, thresholdLines } from "./threshold.ts";
import type { MetricRef } from "./threshold.ts";

describe("parseThreshold", () => {
  it("reads latency, overhead and scalar thresholds", () => {
    expect(parseThreshold("p99<500")).toMatchObject({ metric: { kind: "latency", source: "latency", stat: { percentile: 99 } }, operator: "<", limit: 500, abort: false });
    expect(parseThreshold("overhead_p50 < 1")).toMatchObject({ metric: { source: "overhead", stat: { percentile: 50 } }, limit: 1 });
    expect(parseThreshold("p(99.9)<=800:abort")).toMatchObject({ metric: { stat: { percentile: 99.9 } }, operator: "<=", abort: true });
    expect(parseThreshold("ttft_avg<200").metric).toEqual({ kind: "latency", source: "ttft", stat: { named: "avg" } });
    expect(parseThreshold("fail_rate<0.005").metric).toEqual({ kind: "scalar", name: "fail_rate" });
    expect(parseThreshold("med>=1").metric).toEqual({ kind: "latency", source: "latency", stat: { percentile: 50 } });
  });

  it("rejects what it cannot read, explaining the grammar", () => {
    for (const bad of ["p99", "p99<abc", "latency_p101<5", "bogus_p50<1", "p99 << 5"]) expect(() => parseThreshold(bad), bad).toThrow(/expected \[SOURCE_\]STAT OP NUMBER/);
  });
});

describe("evaluateThresholds", () => {
  const values = new Map<string, number>([["latency:99", 420], ["fail_rate", 0.01]]);
  const valueOf = (metric: MetricRef): number | undefined =>
    values.get(metric.kind === "scalar" ? metric.name : `${metric.source}:${"percentile" in metric.stat ? metric.stat.percentile : metric.stat.named}`);

  it("passes, fails, and fails on missing data, with ✓/✗ lines", () => {
    const results = evaluateThresholds(["p99<500", "fail_rate<0.005", "overhead_p50<1"].map(parseThreshold), valueOf);
    expect(results.map((r) => r.passed)).toEqual([true, false, false]);
    expect(thresholdLines(results)).toEqual(["✓ p99<500 (actual 420)", "✗ fail_rate<0.005 (actual 0.0100)", "✗ overhead_p50<1 (actual no data)"]);
  });
});
