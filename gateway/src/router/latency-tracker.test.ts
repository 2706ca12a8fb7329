import { describe, expect, it } from "vitest";
import { FAILURE_PENALTY_MS, LatencyTracker } from "./latency-tracker.ts";

describe("latency tracker", () => {
  it("averages the recent measurements and forgets them after the TTL", () => {
    const tracker = new LatencyTracker(1000);
    expect(tracker.latency("a", false, 0)).toBeUndefined();
    tracker.record("a", 100, false, 0);
    tracker.record("a", 300, false, 500);
    expect(tracker.latency("a", false, 600)).toBe(200);
    expect(tracker.latency("a", false, 1200)).toBe(300);
    expect(tracker.latency("a", false, 1600)).toBeUndefined();
    tracker.record("a", 50, false, 1700);
    expect(tracker.latency("a", false, 1700)).toBe(50);
  });

  it("keeps the last ten measurements", () => {
    const tracker = new LatencyTracker(60_000);
    for (let i = 0; i < 10; i++) tracker.record("a", 1000, false, i);
    for (let i = 0; i < 10; i++) tracker.record("a", 10, false, 10 + i);
    expect(tracker.latency("a", false, 30)).toBe(10);
  });

  it("routes streams by time to first token, falling back to whole responses", () => {
    const tracker = new LatencyTracker(60_000);
    tracker.record("a", 900, false, 0);
    expect(tracker.latency("a", true, 1)).toBe(900);
    tracker.record("a", 40, true, 2);
    expect(tracker.latency("a", true, 3)).toBe(40);
    expect(tracker.latency("a", false, 3)).toBe(900);
  });

  it("remembers a failure as slow", () => {
    const tracker = new LatencyTracker(60_000);
    tracker.recordFailure("a", 3, false, 0);
    expect(tracker.latency("a", false, 1)).toBe(FAILURE_PENALTY_MS);
  });
});
