import { describe, expect, it } from "vitest";
import { GatewayError } from "../errors.ts";
import { validateRequest } from "./request-schemas.ts";

function failure(op: "chat" | "text_completion" | "embeddings", body: Record<string, unknown>): { message: string; param: string | null } {
  try {
    validateRequest(op, body);
  } catch (error) {
    if (error instanceof GatewayError) return { message: error.message, param: error.param };
    throw error;
  }
  throw new Error("expected a validation error");
}

describe("request validation names the field", () => {
  it.each([
    ["chat", {}, "model", "Invalid request: 'model' is required"],
    ["chat", { model: 5, messages: [] }, "model", "Invalid request: 'model' must be a string"],
    ["chat", { model: "m" }, "messages", "Invalid request: 'messages' is required"],
    ["chat", { model: "m", messages: [] }, "messages", "Invalid request: 'messages' must contain at least one message"],
    ["chat", { model: "m", messages: "hi" }, "messages", "Invalid request: 'messages' must be a list of messages"],
    ["chat", { model: "m", messages: [{ content: "x" }] }, "messages[0].role", "Invalid request: 'messages[0].role' is required"],
    ["chat", { model: "m", messages: [{ role: "user", content: 3 }] }, "messages[0].content", "Invalid request: 'messages[0].content' must be a string, null or a list of content parts"],
    ["chat", { model: "m", messages: [{ role: "user", content: "x" }], stream: "yes" }, "stream", "Invalid request: 'stream' must be true or false"],
    ["chat", { model: "m", messages: [{ role: "user", content: "x" }], temperature: 3 }, "temperature", "Invalid request: 'temperature' must be between 0 and 2"],
    ["chat", { model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 0 }, "max_tokens", "Invalid request: 'max_tokens' must be at least 1"],
    ["text_completion", { model: "m" }, "prompt", "Invalid request: 'prompt' is required"],
    ["embeddings", { model: "m", input: [] }, "input", "Invalid request: 'input' must be a non-empty string, list of strings, or list of token ids"],
    ["embeddings", { model: "m", input: "x", encoding_format: "hex" }, "encoding_format", "Invalid request: 'encoding_format' must be 'float' or 'base64'"],
  ] as const)("%s %j → %s", (op, body, param, message) => {
    expect(failure(op, body as Record<string, unknown>)).toEqual({ param, message });
  });

  it("lets unknown fields through untouched", () => {
    const body = { model: "m", messages: [{ role: "user", content: "x" }], logit_bias: { "5": 1 }, user: "u" };
    expect(validateRequest("chat", body)).toBe(body);
  });
});
