import { describe, expect, it } from "vitest";
import { failureCheck, failureLines, failureRow } from "./failure-check.ts";
import { compareTable } from "./ratio-stats.ts";
import type { SliceMeasure } from "./slice-measure.ts";

function slice(requests: number, failures: number): SliceMeasure {
  return { requests, failures, durationS: 1, rps: requests, p50: 1, p90: 2, p99: 3, mean: 1, overheadP50: undefined };
}

describe("failureCheck", () => {
  it("sums each side over the rounds and flags a side strictly above the limit", () => {
    const rounds = [
      { a: slice(100, 1), b: slice(400, 400) },
      { a: slice(100, 1), b: slice(600, 0) },
    ];
    const check = failureCheck(rounds, 0.01);
    expect(check.a).toEqual({ requests: 200, failures: 2, rate: 0.01 });
    expect(check.b).toEqual({ requests: 1000, failures: 400, rate: 0.4 });
    expect(check.over).toEqual(["B"]);
    expect(failureCheck(rounds, 0.005).over).toEqual(["A", "B"]);
    expect(failureCheck(rounds, 0.5).over).toEqual([]);
  });

  it("counts a side with failures and no completed request as 100 % failed", () => {
    expect(failureCheck([{ a: slice(0, 0), b: slice(0, 3) }], 0.01)).toMatchObject({ a: { rate: 0 }, b: { rate: 1 }, over: ["B"] });
  });

  it("warns that ratios over failed responses are not comparable when a side is over the limit", () => {
    const lines = failureLines(failureCheck([{ a: slice(100, 0), b: slice(50, 50) }], 0.01));
    expect(lines[0]).toBe("WARNING: B failed more than 1.00 % of requests (--max-fail-rate): A 0 of 100 (0.00 %), B 50 of 50 (100.00 %).");
    expect(lines[1]).toMatch(/^The comparison is not valid: latency and throughput ratios over failed responses are not comparable/);
  });

  it("notes failures under the limit, and says nothing without any", () => {
    expect(failureLines(failureCheck([{ a: slice(1000, 5), b: slice(1000, 0) }], 0.01))).toEqual(["note: failed responses are in the ratios: A 5 of 1000 (0.50 %), B 0 of 1000 (0.00 %); under the 1.00 % limit (--max-fail-rate)"]);
    expect(failureLines(failureCheck([{ a: slice(10, 0), b: slice(10, 0) }], 0.01))).toEqual([]);
  });

  it("gives the table a failure-rate row per side, in percent, without a ratio", () => {
    const row = failureRow(failureCheck([{ a: slice(100, 0), b: slice(200, 50) }], 0.01));
    expect(compareTable([row]).split("\n")[2]).toMatch(/^failure rate \(%\)\s+0\.000\s+25\.000\s+n\/a\s+n\/a-n\/a$/);
  });
});
