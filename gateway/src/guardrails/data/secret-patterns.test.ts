import { describe, expect, it } from "vitest";
import { caseless, SECRET_PATTERNS } from "./secret-patterns.ts";

describe("secret patterns", () => {
  it("match keywords in any case without RegExp modifiers (Node 22 has none)", () => {
    const keyword = new RegExp(`^${caseless(String.raw`api[_-]?key|bearer`)}$`);
    for (const text of ["api_key", "API-KEY", "ApiKey", "BEARER", "bearer"]) expect(keyword.test(text), text).toBe(true);
    expect(keyword.test("api key")).toBe(false);
    expect(caseless(String.raw`a\d[x]`)).toBe(String.raw`(?:[aA]\d[x])`);
  });

  it("use only syntax every supported Node understands", () => {
    for (const pattern of SECRET_PATTERNS) {
      expect(pattern.source, pattern.id).not.toMatch(/\(\?[-imsx]+:/);
      expect(() => new RegExp(pattern.source, "dg"), pattern.id).not.toThrow();
    }
  });
});
