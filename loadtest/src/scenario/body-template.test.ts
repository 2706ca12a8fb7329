import { describe, expect, it } from "vitest";
import { compileBody } from "./body-template.ts";
import { seededRandom } from "./random.ts";
import { parseWaitTime, nextWaitSeconds } from "./wait-time.ts";
import { pickWeighted, WeightedRoundRobin } from "./weighted.ts";

describe("compileBody", () => {
  it("picks $choice options at random, roughly evenly", () => {
    const body = compileBody({ prompt: { $choice: ["a", "b", "c"] } }, {}, "body");
    const random = seededRandom(3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const prompt = (JSON.parse(body.render({ random, user: 1, sequence: i }).text) as { prompt: string }).prompt;
      counts.set(prompt, (counts.get(prompt) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(["a", "b", "c"]);
    for (const count of counts.values()) expect(count).toBeGreaterThan(850);
  });

  it("fills placeholders per request and renders static bodies once", () => {
    const dynamic = compileBody({ id: "{{uuid}}" }, {}, "body");
    const a = dynamic.render({ random: Math.random, user: 1, sequence: 1 }).text;
    const b = dynamic.render({ random: Math.random, user: 1, sequence: 2 }).text;
    expect(a).not.toBe(b);
    const fixed = compileBody({ model: "${MODEL}", stream: true }, { MODEL: "gpt" }, "body");
    expect(fixed.render({ random: Math.random, user: 1, sequence: 1 })).toEqual({ text: '{"model":"gpt","stream":true}', stream: true });
  });

  it("rejects $choice mixed with other keys", () => {
    expect(() => compileBody({ x: { $choice: [1], y: 2 } }, {}, "body")).toThrow("body.x: an object with $choice must have no other keys");
  });
});

describe("wait times", () => {
  it("between() stays inside its bounds; pacing subtracts the task time", () => {
    const between = parseWaitTime("between(0.5, 1)");
    const random = seededRandom(9);
    const waits = Array.from({ length: 1000 }, () => nextWaitSeconds(between, random, 0));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...waits)).toBeLessThanOrEqual(1);
    expect(nextWaitSeconds(parseWaitTime("constant_throughput(4)"), random, 0.1)).toBeCloseTo(0.15);
    expect(nextWaitSeconds(parseWaitTime("constant_pacing(1)"), random, 3)).toBe(0);
    expect(() => parseWaitTime("sometimes(1)")).toThrow(/invalid wait_time/);
  });
});

describe("weights", () => {
  it("spreads users over classes in exact proportion, interleaved", () => {
    const rr = new WeightedRoundRobin([{ name: "a", weight: 3 }, { name: "b", weight: 1 }]);
    expect(Array.from({ length: 8 }, () => rr.next().name).join("")).toBe("aaba" + "aaba");
  });

  it("picks tasks in proportion to their weights", () => {
    const random = seededRandom(5);
    const items = [{ id: 1, weight: 1 }, { id: 2, weight: 4 }];
    const picks = Array.from({ length: 5000 }, () => pickWeighted(items, random).id);
    const share = picks.filter((id) => id === 2).length / picks.length;
    expect(share).toBeGreaterThan(0.77);
    expect(share).toBeLessThan(0.83);
  });
});
