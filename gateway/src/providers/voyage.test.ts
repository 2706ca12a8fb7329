import { describe, expect, it } from "vitest";
import type { UpstreamTarget } from "./provider.ts";
import { voyage } from "./voyage.ts";

const target: UpstreamTarget = { model: "voyage-3", basePath: "/v1", baseQuery: "", apiKey: "pa-key" };

describe("voyage", () => {
  it("translates dimensions and input_type, with a Bearer key", () => {
    const request = voyage.buildRequest("embeddings", { model: "g", input: ["a"], dimensions: 256, input_type: "query" }, target, false);
    expect(request.path).toBe("/v1/embeddings");
    expect(request.headers["authorization"]).toBe("Bearer pa-key");
    expect(JSON.parse(request.body!)).toEqual({ input: ["a"], model: "voyage-3", input_type: "query", output_dimension: 256 });
  });

  it("turns total_tokens into prompt tokens", () => {
    const text = JSON.stringify({ object: "list", data: [{ object: "embedding", embedding: [0.5], index: 0 }], model: "voyage-3", usage: { total_tokens: 7 } });
    const parsed = voyage.parseResponse("embeddings", text, target, { model: "g", input: "a" }, { id: "c", created: 1 });
    expect(parsed.body).toEqual({ object: "list", data: [{ object: "embedding", index: 0, embedding: [0.5] }], model: "voyage-3", usage: { prompt_tokens: 7, total_tokens: 7 } });
    expect(parsed.usage?.prompt_tokens).toBe(7);
  });

  it("serves embeddings only", () => {
    expect(voyage.operations.has("chat")).toBe(false);
    expect(() => voyage.buildRequest("chat", { model: "g", messages: [] }, target, false)).toThrow(/embeddings only/);
  });

  it("reads Voyage's error detail", () => {
    expect(voyage.parseError(401, '{"detail":"Provided API key is invalid."}').message).toBe("Provided API key is invalid.");
  });
});
