import { describe, expect, it } from "vitest";
import { decodeStream } from "../../../tests/support/decode-stream.ts";
import { gemini, geminiRequest } from "./gemini.ts";
import { unsupportedParams } from "./param-support.ts";
import type { ChatRequest } from "./openai-types.ts";
import { UpstreamStreamFailure } from "./provider.ts";
import type { UpstreamTarget } from "./provider.ts";

const target: UpstreamTarget = { model: "gemini-2.0-flash", basePath: "", baseQuery: "", apiKey: "g-key" };
const ids = { id: "call-2", created: 1700000000 };

describe("gemini requests", () => {
  it("send inline (data: URL) images as inlineData parts, in order with the text", () => {
    const request = geminiRequest({
      model: "g",
      messages: [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }] }],
    });
    expect(request["contents"]).toEqual([{ role: "user", parts: [{ text: "What is this?" }, { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } }] }]);
  });

  const chat: ChatRequest = {
    model: "group",
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello" },
      { role: "user", content: "Weather?" },
    ],
    max_tokens: 50,
    temperature: 0.5,
    top_p: 0.9,
    stop: ["\n\n"],
    response_format: { type: "json_object" },
    tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
  };

  it("translate roles, system instruction, generation config and tools", () => {
    expect(geminiRequest(chat)).toEqual({
      contents: [
        { role: "user", parts: [{ text: "Hi" }] },
        { role: "model", parts: [{ text: "Hello" }] },
        { role: "user", parts: [{ text: "Weather?" }] },
      ],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      generationConfig: { maxOutputTokens: 50, temperature: 0.5, topP: 0.9, stopSequences: ["\n\n"], responseMimeType: "application/json" },
      tools: [{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: { type: "object" } }] }],
    });
  });

  it("name a tool result by the function its call named (Gemini matches functionResponse to functionCall by name)", () => {
    const request = geminiRequest({
      model: "g",
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Hanoi"}' } }] },
        { role: "tool", tool_call_id: "call_0", content: "31 °C" },
      ],
    });
    expect(request["contents"]).toEqual([
      { role: "user", parts: [{ text: "Weather?" }] },
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Hanoi" } } }] },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { content: "31 °C" } } }] },
    ]);
  });

  it("translate tools with their JSON Schema as parametersJsonSchema, and tool_choice as toolConfig", () => {
    const tools = [
      { type: "function", function: { name: "get_weather", description: "Weather now", parameters: { type: "object", additionalProperties: false }, strict: true } },
      { type: "function", function: { name: "get_time" } },
    ];
    const request = geminiRequest({ model: "g", messages: [{ role: "user", content: "x" }], tools, tool_choice: { type: "function", function: { name: "get_time" } } });
    expect(request["tools"]).toEqual([
      { functionDeclarations: [{ name: "get_weather", description: "Weather now", parametersJsonSchema: { type: "object", additionalProperties: false } }, { name: "get_time" }] },
    ]);
    expect(request["toolConfig"]).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_time"] } });
    const modes = (["none", "auto", "required"] as const).map((choice) => geminiRequest({ model: "g", messages: [{ role: "user", content: "x" }], tools, tool_choice: choice })["toolConfig"]);
    expect(modes).toEqual([{ functionCallingConfig: { mode: "NONE" } }, { functionCallingConfig: { mode: "AUTO" } }, { functionCallingConfig: { mode: "ANY" } }]);
  });

  it("translate penalties, top_k, and a json_schema response format as responseJsonSchema", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
    const request = geminiRequest({
      model: "g",
      messages: [{ role: "user", content: "x" }],
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      top_k: 20,
      response_format: { type: "json_schema", json_schema: { name: "city", schema, strict: true } },
    });
    expect(request["generationConfig"]).toEqual({ presencePenalty: 0.5, frequencyPenalty: -0.5, topK: 20, responseMimeType: "application/json", responseJsonSchema: schema });
    expect(geminiRequest({ model: "g", messages: [{ role: "user", content: "x" }], response_format: { type: "text" }, temperature: null })["generationConfig"]).toBeUndefined();
  });

  it("declare what they cannot send: custom tools, allowed_tools, logprobs, parallel_tool_calls, other operations", () => {
    const support = gemini.params.chat;
    if (support === "all") throw new Error("gemini translates its requests");
    const body = { ...chat, tools: [{ type: "custom", custom: { name: "grep" } }], tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [] } }, logprobs: true, parallel_tool_calls: false };
    expect(unsupportedParams(body, support)).toEqual(["tools", "tool_choice", "logprobs", "parallel_tool_calls"]);
    expect(unsupportedParams({ ...chat, tool_choice: "required", n: 2, seed: 1, user: "u" }, support)).toBeUndefined();
    expect(unsupportedParams({ model: "g", input: "x", input_type: "query" }, gemini.params.embeddings)).toEqual(["input_type"]);
  });

  it("go to generateContent, or streamGenerateContent?alt=sse, with the key in a header", () => {
    const plain = gemini.buildRequest("chat", chat, target, false);
    expect(plain.path).toBe("/v1beta/models/gemini-2.0-flash:generateContent");
    expect(plain.headers["x-goog-api-key"]).toBe("g-key");
    expect(plain.path).not.toContain("g-key");
    expect(gemini.buildRequest("chat", chat, target, true).path).toBe("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
  });

  it("embed with batchEmbedContents", () => {
    const request = gemini.buildRequest("embeddings", { model: "g", input: ["a", "b"], dimensions: 64 }, { ...target, model: "text-embedding-004" }, false);
    expect(request.path).toBe("/v1beta/models/text-embedding-004:batchEmbedContents");
    expect(JSON.parse(request.body!)).toEqual({
      requests: [
        { model: "models/text-embedding-004", content: { parts: [{ text: "a" }] }, outputDimensionality: 64 },
        { model: "models/text-embedding-004", content: { parts: [{ text: "b" }] }, outputDimensionality: 64 },
      ],
    });
  });
});

