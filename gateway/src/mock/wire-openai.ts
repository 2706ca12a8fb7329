/**
 * The mock's OpenAI-compatible server: /v1/chat/completions, /v1/completions, /v1/embeddings,
 * /v1/models (and the same without /v1), non-streaming and SSE, with usage chunks on request.
 */
import { randomUUID } from "node:crypto";
import { toBase64Floats } from "../providers/embedding-encoding.ts";
import { countTokens, embeddingFor, limitPieces, replyText, unixSeconds } from "./fake-content.ts";
import { jsonReply, SSE_TYPE } from "./reply.ts";
import type { MockToolCall } from "./faults.ts";
import type { MockReply, MockRoute, WireContext, WireFormat } from "./reply.ts";

type Json = Record<string, unknown>;

function asObject(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

function textOfContent(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (typeof asObject(part)["text"] === "string" ? String(asObject(part)["text"]) : "")).join(" ");
  return "";
}

export function promptOfMessages(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  return messages.map((message) => textOfContent(asObject(message)["content"])).join("\n");
}

function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = asObject(messages[i]);
    if (message["role"] === "user") return textOfContent(message["content"]);
  }
  return promptOfMessages(messages);
}

function maxTokensOf(body: Json): number | undefined {
  const value = body["max_tokens"] ?? body["max_completion_tokens"];
  return typeof value === "number" ? value : undefined;
}

