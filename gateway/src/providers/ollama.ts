/**
 * Ollama's native API. `ollama_chat/` speaks /api/chat; `ollama/` speaks /api/generate (chat
 * messages flattened into a prompt, as LiteLLM does); both embed with /api/embed. Streams are
 * NDJSON, translated into OpenAI chunks; usage comes from prompt_eval_count / eval_count.
 * Sampling parameters go into `options`, response_format into `format`; ollamaParams lists the
 * request fields each flavour takes (Ollama's own top_k, num_ctx, keep_alive, think … included).
 */
import { GatewayError } from "../errors.ts";
import { encodeAsRequested } from "./embedding-encoding.ts";
import { errorMessageOf, isObject, parseUpstreamJson } from "./json.ts";
import type { JsonObject } from "./json.ts";
import { inlineImagesOf, TEXT_AND_INLINE_IMAGES } from "./content-parts.ts";
import { contentText } from "./openai-types.ts";
import { answeredFunction, argumentsObject, openAiToolCalls, StreamedToolCalls, toolCallNames } from "./tool-messages.ts";
import type { FunctionCallParts } from "./tool-messages.ts";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatMessage,
  ChatRequest,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  Operation,
  TextCompletion,
  Usage,
} from "./openai-types.ts";
import { FUNCTION_TOOLS_ONLY, paramTable } from "./param-support.ts";
import { UpstreamStreamFailure } from "./provider.ts";
import type { ProviderAdapter, ResponseIds, StreamDecoder, StreamEvent, UpstreamRequest, UpstreamTarget } from "./provider.ts";

type Flavour = "chat" | "generate";

const JSON_HEADERS = { "content-type": "application/json" } as const;

function headersFor(target: UpstreamTarget): Record<string, string> {
  // Ollama's cloud (ollama.com) takes a Bearer key; local servers ignore it.
  return target.apiKey === undefined ? JSON_HEADERS : { ...JSON_HEADERS, authorization: `Bearer ${target.apiKey}` };
}

/** Request fields that go into Ollama's `options` under their own name (OpenAI's and Ollama's own). */
const OPTION_FIELDS = ["seed", "frequency_penalty", "presence_penalty", "top_k", "repeat_penalty", "num_ctx"] as const;

/** Ollama's own top-level fields, passed on as sent. */
const TOP_LEVEL_FIELDS = ["keep_alive", "think"] as const;

const SAMPLING = ["max_tokens", "temperature", "top_p", "stop", ...OPTION_FIELDS, ...TOP_LEVEL_FIELDS];

/** Ollama answers with one choice: `n` is taken when it asks for that one. */
const ONE_CHOICE = { accepts: (value: unknown) => value === 1, takes: "1 (one choice per request)" };

/** Ollama has no tool_choice: "auto" is what it does with tools, "none" sends none. */
const AUTO_OR_NONE = { accepts: (value: unknown) => value === "auto" || value === "none", takes: "'auto' or 'none'" };

/** The fields each Ollama adapter translates (param-support.ts refuses or drops any other). */
function ollamaParams(flavour: Flavour): ProviderAdapter["params"] {
  const chatFields = ["messages", "max_completion_tokens", "response_format", ...SAMPLING];
  return {
    chat: flavour === "chat" ? paramTable(chatFields, { n: ONE_CHOICE, tool_choice: AUTO_OR_NONE, tools: FUNCTION_TOOLS_ONLY }) : paramTable(chatFields, { n: ONE_CHOICE, tool_choice: AUTO_OR_NONE }),
    text_completion: paramTable(["prompt", "suffix", ...SAMPLING], { n: ONE_CHOICE }),
    embeddings: paramTable(["input", "encoding_format"]),
  };
}

