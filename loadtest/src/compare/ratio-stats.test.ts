import { describe, expect, it } from "vitest";
import { compareRounds, compareTable, median } from "./ratio-stats.ts";
import type { SliceMeasure } from "./slice-measure.ts";

function slice(p50: number, rps: number, overheadP50?: number): SliceMeasure {
  return { requests: rps, failures: 0, durationS: 1, rps, p50, p90: p50 * 2, p99: p50 * 3, mean: p50, overheadP50 };
}

describe("compareRounds", () => {
  it("takes the per-round B/A ratio, then its median and min-max spread", () => {
    const rounds = [
      { a: slice(10, 100), b: slice(12, 90) },
      { a: slice(10, 100), b: slice(15, 80) },
      { a: slice(20, 50), b: slice(22, 45) },
    ];
    const p50 = compareRounds(rounds).find((c) => c.metric === "p50 (ms)");
    expect(p50).toEqual({ metric: "p50 (ms)", a: 10, b: 15, ratio: 1.2, ratioMin: 1.1, ratioMax: 1.5 });
  });

  it("keeps a metric only B reports (gateway overhead vs a bare upstream) without a ratio", () => {
    const overhead = compareRounds([{ a: slice(1, 1), b: slice(2, 1, 0.4) }]).find((c) => c.metric === "overhead p50 (ms)");
    expect(overhead?.b).toBe(0.4);
    expect(overhead?.ratio).toBeNaN();
    expect(compareTable(overhead === undefined ? [] : [overhead])).toMatch(/overhead p50 \(ms\)\s+n\/a\s+0\.400\s+n\/a\s+n\/a-n\/a/);
  });

  it("median handles even and odd counts", () => {
    expect([median([3, 1, 2]), median([4, 1, 3, 2])]).toEqual([2, 2.5]);
  });
});
