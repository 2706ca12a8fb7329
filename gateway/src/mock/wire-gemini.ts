/**
 * The mock's Google AI Studio (Gemini) server: generateContent, streamGenerateContent?alt=sse,
 * batchEmbedContents and the model list, under /v1beta, with an API key required as Google does.
 */
import { countTokens, embeddingFor, limitPieces, replyText } from "./fake-content.ts";
import { jsonReply, SSE_TYPE } from "./reply.ts";
import type { MockToolCall } from "./faults.ts";
import type { MockReply, MockRoute, WireContext, WireFormat } from "./reply.ts";

type Json = Record<string, unknown>;

function asObject(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

function errorBody(status: number, message: string, code?: string): string {
  return JSON.stringify({ error: { code: status, message, status: code ?? STATUS_NAMES[status] ?? "UNKNOWN" } });
}

function partsText(content: unknown): string {
  const parts = asObject(content)["parts"];
  if (!Array.isArray(parts)) return "";
  return parts.map((part) => (typeof asObject(part)["text"] === "string" ? String(asObject(part)["text"]) : "")).join("");
}

function hasKey(context: WireContext): boolean {
  const header = context.call.headers["x-goog-api-key"];
  return (typeof header === "string" && header !== "") || (context.call.query.get("key") ?? "") !== "";
}

function unauthenticated(): MockReply {
  return { kind: "body", status: 403, headers: { "content-type": "application/json" }, text: errorBody(403, "Method doesn't allow unregistered callers. Please use an API key.") };
}

function generate(context: WireContext, stream: boolean): MockReply {
  if (!hasKey(context)) return unauthenticated();
  const body = asObject(context.call.body);
  const contents = Array.isArray(body["contents"]) ? body["contents"] : [];
  const prompt = [partsText(body["systemInstruction"]), ...contents.map(partsText)].join("\n");
  const userTurns = contents.filter((content) => asObject(content)["role"] !== "model");
  const lastUser = userTurns.length > 0 ? partsText(userTurns[userTurns.length - 1]) : "";
  const config = asObject(body["generationConfig"]);
  const maxTokens = typeof config["maxOutputTokens"] === "number" ? config["maxOutputTokens"] : undefined;
  const { pieces, truncated } = limitPieces(context.reply ?? replyText(lastUser), maxTokens);
  const promptTokens = countTokens(prompt);
  const usageMetadata = { promptTokenCount: promptTokens, candidatesTokenCount: pieces.length, totalTokenCount: promptTokens + pieces.length };
  const modelVersion = context.params["model"] ?? "gemini-2.0-flash";
  const finishReason = truncated ? "MAX_TOKENS" : "STOP";
  const candidate = (text: string, finish?: string): Json => ({
    content: { parts: [{ text }], role: "model" },
    ...(finish === undefined ? {} : { finishReason: finish }),
    index: 0,
  });
  const calls = context.toolCalls;
  if (calls !== undefined) {
    // Function calls: functionCall parts; streamed one call an event, the last with the finish reason.
    const called = (list: readonly MockToolCall[], finish?: string): Json => ({
      content: { parts: list.map((call) => ({ functionCall: { name: call.name, args: call.args } })), role: "model" },
      ...(finish === undefined ? {} : { finishReason: finish }),
      index: 0,
    });
    if (!stream) return jsonReply({ candidates: [called(calls, "STOP")], usageMetadata, modelVersion, responseId: "mock-response" });
    const frames = calls.map((call, index) => `data: ${JSON.stringify({ candidates: [called([call], index === calls.length - 1 ? "STOP" : undefined)], usageMetadata, modelVersion, responseId: "mock-response" })}\r\n\r\n`);
    return { kind: "stream", status: 200, headers: SSE_TYPE, frames, frameDelayMs: context.frameDelayMs };
  }
  if (!stream) {
    return jsonReply({ candidates: [candidate(pieces.join(""), finishReason)], usageMetadata, modelVersion, responseId: "mock-response" });
  }
  const frames = pieces.map((piece, index) => {
    const last = index === pieces.length - 1;
    const event = {
      candidates: [candidate(piece, last ? finishReason : undefined)],
      usageMetadata: last ? usageMetadata : { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
      modelVersion,
      responseId: "mock-response",
    };
    return `data: ${JSON.stringify(event)}\r\n\r\n`;
  });
  if (context.errorAfterChunks !== undefined) {
    const kept = frames.slice(0, context.errorAfterChunks);
    kept.push(`data: ${errorBody(500, "mock upstream failed mid-stream")}\r\n\r\n`);
    return { kind: "stream", status: 200, headers: SSE_TYPE, frames: kept, frameDelayMs: context.frameDelayMs };
  }
  return { kind: "stream", status: 200, headers: SSE_TYPE, frames, frameDelayMs: context.frameDelayMs };
}

function batchEmbed(context: WireContext): MockReply {
  if (!hasKey(context)) return unauthenticated();
  const requests = asObject(context.call.body)["requests"];
  const list = Array.isArray(requests) ? requests : [];
  return jsonReply({ embeddings: list.map((request) => ({ values: embeddingFor(partsText(asObject(request)["content"])) })) });
}

function listModels(context: WireContext): MockReply {
  if (!hasKey(context)) return unauthenticated();
  return jsonReply({
    models: ["gemini-2.0-flash", "text-embedding-004"].map((name) => ({ name: `models/${name}`, displayName: name, supportedGenerationMethods: ["generateContent"] })),
  });
}

const MODEL = "(?<model>[^/:]+)";

const routes: MockRoute[] = [
  { method: "POST", pattern: new RegExp(`^/v1beta/models/${MODEL}:generateContent$`), name: "gemini generateContent", answer: (context) => generate(context, false) },
  {
    method: "POST",
    pattern: new RegExp(`^/v1beta/models/${MODEL}:streamGenerateContent$`),
    name: "gemini streamGenerateContent",
    answer: (context) => generate(context, true),
  },
  { method: "POST", pattern: new RegExp(`^/v1beta/models/${MODEL}:batchEmbedContents$`), name: "gemini batchEmbedContents", answer: batchEmbed },
  { method: "GET", pattern: /^\/v1beta\/models$/, name: "gemini models", answer: listModels },
];

export const geminiWire: WireFormat = { name: "gemini", routes, errorBody };
