import { describe, expect, it } from "vitest";
import { z } from "zod";
import { GatewayError } from "../errors.ts";
import { REQUEST_BODIES, validateRequest } from "./request-schemas.ts";

type Op = "chat" | "text_completion" | "embeddings";

function failure(op: Op, body: Record<string, unknown>): { message: string; param: string | null; status: number } {
  try {
    validateRequest(op, body);
  } catch (error) {
    if (error instanceof GatewayError) return { message: error.message, param: error.param, status: error.status };
    throw error;
  }
  throw new Error("expected a validation error");
}

const user = [{ role: "user", content: "x" }];
const chat = (extra: Record<string, unknown>): Record<string, unknown> => ({ model: "m", messages: user, ...extra });
const fn = (name: unknown = "get_weather") => ({ type: "function", function: { name, parameters: { type: "object" } } });

describe("request validation names the field", () => {
  it.each([
    ["chat", {}, "model", "Invalid request: 'model' is required"],
    ["chat", { model: 5, messages: [] }, "model", "Invalid request: 'model' must be a string (got 5)"],
    ["chat", { model: "m" }, "messages", "Invalid request: 'messages' is required"],
    ["chat", { model: "m", messages: [] }, "messages", "Invalid request: 'messages' must contain at least one message"],
    ["chat", { model: "m", messages: "hi" }, "messages", "Invalid request: 'messages' must be a list of messages (got 'hi')"],
    ["chat", { model: "m", messages: [{ content: "x" }] }, "messages[0].role", "Invalid request: 'messages[0].role' is required"],
    ["chat", { model: "m", messages: [{ role: "user", content: 3 }] }, "messages[0].content", "Invalid request: 'messages[0].content' must be a string, null or a list of content parts (got 3)"],
    ["chat", chat({ stream: "yes" }), "stream", "Invalid request: 'stream' must be true or false (got 'yes')"],
    ["chat", chat({ temperature: 3 }), "temperature", "Invalid request: 'temperature' must be a number between 0 and 2 (got 3)"],
    ["chat", chat({ max_tokens: 0 }), "max_tokens", "Invalid request: 'max_tokens' must be an integer >= 1 (got 0)"],
    ["text_completion", { model: "m" }, "prompt", "Invalid request: 'prompt' is required"],
    ["text_completion", { model: "m", prompt: [] }, "prompt", "Invalid request: 'prompt' must be a string or a non-empty list of strings (got a list)"],
    ["embeddings", { model: "m", input: [] }, "input", "Invalid request: 'input' must be a non-empty string, list of strings, or list of token ids (got a list)"],
    ["embeddings", { model: "m", input: "" }, "input", "Invalid request: 'input' must be a non-empty string, list of strings, or list of token ids (got '')"],
    ["embeddings", { model: "m", input: "x", encoding_format: "hex" }, "encoding_format", "Invalid request: 'encoding_format' must be 'float' or 'base64' (got 'hex')"],
  ] as const)("%s %j → %s", (op, body, param, message) => {
    expect(failure(op, body as Record<string, unknown>)).toEqual({ param, message, status: 400 });
  });

  it("lets unknown fields through untouched", () => {
    const body = chat({ logit_bias: { "5": 1 }, user: "u", guided_json: { type: "object" }, top_k: 40 });
    expect(validateRequest("chat", body)).toBe(body);
  });
});

