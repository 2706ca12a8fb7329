import { describe, expect, it } from "vitest";
import type { ChatRequest } from "./openai-types.ts";
import { decodeStream } from "../../../tests/support/decode-stream.ts";
import { flattenMessages, ollamaChat, ollamaGenerate } from "./ollama.ts";
import { unsupportedParams } from "./param-support.ts";
import { UpstreamStreamFailure } from "./provider.ts";
import type { UpstreamTarget } from "./provider.ts";

const target: UpstreamTarget = { model: "llama3.2", basePath: "", baseQuery: "", apiKey: undefined };
const ids = { id: "call-1", created: 1700000000 };

const chat: ChatRequest = {
  model: "group",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
  ],
  max_tokens: 20,
  temperature: 0.2,
  stop: "END",
  seed: 7,
  response_format: { type: "json_object" },
};

describe("ollama_chat/ requests", () => {
  it("send inline (data: URL) images as the message's images, base64 without the prefix", () => {
    const messages = [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }] }];
    expect(JSON.parse(ollamaChat.buildRequest("chat", { model: "g", messages }, target, false).body!).messages).toEqual([{ role: "user", content: "What is this?", images: ["iVBORw0KGgo="] }]);
    const generate = JSON.parse(ollamaGenerate.buildRequest("chat", { model: "g", messages }, target, false).body!);
    expect(generate).toMatchObject({ prompt: "What is this?", images: ["iVBORw0KGgo="] });
  });

  it("go to /api/chat with messages, options and format", () => {
    const request = ollamaChat.buildRequest("chat", chat, target, false);
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/api/chat");
    expect(JSON.parse(request.body!)).toEqual({
      model: "llama3.2",
      stream: false,
      options: { num_predict: 20, temperature: 0.2, stop: ["END"], seed: 7 },
      format: "json",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
    });
  });

  it("send tools as OpenAI writes them, and none for tool_choice 'none' (Ollama has no tool_choice)", () => {
    const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }];
    expect(JSON.parse(ollamaChat.buildRequest("chat", { ...chat, tools, tool_choice: "auto" }, target, false).body!).tools).toEqual(tools);
    expect(JSON.parse(ollamaChat.buildRequest("chat", { ...chat, tools, tool_choice: "none" }, target, false).body!).tools).toBeUndefined();
  });

  it("send a tool round trip in Ollama's shape: call arguments as an object, the result named by tool_name", () => {
    const messages = [
      { role: "user", content: "Weather in Hanoi and Hue?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Hanoi"}' } },
          { id: "call_b", type: "function", function: { name: "get_time", arguments: "" } },
        ],
      },
      { role: "tool", tool_call_id: "call_b", content: "09:00" },
      { role: "tool", tool_call_id: "call_a", content: "31 °C" },
      { role: "tool", tool_call_id: "call_unknown", name: "lookup", content: "?" },
    ];
    expect(JSON.parse(ollamaChat.buildRequest("chat", { model: "g", messages }, target, false).body!).messages).toEqual([
      { role: "user", content: "Weather in Hanoi and Hue?" },
      {
        role: "assistant",
        content: "",
        tool_calls: [{ function: { name: "get_weather", arguments: { city: "Hanoi" } } }, { function: { name: "get_time", arguments: {} } }],
      },
      { role: "tool", content: "09:00", tool_name: "get_time" },
      { role: "tool", content: "31 °C", tool_name: "get_weather" },
      { role: "tool", content: "?", tool_name: "lookup" },
    ]);
  });

  it("refuse tool call arguments that are not a JSON object, naming the field (Ollama could not read them)", () => {
    for (const args of ['"Hanoi"', "{city: Hanoi}", "[1]"]) {
      const messages = [{ role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: args } }] }];
      const attempt = (): unknown => ollamaChat.buildRequest("chat", { model: "g", messages: [{ role: "user", content: "x" }, ...messages] }, target, false);
      expect(attempt).toThrow(expect.objectContaining({ code: "invalid_request", status: 400, param: "messages[1].tool_calls[0].function.arguments" }));
    }
  });

  it("take json_object as format 'json' and a json_schema as its schema", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    expect(JSON.parse(ollamaChat.buildRequest("chat", { ...chat, response_format: { type: "json_schema", json_schema: { name: "a", schema } } }, target, false).body!).format).toEqual(schema);
    expect(JSON.parse(ollamaChat.buildRequest("chat", { ...chat, response_format: { type: "text" } }, target, false).body!).format).toBeUndefined();
  });

  it("declare what they cannot send: tools that are not functions, a tool_choice other than auto/none, n above 1, logprobs", () => {
    const support = ollamaChat.params.chat;
    if (support === "all") throw new Error("ollama_chat translates its requests");
    const body = { ...chat, n: 2, tool_choice: "required", tools: [{ type: "custom", custom: { name: "grep" } }], logprobs: true, top_k: 40, keep_alive: "5m", think: true };
    expect(unsupportedParams(body, support)).toEqual(["n", "tool_choice", "tools", "logprobs"]);
    expect(unsupportedParams({ ...chat, n: 1, tool_choice: "auto" }, support)).toBeUndefined();
    // /api/generate has no tools at all
    expect(unsupportedParams({ ...chat, tools: [{ type: "function", function: { name: "f" } }] }, ollamaGenerate.params.chat)).toEqual(["tools"]);
  });

  it("send stream: true explicitly for streams and a Bearer key for Ollama's cloud", () => {
    const request = ollamaChat.buildRequest("chat", chat, { ...target, apiKey: "sk-o", basePath: "/ollama" }, true);
    expect(request.path).toBe("/ollama/api/chat");
    expect(request.headers["authorization"]).toBe("Bearer sk-o");
    expect(JSON.parse(request.body!).stream).toBe(true);
  });
});

