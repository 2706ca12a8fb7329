import { describe, expect, it } from "vitest";
import { builtInPrice, costOf, priceFor } from "./pricing.ts";

describe("pricing", () => {
  it("prefers the deployment's own prices", () => {
    expect(priceFor({ localModel: false, upstreamModel: "gpt-4o", inputCostPerToken: 1e-6, outputCostPerToken: undefined })).toEqual({ inputPerToken: 1e-6, outputPerToken: 0, source: "config" });
  });

  it("matches the built-in table by longest prefix", () => {
    expect(builtInPrice("gpt-4o-mini-2024-07-18")?.inputPerToken).toBeCloseTo(0.15e-6);
    expect(builtInPrice("gpt-4o-2024-08-06")?.inputPerToken).toBeCloseTo(2.5e-6);
    expect(builtInPrice("my-own-model")).toBeUndefined();
  });

  it("makes local providers free and unknown cloud models 0 with source unknown", () => {
    expect(priceFor({ localModel: true, upstreamModel: "gpt-4o", inputCostPerToken: undefined, outputCostPerToken: undefined }).source).toBe("local");
    expect(priceFor({ localModel: false, upstreamModel: "mystery", inputCostPerToken: undefined, outputCostPerToken: undefined })).toEqual({ inputPerToken: 0, outputPerToken: 0, source: "unknown" });
  });

  it("costs usage", () => {
    const price = { inputPerToken: 2e-6, outputPerToken: 8e-6, source: "built-in" } as const;
    expect(costOf({ prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 }, price)).toBeCloseTo(0.006);
    expect(costOf(undefined, price)).toBe(0);
  });
});
