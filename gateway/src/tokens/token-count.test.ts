import { describe, expect, it } from "vitest";
import { countTokens, encodingForModel, exceedsTokens, promptExceeds } from "./token-count.ts";

describe("token counting", () => {
  it("picks the encoding of the model family", () => {
    expect(encodingForModel("openai/gpt-4o-mini")).toBe("o200k_base");
    expect(encodingForModel("gpt-5")).toBe("o200k_base");
    expect(encodingForModel("azure/o3-mini")).toBe("o200k_base");
    expect(encodingForModel("openai/gpt-4")).toBe("cl100k_base");
    expect(encodingForModel("openai/gpt-3.5-turbo")).toBe("cl100k_base");
    expect(encodingForModel("ollama_chat/llama3.2")).toBe("cl100k_base");
    expect(encodingForModel(undefined)).toBe("cl100k_base");
  });

  it("counts real BPE tokens, special tokens included as text", () => {
    expect(countTokens("hello world", "cl100k_base")).toBe(2);
    expect(countTokens("<|endoftext|>", "cl100k_base")).toBeGreaterThan(1);
  });

  it("answers from the byte size when it settles the question", () => {
    expect(exceedsTokens("short", 10, "cl100k_base")).toBe(false);
    const long = "word ".repeat(50);
    expect(exceedsTokens(long, 40, "cl100k_base")).toBe(countTokens(long, "cl100k_base"));
    expect(exceedsTokens(long, 60, "cl100k_base")).toBe(false);
  });
});

describe("promptExceeds (a chat prompt against a token limit)", () => {
  it("adds 3 framing tokens per message to the text's tokens", () => {
    const text = "token ".repeat(10).trim(); // 10 tokens
    expect(promptExceeds(text, 1, 13, "cl100k_base")).toBe(false);
    expect(promptExceeds(text, 1, 12, "cl100k_base")).toBe(true);
    expect(promptExceeds(text, 2, 15, "cl100k_base")).toBe(true);
    expect(promptExceeds(text, 2, 16, "cl100k_base")).toBe(false);
  });

  it("counts the framing even when there is no text", () => {
    expect(promptExceeds("", 4, 11, "cl100k_base")).toBe(true);
    expect(promptExceeds("", 4, 12, "cl100k_base")).toBe(false);
  });
});

describe("partial tokenization", () => {
  const english = "The keeper climbed the stairs at dusk, trimmed the wick and wound the clockwork. ".repeat(80);
  const mixed = "Người gác hải đăng leo cầu thang lúc hoàng hôn. 灯台守は夕暮れに階段を上った。 Le gardien monte l'escalier. ".repeat(60);

  it("adds up exactly across the cuts it makes (counts match a whole-text count)", () => {
    for (const encodingName of ["cl100k_base", "o200k_base"] as const) {
      for (const text of [english, mixed]) {
        const total = countTokens(text, encodingName);
        // Just over the total: tokenizing everything proves it is within; just under: over.
        expect(exceedsTokens(text, total, encodingName)).toBe(false);
        expect(exceedsTokens(text, total - 1, encodingName)).toBeGreaterThan(total - 1);
      }
    }
  });

  it("decides a text a little over the byte budget without tokenizing all of it", () => {
    const limit = Buffer.byteLength(english) - 50;
    expect(exceedsTokens(english, limit, "cl100k_base")).toBe(false);
  });
});
