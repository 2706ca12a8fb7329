import { describe, expect, it } from "vitest";
import { ScanText } from "../scanner.ts";
import { tokenLimit } from "./token-limit.ts";

const settings = { name: "TokenLimit", kind: "token_limit", phase: "input", failMode: "closed" } as const;

describe("TokenLimit", () => {
  it("blocks prompts over the limit with the limit as a message parameter", () => {
    const verdict = tokenLimit(settings, { limit: 20 }).scan(new ScanText("token ".repeat(30), 0, "openai/gpt-4o", 1));
    expect(verdict).toMatchObject({ action: "block", reason: "token_limit", params: { limit: 20 } });
  });

  it("counts the framing tokens of each message", () => {
    const text = "token ".repeat(10).trim();
    expect(tokenLimit(settings, { limit: 14 }).scan(new ScanText(text, 0, undefined, 1)).action).toBe("allow");
    expect(tokenLimit(settings, { limit: 14 }).scan(new ScanText(text, 0, undefined, 3)).action).toBe("block");
  });

  it("defaults to LLM Guard's 4096 tokens", () => {
    const scanner = tokenLimit(settings, {});
    expect(scanner.scan(new ScanText("hello ".repeat(4000))).action).toBe("allow");
    expect(scanner.scan(new ScanText("hello ".repeat(4200))).action).toBe("block");
  });
});
