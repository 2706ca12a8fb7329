import { describe, expect, it } from "vitest";
import { seededRandom } from "../scenario/random.ts";
import { arrivalOffsets } from "./arrivals.ts";
import { spawnSchedule } from "./spawn-schedule.ts";

describe("spawnSchedule (Locust's dispatcher)", () => {
  it("starts floor(rate) users per batch, one batch per batch/rate seconds", () => {
    expect(spawnSchedule(10, 4)).toEqual([
      { atMs: 0, users: 4 },
      { atMs: 1000, users: 8 },
      { atMs: 2000, users: 10 },
    ]);
    expect(spawnSchedule(1000, 500).map((step) => step.atMs)).toEqual([0, 1000]);
  });

  it("spawns one user every 1/rate seconds below one per second", () => {
    expect(spawnSchedule(3, 0.5)).toEqual([
      { atMs: 0, users: 1 },
      { atMs: 2000, users: 2 },
      { atMs: 4000, users: 3 },
    ]);
    expect(spawnSchedule(0, 5)).toEqual([]);
  });
});

describe("arrivalOffsets", () => {
  it("spaces constant arrivals exactly 1/rate apart", () => {
    const next = arrivalOffsets(4, "constant", seededRandom(1));
    expect(Array.from({ length: 5 }, next)).toEqual([0, 250, 500, 750, 1000]);
  });

  it("gives Poisson arrivals the requested mean rate and exponential spread", () => {
    const next = arrivalOffsets(100, "poisson", seededRandom(42));
    const offsets = Array.from({ length: 20_001 }, next);
    const gaps = offsets.slice(1).map((offset, i) => offset - (offsets[i] ?? 0));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(9.7);
    expect(mean).toBeLessThan(10.3);
    // exponential: about e^-1 of the gaps are longer than the mean
    const longer = gaps.filter((gap) => gap > 10).length / gaps.length;
    expect(longer).toBeGreaterThan(0.34);
    expect(longer).toBeLessThan(0.40);
  });
});