function sse(data: unknown): string {
  return `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

function streamReply(context: WireContext, frames: string[]): MockReply {
  const errorAt = context.errorAfterChunks;
  if (errorAt !== undefined) {
    const kept = frames.slice(0, errorAt);
    kept.push(sse({ error: { message: "mock upstream failed mid-stream", type: "server_error", param: null, code: 500 } }));
    return { kind: "stream", status: 200, headers: SSE_TYPE, frames: kept, frameDelayMs: context.frameDelayMs };
  }
  return { kind: "stream", status: 200, headers: SSE_TYPE, frames, frameDelayMs: context.frameDelayMs };
}

function chat(context: WireContext): MockReply {
  const body = asObject(context.call.body);
  const model = typeof body["model"] === "string" ? body["model"] : "mock-model";
  const promptTokens = countTokens(promptOfMessages(body["messages"]));
  const { pieces, truncated } = limitPieces(context.reply ?? replyText(lastUserText(body["messages"])), maxTokensOf(body));
  const usage = { prompt_tokens: promptTokens, completion_tokens: pieces.length, total_tokens: promptTokens + pieces.length };
  const finish = truncated ? "length" : "stop";
  const id = `chatcmpl-mock-${randomUUID()}`;
  const created = unixSeconds();
  if (context.toolCalls !== undefined) return toolCallReply(context, context.toolCalls, { id, created, model }, body, promptTokens);
  if (body["stream"] !== true) {
    return jsonReply({
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: pieces.join("") }, finish_reason: finish, logprobs: null }],
      usage,
      system_fingerprint: null,
    });
  }
  const base = { id, object: "chat.completion.chunk", created, model };
  const frames = [sse({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] })];
  for (const piece of pieces) frames.push(sse({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] }));
  frames.push(sse({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] }));
  if (asObject(body["stream_options"])["include_usage"] === true) frames.push(sse({ ...base, choices: [], usage }));
  frames.push(sse("[DONE]"));
  return streamReply(context, frames);
}

/** Function calls, as OpenAI sends them: arguments as JSON text; streamed one call a chunk, each with its index. */
function toolCallReply(context: WireContext, calls: readonly MockToolCall[], base: { id: string; created: number; model: string }, body: Record<string, unknown>, promptTokens: number): MockReply {
  const toolCalls = calls.map((call, index) => ({ id: `call_mock_${index}`, type: "function", function: { name: call.name, arguments: JSON.stringify(call.args) } }));
  const usage = { prompt_tokens: promptTokens, completion_tokens: calls.length, total_tokens: promptTokens + calls.length };
  if (body["stream"] !== true) {
    return jsonReply({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: toolCalls }, finish_reason: "tool_calls", logprobs: null }], usage });
  }
  const chunk = { ...base, object: "chat.completion.chunk" };
  const frames = [sse({ ...chunk, choices: [{ index: 0, delta: { role: "assistant", content: null }, finish_reason: null }] })];
  toolCalls.forEach((call, index) => frames.push(sse({ ...chunk, choices: [{ index: 0, delta: { tool_calls: [{ index, ...call }] }, finish_reason: null }] })));
  frames.push(sse({ ...chunk, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] }));
  if (asObject(body["stream_options"])["include_usage"] === true) frames.push(sse({ ...chunk, choices: [], usage }));
  frames.push(sse("[DONE]"));
  return streamReply(context, frames);
}

function completion(context: WireContext): MockReply {
  const body = asObject(context.call.body);
  const model = typeof body["model"] === "string" ? body["model"] : "mock-model";
  const prompt = Array.isArray(body["prompt"]) ? body["prompt"].map(String).join("\n") : String(body["prompt"] ?? "");
  const promptTokens = countTokens(prompt);
  const { pieces, truncated } = limitPieces(context.reply ?? replyText(prompt), maxTokensOf(body));
  const usage = { prompt_tokens: promptTokens, completion_tokens: pieces.length, total_tokens: promptTokens + pieces.length };
  const finish = truncated ? "length" : "stop";
  const id = `cmpl-mock-${randomUUID()}`;
  const created = unixSeconds();
  if (body["stream"] !== true) {
    return jsonReply({ id, object: "text_completion", created, model, choices: [{ index: 0, text: pieces.join(""), finish_reason: finish, logprobs: null }], usage });
  }
  const base = { id, object: "text_completion", created, model };
  const frames = pieces.map((piece) => sse({ ...base, choices: [{ index: 0, text: piece, finish_reason: null, logprobs: null }] }));
  frames.push(sse({ ...base, choices: [{ index: 0, text: "", finish_reason: finish, logprobs: null }] }));
  if (asObject(body["stream_options"])["include_usage"] === true) frames.push(sse({ ...base, choices: [], usage }));
  frames.push(sse("[DONE]"));
  return streamReply(context, frames);
}

/** A vector as floats, or as base64 little-endian float32 when the request asks for it (as OpenAI and Voyage do). */
export function encodedEmbedding(text: string, format: unknown): number[] | string {
  const vector = embeddingFor(text);
  return format === "base64" ? toBase64Floats(vector) : vector;
}

export function embeddingInputs(input: unknown): string[] {
  if (typeof input === "string") return [input];
  if (Array.isArray(input)) return input.map((item) => (typeof item === "string" ? item : JSON.stringify(item)));
  return [];
}

function embeddings(context: WireContext): MockReply {
  const body = asObject(context.call.body);
  const inputs = embeddingInputs(body["input"]);
  const tokens = inputs.reduce((sum, text) => sum + countTokens(text), 0);
  return jsonReply({
    object: "list",
    data: inputs.map((text, index) => ({ object: "embedding", index, embedding: encodedEmbedding(text, body["encoding_format"]) })),
    model: typeof body["model"] === "string" ? body["model"] : "mock-embedding",
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

function models(): MockReply {
  const created = unixSeconds();
  return jsonReply({
    object: "list",
    data: ["mock-gpt", "mock-embedding"].map((id) => ({ id, object: "model", created, owned_by: "pharos-mock" })),
  });
}

const routes: MockRoute[] = [
  { method: "POST", pattern: /^(\/v1)?\/chat\/completions$/, name: "openai chat", answer: chat },
  { method: "POST", pattern: /^(\/v1)?\/completions$/, name: "openai completions", answer: completion },
  { method: "POST", pattern: /^(\/v1)?\/embeddings$/, name: "openai embeddings", answer: embeddings },
  { method: "GET", pattern: /^(\/v1)?\/models$/, name: "openai models", answer: models },
];

export const openAiWire: WireFormat = {
  name: "openai",
  routes,
  errorBody(status, message, code) {
    const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
    return JSON.stringify({ error: { message, type, param: null, code: code ?? String(status) } });
  },
};
