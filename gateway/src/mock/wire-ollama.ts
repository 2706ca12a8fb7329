/**
 * The mock's Ollama server: /api/chat, /api/generate (NDJSON streaming by default, as Ollama
 * does), /api/embed and /api/tags, with Ollama's own field names and counters.
 */
import { countTokens, embeddingFor, limitPieces, replyText } from "./fake-content.ts";
import { jsonReply, NDJSON_TYPE } from "./reply.ts";
import type { MockToolCall } from "./faults.ts";
import type { MockReply, MockRoute, WireContext, WireFormat } from "./reply.ts";
import { embeddingInputs, promptOfMessages } from "./wire-openai.ts";

type Json = Record<string, unknown>;

function asObject(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

const NANOS_PER_MS = 1_000_000;

function timings(promptTokens: number, evalTokens: number): Json {
  return {
    total_duration: (5 + evalTokens) * NANOS_PER_MS,
    load_duration: NANOS_PER_MS,
    prompt_eval_count: promptTokens,
    prompt_eval_duration: promptTokens * 100_000,
    eval_count: evalTokens,
    eval_duration: evalTokens * NANOS_PER_MS,
  };
}

function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = asObject(messages[i]);
    if (message["role"] === "user" && typeof message["content"] === "string") return message["content"];
  }
  return "";
}

function line(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/**
 * Ollama decodes tool call arguments into an object (Go's map[string]any): OpenAI's JSON string
 * there is a 400 with Go's decoding error, as the real server answers.
 */
function stringArguments(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  return messages.some((message) => {
    const calls = asObject(message)["tool_calls"];
    return Array.isArray(calls) && calls.some((call) => typeof asObject(asObject(call)["function"])["arguments"] === "string");
  });
}

/** Shared by /api/chat and /api/generate: only the text field differs. */
function answer(context: WireContext, kind: "chat" | "generate"): MockReply {
  const body = asObject(context.call.body);
  if (kind === "chat" && stringArguments(body["messages"])) {
    return jsonReply({ error: "json: cannot unmarshal string into Go struct field ToolCallFunction.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments" }, 400);
  }
  const model = typeof body["model"] === "string" ? body["model"] : "llama3.2";
  const options = asObject(body["options"]);
  const prompt = kind === "chat" ? promptOfMessages(body["messages"]) : String(body["prompt"] ?? "");
  const userText = kind === "chat" ? lastUserText(body["messages"]) : prompt;
  const numPredict = typeof options["num_predict"] === "number" ? options["num_predict"] : undefined;
  const { pieces, truncated } = limitPieces(context.reply ?? replyText(userText), numPredict);
  const promptTokens = countTokens(prompt);
  const doneReason = truncated ? "length" : "stop";
  const createdAt = new Date().toISOString();
  const textField = (text: string): Json => (kind === "chat" ? { message: { role: "assistant", content: text } } : { response: text });
  if (kind === "chat" && context.toolCalls !== undefined) return toolCallReply(context, context.toolCalls, model, createdAt, promptTokens, body["stream"] !== false);
  // Ollama streams unless told `stream: false`.
  if (body["stream"] === false) {
    return jsonReply({ model, created_at: createdAt, ...textField(pieces.join("")), done: true, done_reason: doneReason, ...timings(promptTokens, pieces.length) });
  }
  const frames = pieces.map((piece) => line({ model, created_at: createdAt, ...textField(piece), done: false }));
  if (context.errorAfterChunks !== undefined) {
    const kept = frames.slice(0, context.errorAfterChunks);
    kept.push(line({ error: "mock upstream failed mid-stream" }));
    return { kind: "stream", status: 200, headers: NDJSON_TYPE, frames: kept, frameDelayMs: context.frameDelayMs };
  }
  frames.push(line({ model, created_at: createdAt, ...textField(""), done: true, done_reason: doneReason, ...timings(promptTokens, pieces.length) }));
  return { kind: "stream", status: 200, headers: NDJSON_TYPE, frames, frameDelayMs: context.frameDelayMs };
}

/** Function calls, as Ollama sends them: arguments as objects; streamed one call a line, then the done line. */
function toolCallReply(context: WireContext, calls: readonly MockToolCall[], model: string, createdAt: string, promptTokens: number, stream: boolean): MockReply {
  const message = (list: readonly MockToolCall[]): Json => ({ role: "assistant", content: "", tool_calls: list.map((call) => ({ function: { name: call.name, arguments: call.args } })) });
  const done = { done: true, done_reason: "stop", ...timings(promptTokens, calls.length) };
  if (!stream) return jsonReply({ model, created_at: createdAt, message: message(calls), ...done });
  const frames = calls.map((call) => line({ model, created_at: createdAt, message: message([call]), done: false }));
  frames.push(line({ model, created_at: createdAt, message: { role: "assistant", content: "" }, ...done }));
  return { kind: "stream", status: 200, headers: NDJSON_TYPE, frames, frameDelayMs: context.frameDelayMs };
}

function embed(context: WireContext): MockReply {
  const body = asObject(context.call.body);
  const inputs = embeddingInputs(body["input"]);
  return jsonReply({
    model: typeof body["model"] === "string" ? body["model"] : "nomic-embed-text",
    embeddings: inputs.map((text) => embeddingFor(text)),
    total_duration: 2 * NANOS_PER_MS,
    load_duration: NANOS_PER_MS,
    prompt_eval_count: inputs.reduce((sum, text) => sum + countTokens(text), 0),
  });
}

function tags(): MockReply {
  const modifiedAt = new Date(0).toISOString();
  return jsonReply({
    models: ["llama3.2:latest", "mistral:latest", "nomic-embed-text:latest"].map((name) => ({
      name,
      model: name,
      modified_at: modifiedAt,
      size: 2_019_393_189,
      digest: "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
      details: { format: "gguf", family: "llama", parameter_size: "3.2B", quantization_level: "Q4_K_M" },
    })),
  });
}

const routes: MockRoute[] = [
  { method: "POST", pattern: /^\/api\/chat$/, name: "ollama /api/chat", answer: (context) => answer(context, "chat") },
  { method: "POST", pattern: /^\/api\/generate$/, name: "ollama /api/generate", answer: (context) => answer(context, "generate") },
  { method: "POST", pattern: /^\/api\/embed$/, name: "ollama /api/embed", answer: embed },
  { method: "GET", pattern: /^\/api\/tags$/, name: "ollama /api/tags", answer: tags },
];

export const ollamaWire: WireFormat = {
  name: "ollama",
  routes,
  errorBody(_status, message) {
    return JSON.stringify({ error: message });
  },
};