describe("ollama/ requests", () => {
  it("flatten chat messages into /api/generate's prompt and system", () => {
    const request = ollamaGenerate.buildRequest("chat", chat, target, false);
    expect(request.path).toBe("/api/generate");
    const body = JSON.parse(request.body!);
    expect(body.prompt).toBe("Hi");
    expect(body.system).toBe("Be brief.");
  });

  it("label turns when the conversation has several", () => {
    expect(
      flattenMessages([
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
        { role: "user", content: [{ type: "text", text: "c" }] },
      ]),
    ).toEqual({ system: undefined, prompt: "User: a\nAssistant: b\nUser: c\nAssistant:" });
  });

  it("send text completions to /api/generate and refuse a list of prompts", () => {
    expect(JSON.parse(ollamaGenerate.buildRequest("text_completion", { model: "g", prompt: "Say hi" }, target, false).body!).prompt).toBe("Say hi");
    expect(JSON.parse(ollamaGenerate.buildRequest("text_completion", { model: "g", prompt: "Say hi", keep_alive: "1h" }, target, false).body!).keep_alive).toBe("1h");
    expect(JSON.parse(ollamaChat.buildRequest("chat", { ...chat, keep_alive: -1 }, target, false).body!).keep_alive).toBe(-1);
    expect(() => ollamaGenerate.buildRequest("text_completion", { model: "g", prompt: ["a", "b"] }, target, false)).toThrow(/single prompt/);
  });

  it("send a completion's suffix and think as Ollama's own fields", () => {
    expect(JSON.parse(ollamaGenerate.buildRequest("text_completion", { model: "g", prompt: "def f(", suffix: "  return x", think: false }, target, false).body!)).toEqual({
      model: "llama3.2",
      stream: false,
      prompt: "def f(",
      suffix: "  return x",
      think: false,
    });
  });

  it("refuse embedding fields /api/embed does not take (dimensions)", () => {
    expect(unsupportedParams({ model: "g", input: "x", dimensions: 8, encoding_format: "base64" }, ollamaGenerate.params.embeddings)).toEqual(["dimensions"]);
  });

  it("embed with /api/embed and a list input", () => {
    const request = ollamaGenerate.buildRequest("embeddings", { model: "g", input: "hello" }, target, false);
    expect(request.path).toBe("/api/embed");
    expect(JSON.parse(request.body!)).toEqual({ model: "llama3.2", input: ["hello"] });
  });
});

