import { describe, expect, it } from "vitest";
import { cacheKeyOf, canonicalJson, responseFormatOf } from "./cache-key.ts";

const base = { model: "gpt-mock", messages: [{ role: "user", content: "hi" }], temperature: 0.2 };

describe("the cache key", () => {
  it("ignores field order at every level", () => {
    const reordered = { temperature: 0.2, messages: [{ content: "hi", role: "user" }], model: "gpt-mock" };
    expect(cacheKeyOf("chat", reordered)).toBe(cacheKeyOf("chat", base));
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
  });

  it("changes with anything that changes the answer", () => {
    const key = cacheKeyOf("chat", base);
    expect(cacheKeyOf("chat", { ...base, temperature: 0.3 })).not.toBe(key);
    expect(cacheKeyOf("chat", { ...base, model: "gpt-other" })).not.toBe(key);
    expect(cacheKeyOf("chat", { ...base, messages: [{ role: "user", content: "hi!" }] })).not.toBe(key);
    expect(cacheKeyOf("chat", { ...base, max_tokens: 5 })).not.toBe(key);
    expect(cacheKeyOf("chat", { ...base, tools: [{ type: "function" }] })).not.toBe(key);
    expect(cacheKeyOf("text_completion", base)).not.toBe(key);
  });

  it("does not change with the caller's identity", () => {
    expect(cacheKeyOf("chat", { ...base, user: "alice" })).toBe(cacheKeyOf("chat", base));
  });

  it("keeps JSON, SSE and SSE-with-usage answers apart", () => {
    expect(responseFormatOf(base)).toBe("json");
    expect(responseFormatOf({ ...base, stream: true })).toBe("sse");
    expect(responseFormatOf({ ...base, stream: true, stream_options: { include_usage: true } })).toBe("sse+usage");
    const keys = new Set([cacheKeyOf("chat", base), cacheKeyOf("chat", { ...base, stream: true }), cacheKeyOf("chat", { ...base, stream: true, stream_options: { include_usage: true } })]);
    expect(keys.size).toBe(3);
    expect(cacheKeyOf("chat", { ...base, stream: false })).toBe(cacheKeyOf("chat", base));
  });

  it("keeps answers scanned by different output guardrails apart", () => {
    const plain = cacheKeyOf("chat", base);
    const guarded = cacheKeyOf("chat", base, "guardrails:NoCode");
    expect(guarded).not.toBe(plain);
    expect(cacheKeyOf("chat", base, "guardrails:NoCode,Toxicity")).not.toBe(guarded);
    expect(cacheKeyOf("chat", base, "")).toBe(plain);
  });
});
