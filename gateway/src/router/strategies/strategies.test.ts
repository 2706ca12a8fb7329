import { describe, expect, it } from "vitest";
import { costBased } from "./cost-based.ts";
import { latencyBased } from "./latency-based.ts";
import { leastBusy } from "./least-busy.ts";
import { strategyFor } from "./registry.ts";
import { roundRobin } from "./round-robin.ts";
import { simpleShuffle } from "./simple-shuffle.ts";
import type { Candidate, MinuteUsage, RoutingStats } from "./strategy.ts";
import { usageBased } from "./usage-based.ts";

function candidate(id: string, extra: Partial<Candidate> = {}): Candidate {
  return { id, weight: undefined, rpm: undefined, tpm: undefined, price: { inputPerToken: 0, outputPerToken: 0, source: "local" }, ...extra };
}

/** A seeded random source (mulberry32): distributions are reproducible. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function stats(values: { inFlight?: Record<string, number>; latency?: Record<string, number>; usage?: Record<string, MinuteUsage>; round?: number } = {}): RoutingStats {
  return {
    inFlight: (id) => values.inFlight?.[id] ?? 0,
    latencyMs: (id) => values.latency?.[id],
    usage: (id) => values.usage?.[id] ?? { requests: 0, tokens: 0 },
    round: values.round ?? 0,
  };
}

function histogram(pick: () => Candidate | undefined, picks: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < picks; i++) {
    const chosen = pick();
    if (chosen !== undefined) counts[chosen.id] = (counts[chosen.id] ?? 0) + 1;
  }
  return counts;
}

describe("simple-shuffle", () => {
  it("is uniform without weights", () => {
    const random = seeded(1);
    const group = [candidate("a"), candidate("b"), candidate("c")];
    const counts = histogram(() => simpleShuffle(group, undefined, random), 9000);
    for (const id of ["a", "b", "c"]) expect(counts[id]).toBeGreaterThan(2700);
  });

  it("follows weight, then rpm, then tpm", () => {
    const random = seeded(2);
    const weighted = [candidate("a", { weight: 1 }), candidate("b", { weight: 3, rpm: 1 })];
    const byWeight = histogram(() => simpleShuffle(weighted, undefined, random), 8000);
    expect(byWeight["b"]! / byWeight["a"]!).toBeGreaterThan(2.6);
    expect(byWeight["b"]! / byWeight["a"]!).toBeLessThan(3.4);
    const byRpm = histogram(() => simpleShuffle([candidate("a", { rpm: 100 }), candidate("b", { rpm: 300 })], undefined, random), 8000);
    expect(byRpm["b"]! / byRpm["a"]!).toBeGreaterThan(2.6);
    const byTpm = histogram(() => simpleShuffle([candidate("a", { tpm: 900 }), candidate("b", { tpm: 100 })], undefined, random), 8000);
    expect(byTpm["a"]! / byTpm["b"]!).toBeGreaterThan(7);
  });

  it("returns undefined for no candidates and the only one for one", () => {
    expect(simpleShuffle([], undefined, Math.random)).toBeUndefined();
    const only = candidate("x");
    expect(simpleShuffle([only], undefined, Math.random)).toBe(only);
  });

  it("weighted (the seeds' name) is the same pick", () => {
    expect(strategyFor("weighted", { latencyBuffer: 0 })).toBe(simpleShuffle);
  });
});

describe("round robin", () => {
  it("takes the candidates in turn", () => {
    const group = [candidate("a"), candidate("b"), candidate("c")];
    const order = [0, 1, 2, 3, 4, 5].map((round) => roundRobin(group, stats({ round }), Math.random)!.id);
    expect(order).toEqual(["a", "b", "c", "a", "b", "c"]);
  });
});

describe("least-busy", () => {
  it("picks the deployment with the fewest requests in flight", () => {
    const group = [candidate("a"), candidate("b"), candidate("c")];
    expect(leastBusy(group, stats({ inFlight: { a: 3, b: 1, c: 2 } }), Math.random)!.id).toBe("b");
  });

  it("spreads ties at random", () => {
    const random = seeded(3);
    const group = [candidate("a"), candidate("b"), candidate("c")];
    const counts = histogram(() => leastBusy(group, stats({ inFlight: { a: 0, b: 0, c: 5 } }), random), 4000);
    expect(counts["c"]).toBeUndefined();
    expect(counts["a"]).toBeGreaterThan(1700);
    expect(counts["b"]).toBeGreaterThan(1700);
  });
});

describe("latency-based", () => {
  it("picks the fastest, and shares among those within the buffer", () => {
    const random = seeded(4);
    const group = [candidate("fast"), candidate("near"), candidate("slow")];
    const latency = { fast: 100, near: 120, slow: 400 };
    const strict = histogram(() => latencyBased(0)(group, stats({ latency }), random), 1000);
    expect(strict).toEqual({ fast: 1000 });
    const buffered = histogram(() => latencyBased(0.5)(group, stats({ latency }), random), 4000);
    expect(buffered["slow"]).toBeUndefined();
    expect(buffered["fast"]).toBeGreaterThan(1700);
    expect(buffered["near"]).toBeGreaterThan(1700);
  });

  it("tries a deployment without a measurement first", () => {
    const group = [candidate("measured"), candidate("new")];
    expect(latencyBased(0)(group, stats({ latency: { measured: 5 } }), Math.random)!.id).toBe("new");
  });
});

describe("usage-based", () => {
  it("picks the deployment with the most headroom when all have limits", () => {
    const group = [candidate("small", { rpm: 10 }), candidate("big", { rpm: 100 })];
    const usage = { small: { requests: 5, tokens: 0 }, big: { requests: 20, tokens: 0 } };
    expect(usageBased(group, stats({ usage }), Math.random)!.id).toBe("big");
  });

  it("compares tokens used when some have no limits", () => {
    const group = [candidate("a"), candidate("b", { tpm: 1000 })];
    const usage = { a: { requests: 1, tokens: 500 }, b: { requests: 3, tokens: 100 } };
    expect(usageBased(group, stats({ usage }), Math.random)!.id).toBe("b");
  });
});

describe("cost-based", () => {
  it("picks the cheapest", () => {
    const group = [
      candidate("dear", { price: { inputPerToken: 2e-6, outputPerToken: 8e-6, source: "built-in" } }),
      candidate("cheap", { price: { inputPerToken: 1e-7, outputPerToken: 4e-7, source: "built-in" } }),
    ];
    expect(costBased(group, stats(), Math.random)!.id).toBe("cheap");
  });
});
