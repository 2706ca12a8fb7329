import { describe, expect, it } from "vitest";
import { mergeSnapshots } from "./merge.ts";
import type { InstrumentSpec, StoreSnapshot } from "./metric-store.ts";

const SPECS: InstrumentSpec[] = [
  { name: "c", kind: "counter", unit: "1", description: "d", attributes: ["route"] },
  { name: "h", kind: "histogram", unit: "s", description: "d", attributes: [], buckets: [1, 2] },
  { name: "g.sum", kind: "gauge", unit: "1", description: "d", attributes: [] },
  { name: "g.max", kind: "gauge", unit: "1", description: "d", attributes: [], merge: "max" },
  { name: "cpu", kind: "observed_counter", unit: "s", description: "d", attributes: [] },
];

function worker(requests: number, histogram: number[], sum: number, gauge: number): StoreSnapshot {
  return {
    series: {
      c: [{ attributes: { route: "chat" }, value: requests }],
      h: [{ attributes: {}, value: { counts: histogram, sum, count: histogram.reduce((a, b) => a + b, 0), min: 0.5, max: sum } }],
      "g.sum": [{ attributes: {}, value: gauge }],
      "g.max": [{ attributes: {}, value: gauge }],
      cpu: [{ attributes: {}, value: gauge / 10 }],
    },
  };
}

describe("mergeSnapshots", () => {
  it("adds counters, adds histograms bucket by bucket, sums or maxes gauges", () => {
    const merged = mergeSnapshots(SPECS, [worker(3, [1, 2, 0], 4, 10), worker(5, [0, 1, 4], 20, 30)]);
    expect(merged.series["c"]).toEqual([{ attributes: { route: "chat" }, value: 8 }]);
    expect(merged.series["h"]![0]!.value).toEqual({ counts: [1, 3, 4], sum: 24, count: 8, min: 0.5, max: 20 });
    expect(merged.series["g.sum"]![0]!.value).toBe(40);
    expect(merged.series["g.max"]![0]!.value).toBe(30);
  });

  it("does not mutate its inputs", () => {
    const a = worker(1, [1, 0, 0], 1, 1);
    mergeSnapshots(SPECS, [a, worker(1, [1, 0, 0], 1, 1)]);
    expect(a.series["h"]![0]!.value).toMatchObject({ counts: [1, 0, 0], count: 1 });
  });

  it("keeps only what outlives a process when asked (counters, histograms, observed counters)", () => {
    const retired = mergeSnapshots(SPECS, [worker(3, [1, 0, 0], 1, 10)], { cumulativeOnly: true });
    expect(Object.keys(retired.series).sort()).toEqual(["c", "cpu", "h"]);
  });

  it("matches series by attributes whatever their key order, and drops undeclared instruments", () => {
    const merged = mergeSnapshots(
      [{ name: "c2", kind: "counter", unit: "1", description: "d", attributes: ["a", "b"] }],
      [{ series: { c2: [{ attributes: { a: "1", b: "2" }, value: 1 }], gone: [{ attributes: {}, value: 9 }] } }, { series: { c2: [{ attributes: { b: "2", a: "1" }, value: 2 }] } }],
    );
    expect(merged.series).toEqual({ c2: [{ attributes: { a: "1", b: "2" }, value: 3 }] });
  });
});