/** OpenAI sampling parameters → Ollama `options`. */
export function ollamaOptions(body: ChatRequest | CompletionRequest): JsonObject | undefined {
  const options: JsonObject = {};
  const maxTokens = body.max_tokens ?? (body as ChatRequest).max_completion_tokens;
  if (maxTokens != null) options["num_predict"] = maxTokens;
  if (body.temperature != null) options["temperature"] = body.temperature;
  if (body.top_p != null) options["top_p"] = body.top_p;
  if (body.stop != null) options["stop"] = Array.isArray(body.stop) ? body.stop : [body.stop];
  for (const name of OPTION_FIELDS) {
    const value = body[name];
    if (value != null) options[name] = value;
  }
  return Object.keys(options).length === 0 ? undefined : options;
}

function formatOf(body: ChatRequest): unknown {
  const format = body.response_format;
  if (format === undefined) return undefined;
  if (format.type === "json_object") return "json";
  if (format.type === "json_schema" && isObject(format.json_schema)) return format.json_schema["schema"] ?? "json";
  return undefined;
}

/**
 * OpenAI messages as Ollama's: inline images in `images`, tool calls with their arguments as an
 * object (Ollama refuses OpenAI's JSON string), tool results named by `tool_name` (the function
 * the answered call named; Ollama has no call ids).
 */
function ollamaMessages(messages: ChatMessage[]): JsonObject[] {
  const names = toolCallNames(messages);
  return messages.map((message, i) => {
    const out: JsonObject = { role: message.role, content: contentText(message.content) };
    const images = inlineImagesOf([message]);
    if (images.length > 0) out["images"] = images.map((image) => image.data);
    if (message.tool_calls !== undefined && message.tool_calls !== null && message.tool_calls.length > 0) {
      out["tool_calls"] = message.tool_calls.map((call, j) => {
        const fn = call.function;
        if (fn === undefined) throw new GatewayError("unsupported_params", "Ollama takes function tool calls only", { param: `messages[${i}].tool_calls[${j}]` });
        return { function: { name: fn.name, arguments: argumentsObject(fn.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) } };
      });
    }
    if (message.role === "tool") {
      const name = answeredFunction(message, names);
      if (name !== undefined) out["tool_name"] = name;
    }
    return out;
  });
}

/** Chat messages as one /api/generate prompt: system messages go to `system`, the rest to `prompt`. */
export function flattenMessages(messages: ChatMessage[]): { system: string | undefined; prompt: string } {
  const system = messages.filter((message) => message.role === "system").map((message) => contentText(message.content));
  const turns = messages.filter((message) => message.role !== "system");
  const only = turns[0];
  if (turns.length === 1 && only !== undefined && only.role === "user") {
    return { system: system.length > 0 ? system.join("\n") : undefined, prompt: contentText(only.content) };
  }
  const label = (role: string): string => role.charAt(0).toUpperCase() + role.slice(1);
  const prompt = `${turns.map((message) => `${label(message.role)}: ${contentText(message.content)}`).join("\n")}\nAssistant:`;
  return { system: system.length > 0 ? system.join("\n") : undefined, prompt };
}

function completionPrompt(body: CompletionRequest): string {
  if (typeof body.prompt === "string") return body.prompt;
  if (body.prompt.length === 1 && typeof body.prompt[0] === "string") return body.prompt[0];
  throw new GatewayError("unsupported_operation", "Ollama completions take a single prompt, not a list", { param: "prompt" });
}

