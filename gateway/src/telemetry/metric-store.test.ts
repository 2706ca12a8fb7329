import { describe, expect, it } from "vitest";
import { MetricStore, OVERFLOW_ATTRIBUTE } from "./metric-store.ts";
import type { HistogramValue, InstrumentSpec } from "./metric-store.ts";

const counterSpec: InstrumentSpec = { name: "t.requests", kind: "counter", unit: "1", description: "d", attributes: ["route", "status"] };
const histogramSpec: InstrumentSpec = { name: "t.duration", kind: "histogram", unit: "s", description: "d", attributes: ["route"], buckets: [0.1, 1, 10] };

describe("MetricStore", () => {
  it("adds counters per attribute set and reuses the attribute object", () => {
    const store = new MetricStore();
    const counter = store.counter(counterSpec);
    counter.add(1, "chat", "2xx");
    counter.add(2, "chat", "2xx");
    counter.add(1, "chat", "5xx");
    const first = store.snapshot().series["t.requests"]!;
    expect(first).toEqual([
      { attributes: { route: "chat", status: "2xx" }, value: 3 },
      { attributes: { route: "chat", status: "5xx" }, value: 1 },
    ]);
    const second = store.snapshot().series["t.requests"]!;
    expect(second[0]!.attributes).toBe(first[0]!.attributes);
  });

  it("leaves out empty attribute values", () => {
    const store = new MetricStore();
    store.counter(counterSpec).add(1, "chat", "");
    expect(store.snapshot().series["t.requests"]![0]!.attributes).toEqual({ route: "chat" });
  });

  it("puts values in the right bucket (upper bounds inclusive) and keeps sum, count, min, max", () => {
    const store = new MetricStore();
    const histogram = store.histogram(histogramSpec);
    for (const value of [0.05, 0.1, 0.5, 1, 5, 50]) histogram.record(value, "chat");
    const value = store.snapshot().series["t.duration"]![0]!.value as HistogramValue;
    expect(value.counts).toEqual([2, 2, 1, 1]);
    expect(value.count).toBe(6);
    expect(value.sum).toBeCloseTo(56.65);
    expect(value.min).toBe(0.05);
    expect(value.max).toBe(50);
  });

  it("folds series past the cardinality limit into one overflow series", () => {
    const store = new MetricStore();
    const counter = store.counter({ ...counterSpec, cardinalityLimit: 10 });
    for (let i = 0; i < 1000; i++) counter.add(1, `route-${i}`, "2xx");
    const series = store.snapshot().series["t.requests"]!;
    expect(series).toHaveLength(11);
    const overflow = series.find((point) => point.attributes[OVERFLOW_ATTRIBUTE] === true);
    expect(overflow?.value).toBe(990);
    expect(series.reduce((total, point) => total + (point.value as number), 0)).toBe(1000);
    // The lookup maps stopped growing with the series: 10 first-level entries and their 10 leaves.
    expect(counter.size).toBe(11);
    expect(counter.lookupEntries).toBe(20);
  });

  it("adds no lookup entry past the limit, at any level, and still finds the series it has", () => {
    const store = new MetricStore();
    const spec: InstrumentSpec = { name: "t.wide", kind: "histogram", unit: "s", description: "d", attributes: ["a", "b", "c", "d", "e"], buckets: [1], cardinalityLimit: 3 };
    const histogram = store.histogram(spec);
    for (let i = 0; i < 3; i++) histogram.record(0.5, "x", "y", "z", "w", `v${i}`);
    const entries = histogram.lookupEntries;
    expect(entries).toBe(4 + 3); // x → y → z → w, then three leaves
    // New values at every level, 1,000 times: all fold into the overflow series, the maps do not grow.
    for (let i = 0; i < 1000; i++) {
      histogram.record(2, `a${i}`, "y", "z", "w", "v0");
      histogram.record(2, "x", `b${i}`, "z", "w", "v0");
      histogram.record(2, "x", "y", "z", `d${i}`, "v0");
      histogram.record(2, "x", "y", "z", "w", `e${i}`);
    }
    expect(histogram.lookupEntries).toBe(entries);
    expect(histogram.size).toBe(4);
    histogram.record(0.5, "x", "y", "z", "w", "v1");
    const series = store.snapshot().series["t.wide"]!;
    expect(series.find((point) => point.attributes["e"] === "v1")?.value).toMatchObject({ count: 2 });
    expect(series.find((point) => point.attributes[OVERFLOW_ATTRIBUTE] === true)?.value).toMatchObject({ count: 4000 });
  });

  it("reads gauges from collectors at each snapshot; unobserved series vanish", () => {
    const store = new MetricStore();
    const gauge = store.gauge({ name: "t.pool", kind: "gauge", unit: "1", description: "d", attributes: ["origin"] });
    let origins = ["a", "b"];
    store.addCollector(() => {
      for (const origin of origins) gauge.observe(origin.length, origin);
    });
    expect(store.snapshot().series["t.pool"]).toHaveLength(2);
    origins = ["a"];
    expect(store.snapshot().series["t.pool"]).toEqual([{ attributes: { origin: "a" }, value: 1 }]);
  });

  it("keeps going when a collector throws, and reports the error", () => {
    const errors: unknown[] = [];
    const store = new MetricStore((error) => errors.push(error));
    store.counter(counterSpec).add(1, "x", "2xx");
    store.addCollector(() => {
      throw new Error("pool gone");
    });
    expect(store.snapshot().series["t.requests"]).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it("rejects a duplicate name, a kind mismatch and unsorted buckets", () => {
    const store = new MetricStore();
    store.counter(counterSpec);
    expect(() => store.counter(counterSpec)).toThrow(/declared twice/);
    expect(() => store.histogram(counterSpec)).toThrow(/declared as counter/);
    expect(() => store.histogram({ ...histogramSpec, name: "t.bad", buckets: [1, 0.5] })).toThrow(/ascend/);
  });
});