describe("ollama responses", () => {
  it("become a chat.completion with usage from the eval counts", () => {
    const text = JSON.stringify({ model: "llama3.2", message: { role: "assistant", content: "Hello!" }, done: true, done_reason: "stop", prompt_eval_count: 26, eval_count: 3 });
    const parsed = ollamaChat.parseResponse("chat", text, target, chat, ids);
    expect(parsed.body).toEqual({
      id: "chatcmpl-call-1",
      object: "chat.completion",
      created: 1700000000,
      model: "llama3.2",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello!" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 26, completion_tokens: 3, total_tokens: 29 },
    });
  });

  it("map done_reason length and tool calls", () => {
    const text = JSON.stringify({
      message: { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Hanoi" } } }] },
      done: true,
      done_reason: "stop",
    });
    const body = ollamaChat.parseResponse("chat", text, target, chat, ids).body as { choices: Array<{ finish_reason: string; message: { tool_calls: unknown[] } }> };
    expect(body.choices[0]?.finish_reason).toBe("tool_calls");
    expect(body.choices[0]?.message.tool_calls).toEqual([{ id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Hanoi"}' } }]);
    const truncated = ollamaGenerate.parseResponse("text_completion", JSON.stringify({ response: "abc", done: true, done_reason: "length" }), target, { model: "g", prompt: "x" }, ids);
    expect((truncated.body as { choices: Array<{ finish_reason: string; text: string }> }).choices[0]).toMatchObject({ text: "abc", finish_reason: "length" });
  });

  it("turn /api/embed into OpenAI's embedding list", () => {
    const parsed = ollamaChat.parseResponse("embeddings", JSON.stringify({ embeddings: [[0.1, 0.2]], prompt_eval_count: 4 }), target, { model: "g", input: "x" }, ids);
    expect(parsed.body).toEqual({ object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }], model: "llama3.2", usage: { prompt_tokens: 4, total_tokens: 4 } });
  });

  it("reject an incomplete or non-JSON body as malformed", () => {
    expect(() => ollamaChat.parseResponse("chat", JSON.stringify({ message: { content: "x" }, done: false }), target, chat, ids)).toThrow(/not complete/);
    expect(() => ollamaChat.parseResponse("chat", "<html>", target, chat, ids)).toThrow(/not JSON/);
  });
});

describe("ollama NDJSON streams", () => {
  const lines = [
    { message: { role: "assistant", content: "Hel" }, done: false },
    { message: { role: "assistant", content: "lo" }, done: false },
    { message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 5, eval_count: 2 },
  ].map((line) => `${JSON.stringify(line)}\n`);

  it("become OpenAI chunks, split anywhere, with the usage chunk only when asked", () => {
    const decoder = ollamaChat.createStreamDecoder("chat", target, { ...ids, includeUsage: true });
    const whole = lines.join("");
    const events = decodeStream(ollamaChat, decoder, [whole.slice(0, 17), whole.slice(17)]);
    expect(events.map((event) => event.chunk.choices[0] ?? null)).toEqual([
      { index: 0, delta: { role: "assistant", content: "Hel" }, finish_reason: null },
      { index: 0, delta: { content: "lo" }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: "stop" },
      null,
    ]);
    expect(events[3]?.chunk.usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    expect(decoder.usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    expect(events.every((event) => event.chunk.id === "chatcmpl-call-1" && event.chunk.object === "chat.completion.chunk")).toBe(true);
  });

  it("keep usage for cost but send no usage chunk when not asked", () => {
    const decoder = ollamaChat.createStreamDecoder("chat", target, { ...ids, includeUsage: false });
    const events = decodeStream(ollamaChat, decoder, [lines.join("")]);
    expect(events).toHaveLength(3);
    expect(decoder.usage?.total_tokens).toBe(7);
  });

  it("number tool calls across lines with their stream index, and finish with tool_calls", () => {
    const call = (name: string, args: object): string => `${JSON.stringify({ model: "llama3.2", message: { role: "assistant", content: "", tool_calls: [{ function: { name, arguments: args } }] }, done: false })}\n`;
    const done = `${JSON.stringify({ model: "llama3.2", message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 5, eval_count: 2 })}\n`;
    const decoder = ollamaChat.createStreamDecoder("chat", target, { ...ids, includeUsage: false });
    const events = decodeStream(ollamaChat, decoder, [call("get_weather", { city: "Hanoi" }) + call("get_time", {}) + done]);
    expect(events.map((event) => event.chunk.choices[0] ?? null)).toEqual([
      { index: 0, delta: { role: "assistant", content: "", tool_calls: [{ index: 0, id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Hanoi"}' } }] }, finish_reason: null },
      { index: 0, delta: { content: "", tool_calls: [{ index: 1, id: "call_1", type: "function", function: { name: "get_time", arguments: "{}" } }] }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: "tool_calls" },
    ]);
  });

  it("turn an error line into an UpstreamStreamFailure", () => {
    const decoder = ollamaChat.createStreamDecoder("chat", target, { ...ids, includeUsage: false });
    expect(() => decodeStream(ollamaChat, decoder, [`${lines[0]}{"error":"model crashed"}\n`])).toThrow(UpstreamStreamFailure);
  });

  it("stream text completions as text_completion chunks", () => {
    const decoder = ollamaGenerate.createStreamDecoder("text_completion", target, { ...ids, includeUsage: false });
    const events = decodeStream(ollamaGenerate, decoder, [`${JSON.stringify({ response: "Hi", done: false })}\n${JSON.stringify({ response: "", done: true, done_reason: "stop" })}\n`]);
    expect(events.map((event) => event.chunk)).toMatchObject([
      { object: "text_completion", choices: [{ text: "Hi", finish_reason: null }] },
      { object: "text_completion", choices: [{ text: "", finish_reason: "stop" }] },
    ]);
  });
});