describe("the fields Pharos forwards are validated where OpenAI defines their type", () => {
  it.each([
    // messages[].role and the rest of a message
    [{ model: "m", messages: [...user, ...user, { role: "bot", content: "z" }] }, "messages[2].role", "must be one of 'system', 'user', 'assistant', 'tool', 'function', 'developer' (got 'bot')"],
    [{ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "a" }, { type: 5 }] }] }, "messages[0].content[1].type", "must be a string (got 5)"],
    [{ model: "m", messages: [{ role: "user", content: [{ type: "text", text: 7 }] }] }, "messages[0].content[0].text", "must be a string (got 7)"],
    [{ model: "m", messages: [{ role: "tool", content: "r", tool_call_id: 1 }] }, "messages[0].tool_call_id", "must be a string (got 1)"],
    [{ model: "m", messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f" } }] }] }, "messages[0].tool_calls[0].function.arguments", "is required"],
    [{ model: "m", messages: ["hello"] }, "messages[0]", "must be a message object (got 'hello')"],
    // tools
    [chat({ tools: "x" }), "tools", "must be a list of tools (got 'x')"],
    [chat({ tools: null }), "tools", "must be a list of tools (got null)"],
    [chat({ tools: [fn(), { type: "function", function: {} }] }), "tools[1].function.name", "is required"],
    [chat({ tools: [fn(42)] }), "tools[0].function.name", "must be a string (got 42)"],
    [chat({ tools: [{ type: "function" }] }), "tools[0].function", "is required"],
    [chat({ tools: [{ function: { name: "f" } }] }), "tools[0].type", "is required"],
    [chat({ tools: [{ type: "retrieval" }] }), "tools[0].type", "must be one of 'function', 'custom' (got 'retrieval')"],
    [chat({ tools: [{ type: "function", function: { name: "f", parameters: "{}" } }] }), "tools[0].function.parameters", "must be an object (got '{}')"],
    // tool_choice
    [chat({ tools: [fn()], tool_choice: "sometimes" }), "tool_choice", "must be 'none', 'auto', 'required' or an object naming a tool"],
    [chat({ tools: [fn()], tool_choice: { type: "function", function: {} } }), "tool_choice.function.name", "is required"],
    [chat({ tools: [fn()], tool_choice: { type: "function" } }), "tool_choice.function", "is required"],
    [chat({ tools: [fn()], tool_choice: { type: "tool" } }), "tool_choice.type", "must be one of 'function', 'custom', 'allowed_tools' (got 'tool')"],
    // response_format
    [chat({ response_format: { type: "xml" } }), "response_format.type", "must be one of 'text', 'json_object', 'json_schema' (got 'xml')"],
    [chat({ response_format: "json" }), "response_format", "must be an object with a 'type' (got 'json')"],
    [chat({ response_format: { type: "json_schema" } }), "response_format.json_schema", "is required"],
    [chat({ response_format: { type: "json_schema", json_schema: { schema: {} } } }), "response_format.json_schema.name", "is required"],
    // scalars
    [chat({ user: 5 }), "user", "must be a string (got 5)"],
    [chat({ n: 0 }), "n", "must be an integer >= 1 (got 0)"],
    [chat({ n: 1.5 }), "n", "must be an integer >= 1 (got 1.5)"],
    [chat({ max_completion_tokens: "10" }), "max_completion_tokens", "must be an integer >= 1 (got '10')"],
    [chat({ stop: ["a", 1] }), "stop[1]", "must be a string (got 1)"],
    [chat({ stop: 5 }), "stop", "must be a string or a list of strings (got 5)"],
    [chat({ presence_penalty: -3 }), "presence_penalty", "must be a number between -2 and 2 (got -3)"],
    [chat({ seed: 1.5 }), "seed", "must be an integer (got 1.5)"],
    [chat({ logprobs: "yes" }), "logprobs", "must be true or false (got 'yes')"],
    [chat({ top_logprobs: 21 }), "top_logprobs", "must be an integer between 0 and 20 (got 21)"],
    [chat({ logit_bias: { "50256": -101 } }), "logit_bias.50256", "must be a number between -100 and 100 (got -101)"],
    [chat({ parallel_tool_calls: "no" }), "parallel_tool_calls", "must be true or false (got 'no')"],
    [chat({ stream_options: { include_usage: 1 } }), "stream_options.include_usage", "must be true or false (got 1)"],
  ] as const)("%j → '%s'", (body, param, problem) => {
    const error = failure("chat", body as Record<string, unknown>);
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.message).toContain(`Invalid request: '${param}' ${problem}`);
  });

  it.each([
    ["text_completion", { model: "m", prompt: "p", logprobs: 6 }, "logprobs", "must be an integer between 0 and 5 (got 6)"],
    ["text_completion", { model: "m", prompt: "p", echo: "no" }, "echo", "must be true or false (got 'no')"],
    ["text_completion", { model: "m", prompt: "p", user: ["u"] }, "user", "must be a string (got a list)"],
    ["embeddings", { model: "m", input: ["a", 1] }, "input[1]", "must be a string (got 1)"],
    ["embeddings", { model: "m", input: [[1], ["x"]] }, "input[1][0]", "must be a token id (an integer) (got 'x')"],
    ["embeddings", { model: "m", input: "x", dimensions: 0 }, "dimensions", "must be an integer >= 1 (got 0)"],
    ["embeddings", { model: "m", input: "x", user: 1 }, "user", "must be a string (got 1)"],
  ] as const)("%s %j → '%s'", (op, body, param, problem) => {
    const error = failure(op, body as Record<string, unknown>);
    expect(error.param).toBe(param);
    expect(error.message).toContain(`'${param}' ${problem}`);
  });

  it("accept what OpenAI accepts: every tool shape, named tool choices, response formats, null where OpenAI takes null", () => {
    const accepted = [
      chat({ tools: [fn(), { type: "custom", custom: { name: "grep" } }], tool_choice: "required", parallel_tool_calls: false }),
      chat({ tools: [fn()], tool_choice: { type: "function", function: { name: "get_weather" } } }),
      chat({ tools: [fn()], tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "get_weather" } }] } } }),
      chat({ response_format: { type: "json_schema", json_schema: { name: "answer", schema: { type: "object" }, strict: true } } }),
      chat({ response_format: { type: "json_object" } }),
      chat({ temperature: null, top_p: null, max_tokens: null, n: null, stop: null, seed: null, stream: null, stream_options: null, logprobs: null }),
      { model: "m", messages: [{ role: "developer", content: "d" }, { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] }, { role: "tool", tool_call_id: "c1", content: "r" }] },
      chat({ functions: [{ name: "f" }], function_call: { name: "f" } }),
    ];
    for (const body of accepted) expect(validateRequest("chat", body)).toBe(body);
    expect(validateRequest("embeddings", { model: "m", input: [[1, 2], [3]], user: "u" })).toBeDefined();
  });

  it("keeps every body schema on zod's compiled fast path (the hot path)", () => {
    for (const [op, schema] of Object.entries(REQUEST_BODIES)) expect(() => z.compile(schema, { strict: true }), op).not.toThrow();
  });
});