describe("gemini responses", () => {
  const response = {
    candidates: [{ content: { parts: [{ text: "Sunny" }, { text: " today" }], role: "model" }, finishReason: "MAX_TOKENS", index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 2, totalTokenCount: 12 },
  };

  it("become a chat.completion with finish reason and usage", () => {
    const parsed = gemini.parseResponse("chat", JSON.stringify(response), target, { model: "g", messages: [] }, ids);
    expect(parsed.body).toEqual({
      id: "chatcmpl-call-2",
      object: "chat.completion",
      created: 1700000000,
      model: "gemini-2.0-flash",
      choices: [{ index: 0, message: { role: "assistant", content: "Sunny today" }, finish_reason: "length" }],
      usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
    });
  });

  it("map SAFETY to content_filter and function calls to tool_calls", () => {
    const safety = { candidates: [{ content: { parts: [{ text: "" }] }, finishReason: "SAFETY" }] };
    expect((gemini.parseResponse("chat", JSON.stringify(safety), target, { model: "g", messages: [] }, ids).body as { choices: Array<{ finish_reason: string }> }).choices[0]?.finish_reason).toBe("content_filter");
    const call = { candidates: [{ content: { parts: [{ functionCall: { name: "f", args: { a: 1 } } }] }, finishReason: "STOP" }] };
    const choice = (gemini.parseResponse("chat", JSON.stringify(call), target, { model: "g", messages: [] }, ids).body as { choices: Array<{ finish_reason: string; message: { tool_calls: unknown } }> }).choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.tool_calls).toEqual([{ id: "call_0", type: "function", function: { name: "f", arguments: '{"a":1}' } }]);
  });

  it("turn a blocked prompt into a content-policy error", () => {
    expect(() => gemini.parseResponse("chat", JSON.stringify({ promptFeedback: { blockReason: "SAFETY" } }), target, { model: "g", messages: [] }, ids)).toThrow(/blocked the prompt: SAFETY/);
  });

  it("turn embeddings into OpenAI's list with estimated tokens", () => {
    const parsed = gemini.parseResponse("embeddings", JSON.stringify({ embeddings: [{ values: [1, 2] }, { values: [3, 4] }] }), target, { model: "g", input: ["abcd", "abcdefgh"] }, ids);
    expect(parsed.body).toMatchObject({ object: "list", data: [{ index: 0, embedding: [1, 2] }, { index: 1, embedding: [3, 4] }], usage: { prompt_tokens: 3 } });
  });
});

describe("gemini SSE streams", () => {
  const event = (text: string, finish?: string, usage?: object): string =>
    `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text }], role: "model" }, ...(finish === undefined ? {} : { finishReason: finish }) }], ...(usage === undefined ? {} : { usageMetadata: usage }) })}\r\n\r\n`;

  it("become OpenAI chunks with a finish chunk and the usage chunk at the end", () => {
    const decoder = gemini.createStreamDecoder("chat", target, { ...ids, includeUsage: true });
    const events = decodeStream(gemini, decoder, [event("Hel") + event("lo", "STOP", { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 })]);
    expect(events.map((item) => item.chunk.choices[0] ?? null)).toEqual([
      { index: 0, delta: { role: "assistant", content: "Hel" }, finish_reason: null },
      { index: 0, delta: { content: "lo" }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: "stop" },
      null,
    ]);
    expect(events[3]?.chunk.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it("number tool calls across chunks with their stream index, and finish with tool_calls", () => {
    const call = (name: string, args: object, finish?: string): string =>
      `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ functionCall: { name, args } }], role: "model" }, ...(finish === undefined ? {} : { finishReason: finish }) }] })}\r\n\r\n`;
    const decoder = gemini.createStreamDecoder("chat", target, { ...ids, includeUsage: false });
    const events = decodeStream(gemini, decoder, [call("get_weather", { city: "Hanoi" }) + call("get_time", {}) + event("", "STOP")]);
    expect(events.map((item) => item.chunk.choices[0] ?? null)).toEqual([
      { index: 0, delta: { role: "assistant", content: "", tool_calls: [{ index: 0, id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Hanoi"}' } }] }, finish_reason: null },
      { index: 0, delta: { content: "", tool_calls: [{ index: 1, id: "call_1", type: "function", function: { name: "get_time", arguments: "{}" } }] }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: "tool_calls" },
    ]);
  });

  it("turn an in-band error event into an UpstreamStreamFailure with its status", () => {
    const decoder = gemini.createStreamDecoder("chat", target, { ...ids, includeUsage: false });
    try {
      decodeStream(gemini, decoder, [`data: ${JSON.stringify({ error: { code: 503, message: "overloaded", status: "UNAVAILABLE" } })}\r\n\r\n`]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UpstreamStreamFailure);
      expect((error as UpstreamStreamFailure).status).toBe(503);
    }
  });
});