function usageOf(line: JsonObject): Usage | undefined {
  const prompt = line["prompt_eval_count"];
  const completion = line["eval_count"];
  if (typeof prompt !== "number" && typeof completion !== "number") return undefined;
  const promptTokens = typeof prompt === "number" ? prompt : 0;
  const completionTokens = typeof completion === "number" ? completion : 0;
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

function finishReason(line: JsonObject, hasToolCalls: boolean): string {
  if (hasToolCalls) return "tool_calls";
  return line["done_reason"] === "length" ? "length" : "stop";
}

function textOf(line: JsonObject, flavour: Flavour): string {
  if (flavour === "generate") return typeof line["response"] === "string" ? line["response"] : "";
  const message = line["message"];
  return isObject(message) && typeof message["content"] === "string" ? message["content"] : "";
}

/** The function calls of an /api/chat line (undefined when it has none). */
function functionCallsOf(line: JsonObject): FunctionCallParts[] | undefined {
  const message = line["message"];
  if (!isObject(message) || !Array.isArray(message["tool_calls"]) || message["tool_calls"].length === 0) return undefined;
  return message["tool_calls"].map((call) => {
    const fn = isObject(call) && isObject(call["function"]) ? call["function"] : {};
    return { name: String(fn["name"] ?? ""), args: fn["arguments"] };
  });
}

function embeddingResponse(line: JsonObject, model: string): EmbeddingResponse {
  const vectors = line["embeddings"];
  if (!Array.isArray(vectors)) throw new GatewayError("upstream_malformed", 'ollama upstream embed response has no "embeddings" list');
  const tokens = typeof line["prompt_eval_count"] === "number" ? line["prompt_eval_count"] : 0;
  return {
    object: "list",
    data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding: embedding as number[] })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function ollamaAdapter(flavour: Flavour): ProviderAdapter {
  const kind = flavour === "chat" ? "ollama_chat" : "ollama";
  const failIfError = (line: JsonObject): void => {
    if (line["error"] !== undefined) throw new UpstreamStreamFailure(500, errorMessageOf(JSON.stringify(line)).message);
  };

  const buildRequest = (op: Operation, body: ChatRequest | CompletionRequest | EmbeddingRequest, target: UpstreamTarget, stream: boolean): UpstreamRequest => {
    const headers = headersFor(target);
    const base = target.basePath;
    if (op === "embeddings") {
      const input = (body as EmbeddingRequest).input;
      return { method: "POST", path: `${base}/api/embed`, headers, body: JSON.stringify({ model: target.model, input: Array.isArray(input) ? input : [input] }) };
    }
    const outgoing: JsonObject = { model: target.model, stream };
    const options = ollamaOptions(body as ChatRequest);
    if (options !== undefined) outgoing["options"] = options;
    if (op === "chat") {
      const chat = body as ChatRequest;
      const format = formatOf(chat);
      if (format !== undefined) outgoing["format"] = format;
      if (flavour === "chat") {
        outgoing["messages"] = ollamaMessages(chat.messages);
        if (chat.tools !== undefined && chat.tool_choice !== "none") outgoing["tools"] = chat.tools;
      } else {
        const { system, prompt } = flattenMessages(chat.messages);
        outgoing["prompt"] = prompt;
        if (system !== undefined) outgoing["system"] = system;
        const images = inlineImagesOf(chat.messages);
        if (images.length > 0) outgoing["images"] = images.map((image) => image.data);
      }
      for (const name of TOP_LEVEL_FIELDS) if (chat[name] != null) outgoing[name] = chat[name];
      return { method: "POST", path: `${base}/api/${flavour === "chat" ? "chat" : "generate"}`, headers, body: JSON.stringify(outgoing) };
    }
    const completion = body as CompletionRequest;
    outgoing["prompt"] = completionPrompt(completion);
    if (completion.suffix != null) outgoing["suffix"] = completion.suffix;
    for (const name of TOP_LEVEL_FIELDS) if (completion[name] != null) outgoing[name] = completion[name];
    return { method: "POST", path: `${base}/api/generate`, headers, body: JSON.stringify(outgoing) };
  };

  const wireFlavour = (op: Operation): Flavour => (op === "chat" ? flavour : "generate");

  return {
    kind,
    otelName: "ollama",
    operations: new Set<Operation>(["chat", "text_completion", "embeddings"]),
    params: ollamaParams(flavour),
    contentParts: TEXT_AND_INLINE_IMAGES,
    streamFraming: "ndjson",
    buildRequest,

    parseResponse(op, text, target, request, ids: ResponseIds) {
      const line = parseUpstreamJson(text, kind);
      failIfError(line);
      if (op === "embeddings") {
        const body = encodeAsRequested(embeddingResponse(line, target.model), request as EmbeddingRequest);
        return { body, usage: { prompt_tokens: body.usage.prompt_tokens, completion_tokens: 0, total_tokens: body.usage.total_tokens } };
      }
      if (line["done"] !== true) throw new GatewayError("upstream_malformed", "ollama upstream response is not complete (done is not true)");
      const usage = usageOf(line);
      const content = textOf(line, wireFlavour(op));
      if (op === "text_completion") {
        const body: TextCompletion = {
          id: `cmpl-${ids.id}`,
          object: "text_completion",
          created: ids.created,
          model: target.model,
          choices: [{ index: 0, text: content, finish_reason: finishReason(line, false), logprobs: null }],
          ...(usage === undefined ? {} : { usage }),
        };
        return { body, usage };
      }
      const calls = functionCallsOf(line);
      const toolCalls = calls === undefined ? undefined : openAiToolCalls(calls);
      const body: ChatCompletion = {
        id: `chatcmpl-${ids.id}`,
        object: "chat.completion",
        created: ids.created,
        model: target.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content, ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }) },
            finish_reason: finishReason(line, toolCalls !== undefined),
          },
        ],
        ...(usage === undefined ? {} : { usage }),
      };
      return { body, usage };
    },

    createStreamDecoder(op, target, options): StreamDecoder {
      const lineFlavour = wireFlavour(op);
      let usage: Usage | undefined;
      let first = true;
      const toolCalls = new StreamedToolCalls();
      const chatChunk = (delta: ChatCompletionChunk["choices"][number]["delta"], finish: string | null): ChatCompletionChunk => ({
        id: `chatcmpl-${options.id}`,
        object: "chat.completion.chunk",
        created: options.created,
        model: target.model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
      const textChunk = (text: string, finish: string | null): TextCompletion => ({
        id: `cmpl-${options.id}`,
        object: "text_completion",
        created: options.created,
        model: target.model,
        choices: [{ index: 0, text, finish_reason: finish, logprobs: null }],
      });
      const decode = (text: string): StreamEvent[] => {
        const events: StreamEvent[] = [];
        const line = parseUpstreamJson(text, kind);
        failIfError(line);
        const content = textOf(line, lineFlavour);
        const calls = op === "chat" ? functionCallsOf(line) : undefined;
        if (op === "chat") {
          if (content !== "" || first || calls !== undefined) {
            const delta = { ...(first ? { role: "assistant" as const } : {}), content, ...(calls === undefined ? {} : { tool_calls: toolCalls.delta(calls) }) };
            events.push({ chunk: chatChunk(delta, null) });
          }
        } else if (content !== "") {
          events.push({ chunk: textChunk(content, null) });
        }
        first = false;
        if (line["done"] === true) {
          usage = usageOf(line);
          const finish = finishReason(line, toolCalls.any);
          events.push({ chunk: op === "chat" ? chatChunk({}, finish) : textChunk("", finish) });
          if (options.includeUsage && usage !== undefined) {
            const usageChunk = op === "chat" ? { ...chatChunk({}, null), choices: [], usage } : { ...textChunk("", null), choices: [], usage };
            events.push({ chunk: usageChunk });
          }
        }
        return events;
      };
      return {
        get usage() {
          return usage;
        },
        decode,
        finish: () => [],
      };
    },

    parseError(_status, text) {
      return errorMessageOf(text);
    },

    healthProbe(target) {
      return { method: "GET", path: `${target.basePath}/api/tags`, headers: headersFor(target) };
    },
  };
}

export const ollamaChat = ollamaAdapter("chat");
export const ollamaGenerate = ollamaAdapter("generate");
