import { describe, expect, it } from "vitest";
import { decodeStream } from "../../../tests/support/decode-stream.ts";
import { openAiCompatible } from "./openai-compatible.ts";
import { UpstreamStreamFailure } from "./provider.ts";
import type { UpstreamTarget } from "./provider.ts";

const adapter = openAiCompatible("openai", "openai");
const target: UpstreamTarget = { model: "gpt-4o-mini", basePath: "/v1", baseQuery: "", apiKey: "sk-up" };
const ids = { id: "c", created: 1 };

describe("openai-compatible requests", () => {
  it("replace the model, keep every other field, and add the key", () => {
    const request = adapter.buildRequest("chat", { model: "group", messages: [{ role: "user", content: "x" }], logit_bias: { "1": 2 } }, target, false);
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.headers).toEqual({ "content-type": "application/json", authorization: "Bearer sk-up" });
    expect(JSON.parse(request.body!)).toEqual({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], logit_bias: { "1": 2 } });
  });

  it("always ask for usage on streams", () => {
    const request = adapter.buildRequest("chat", { model: "g", messages: [], stream: true }, target, true);
    expect(JSON.parse(request.body!).stream_options).toEqual({ include_usage: true });
  });

  it("use the right path per operation and keep api_base's query", () => {
    const withQuery = { ...target, baseQuery: "?api-version=1" };
    expect(adapter.buildRequest("text_completion", { model: "g", prompt: "x" }, withQuery, false).path).toBe("/v1/completions?api-version=1");
    expect(adapter.buildRequest("embeddings", { model: "g", input: "x" }, withQuery, false).path).toBe("/v1/embeddings?api-version=1");
    expect(adapter.healthProbe(withQuery).path).toBe("/v1/models?api-version=1");
  });
});

describe("openai-compatible responses", () => {
  it("pass through as sent, with usage read", () => {
    const text = JSON.stringify({ id: "x", object: "chat.completion", choices: [], usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } });
    const parsed = adapter.parseResponse("chat", text, target, { model: "g", messages: [] }, ids);
    expect(parsed.raw).toBe(text);
    expect(parsed.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });

  it("are malformed without their list", () => {
    expect(() => adapter.parseResponse("embeddings", '{"object":"list"}', target, { model: "g", input: "x" }, ids)).toThrow(/no "data" list/);
  });
});

describe("openai-compatible streams", () => {
  const chunk = (content: string) => JSON.stringify({ id: "x", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, finish_reason: null }] });
  const usageChunk = JSON.stringify({ id: "x", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
  const stream = `data: ${chunk("a")}\n\ndata: ${chunk("b")}\n\ndata: ${usageChunk}\n\ndata: [DONE]\n\n`;

  it("pass chunks through raw and hide the usage chunk the client did not ask for", () => {
    const decoder = adapter.createStreamDecoder("chat", target, { ...ids, includeUsage: false });
    const events = decodeStream(adapter, decoder, [stream.slice(0, 30), stream.slice(30)]);
    expect(events.map((event) => event.raw)).toEqual([chunk("a"), chunk("b")]);
    expect(decoder.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
  });

  it("keep the usage chunk when the client asked", () => {
    const decoder = adapter.createStreamDecoder("chat", target, { ...ids, includeUsage: true });
    expect(decodeStream(adapter, decoder, [stream]).map((event) => event.raw)).toEqual([chunk("a"), chunk("b"), usageChunk]);
  });

  it("turn an in-band error into an UpstreamStreamFailure", () => {
    const decoder = adapter.createStreamDecoder("chat", target, { ...ids, includeUsage: false });
    expect(() => decodeStream(adapter, decoder, [`data: ${chunk("a")}\n\ndata: {"error":{"message":"boom","code":503}}\n\n`])).toThrow(UpstreamStreamFailure);
  });
});
