/**
 * Google AI Studio (`gemini/`): generateContent and streamGenerateContent?alt=sse for chat,
 * batchEmbedContents for embeddings. Messages, sampling parameters, tools and tool_choice,
 * response_format (JSON mode, JSON Schema), finish reasons and usage are translated both ways;
 * GEMINI_PARAMS lists the request fields it takes. The key travels in the x-goog-api-key header,
 * never the URL.
 */
import { GatewayError } from "../errors.ts";
import { encodeAsRequested } from "./embedding-encoding.ts";
import { errorMessageOf, isObject, parseUpstreamJson } from "./json.ts";
import type { JsonObject } from "./json.ts";
import { inlineImage, TEXT_AND_INLINE_IMAGES } from "./content-parts.ts";
import { contentText } from "./openai-types.ts";
import { answeredFunction, openAiToolCalls, StreamedToolCalls, toolCallNames } from "./tool-messages.ts";
import type { FunctionCallParts } from "./tool-messages.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatMessage, ChatRequest, EmbeddingRequest, EmbeddingResponse, FunctionDefinition, Operation, ToolChoice, Usage } from "./openai-types.ts";
import { FUNCTION_TOOLS_ONLY, NO_PARAMS, paramTable } from "./param-support.ts";
import { UpstreamStreamFailure } from "./provider.ts";
import type { ProviderAdapter, StreamDecoder, StreamEvent, UpstreamTarget } from "./provider.ts";

const FINISH_REASONS: Record<string, string> = {
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
  IMAGE_SAFETY: "content_filter",
};

function headersFor(target: UpstreamTarget): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (target.apiKey !== undefined) headers["x-goog-api-key"] = target.apiKey;
  return headers;
}

function modelPath(target: UpstreamTarget, method: string, query = ""): string {
  const extra = target.baseQuery === "" ? query : query === "" ? target.baseQuery : `${target.baseQuery}&${query.slice(1)}`;
  return `${target.basePath}/v1beta/models/${encodeURIComponent(target.model)}:${method}${extra}`;
}

const CHOICE_MODES: Readonly<Record<string, string>> = { none: "NONE", auto: "AUTO", required: "ANY" };

/** Whether a tool_choice has a Gemini function-calling mode: a mode name, or one named function. */
function translatableChoice(value: unknown): boolean {
  if (typeof value === "string") return CHOICE_MODES[value] !== undefined;
  return isObject(value) && value["type"] === "function";
}

/** The fields the Gemini adapter translates (param-support.ts refuses or drops any other). */
const GEMINI_PARAMS = {
  chat: paramTable(["messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "n", "seed", "stop", "presence_penalty", "frequency_penalty", "response_format"], {
    tools: FUNCTION_TOOLS_ONLY,
    tool_choice: { accepts: translatableChoice, takes: "'none', 'auto', 'required' or one named function" },
  }),
  text_completion: NO_PARAMS,
  embeddings: paramTable(["input", "dimensions", "encoding_format"]),
} as const;

/** OpenAI tool_choice → Gemini toolConfig.functionCallingConfig. */
function toolConfig(choice: ToolChoice): JsonObject | undefined {
  if (typeof choice === "string") {
    const mode = CHOICE_MODES[choice];
    return mode === undefined ? undefined : { functionCallingConfig: { mode } };
  }
  const name = choice.type === "function" ? choice.function?.name : undefined;
  return name === undefined ? undefined : { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [name] } };
}

/** An OpenAI function tool → a Gemini FunctionDeclaration (its parameters are JSON Schema, as OpenAI's are). */
function functionDeclaration(fn: FunctionDefinition): JsonObject {
  const declaration: JsonObject = { name: fn.name };
  if (fn.description !== undefined) declaration["description"] = fn.description;
  if (fn.parameters !== undefined) declaration["parametersJsonSchema"] = fn.parameters;
  return declaration;
}

/** Sampling parameters and the response format → Gemini generationConfig (undefined when empty). */
function generationConfig(body: ChatRequest): JsonObject | undefined {
  const config: JsonObject = {};
  const maxTokens = body.max_tokens ?? body.max_completion_tokens;
  if (maxTokens != null) config["maxOutputTokens"] = maxTokens;
  if (body.temperature != null) config["temperature"] = body.temperature;
  if (body.top_p != null) config["topP"] = body.top_p;
  if (body["top_k"] != null) config["topK"] = body["top_k"];
  if (body.n != null) config["candidateCount"] = body.n;
  if (body.seed != null) config["seed"] = body.seed;
  if (body.stop != null) config["stopSequences"] = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (body.presence_penalty != null) config["presencePenalty"] = body.presence_penalty;
  if (body.frequency_penalty != null) config["frequencyPenalty"] = body.frequency_penalty;
  const format = body.response_format;
  if (format?.type === "json_object" || format?.type === "json_schema") config["responseMimeType"] = "application/json";
  const schema = format?.type === "json_schema" ? format.json_schema?.schema : undefined;
  if (schema !== undefined) config["responseJsonSchema"] = schema;
  return Object.keys(config).length > 0 ? config : undefined;
}

/** A user or assistant message's content as Gemini parts: text, and inline images as `inlineData`, in order. */
function contentParts(content: ChatMessage["content"], text: string): JsonObject[] {
  if (!Array.isArray(content)) return text === "" ? [] : [{ text }];
  const parts: JsonObject[] = [];
  for (const part of content) {
    const image = inlineImage(part);
    if (image !== undefined) parts.push({ inlineData: { mimeType: image.mimeType, data: image.data } });
    else if (typeof part.text === "string" && part.text !== "") parts.push({ text: part.text });
  }
  return parts;
}

/** OpenAI chat request → Gemini GenerateContentRequest. */
export function geminiRequest(body: ChatRequest): JsonObject {
  const system: string[] = [];
  const contents: JsonObject[] = [];
  const names = toolCallNames(body.messages);
  for (const message of body.messages) {
    const text = contentText(message.content);
    if (message.role === "system" || message.role === "developer") {
      system.push(text);
      continue;
    }
    if (message.role === "tool") {
      // Gemini matches a functionResponse to its functionCall by the function's name.
      contents.push({ role: "user", parts: [{ functionResponse: { name: answeredFunction(message, names) ?? "tool", response: { content: text } } }] });
      continue;
    }
    const role = message.role === "assistant" ? "model" : "user";
    const parts = contentParts(message.content, text);
    for (const call of message.tool_calls ?? []) {
      const fn = call.function;
      if (fn !== undefined) parts.push({ functionCall: { name: fn.name, args: safeJson(fn.arguments) } });
    }
    contents.push({ role, parts: parts.length > 0 ? parts : [{ text: "" }] });
  }
  const out: JsonObject = { contents };
  if (system.length > 0) out["systemInstruction"] = { parts: [{ text: system.join("\n") }] };
  const config = generationConfig(body);
  if (config !== undefined) out["generationConfig"] = config;
  const declarations = (body.tools ?? []).flatMap((tool) => (tool.function === undefined ? [] : [functionDeclaration(tool.function)]));
  if (declarations.length > 0) out["tools"] = [{ functionDeclarations: declarations }];
  const choice = body.tool_choice === undefined ? undefined : toolConfig(body.tool_choice);
  if (choice !== undefined) out["toolConfig"] = choice;
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

function usageOf(response: JsonObject): Usage | undefined {
  const meta = response["usageMetadata"];
  if (!isObject(meta)) return undefined;
  const prompt = typeof meta["promptTokenCount"] === "number" ? meta["promptTokenCount"] : 0;
  const candidates = typeof meta["candidatesTokenCount"] === "number" ? meta["candidatesTokenCount"] : 0;
  const thoughts = typeof meta["thoughtsTokenCount"] === "number" ? meta["thoughtsTokenCount"] : 0;
  const completion = candidates + thoughts;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

interface CandidateParts {
  readonly text: string;
  readonly calls: FunctionCallParts[];
  /** Gemini's finishReason in OpenAI's terms (tool calls not yet accounted for); null while it streams. */
  readonly finish: string | null;
}

function candidateOf(response: JsonObject, index: number): CandidateParts {
  const candidates = Array.isArray(response["candidates"]) ? response["candidates"] : [];
  const candidate = isObject(candidates[index]) ? candidates[index] : {};
  const content = isObject(candidate["content"]) ? candidate["content"] : {};
  const parts = Array.isArray(content["parts"]) ? content["parts"].filter(isObject) : [];
  let text = "";
  const calls: FunctionCallParts[] = [];
  for (const part of parts) {
    if (typeof part["text"] === "string" && part["thought"] !== true) text += part["text"];
    const call = part["functionCall"];
    if (isObject(call)) calls.push({ name: String(call["name"] ?? ""), args: call["args"] });
  }
  const reason = candidate["finishReason"];
  return { text, calls, finish: typeof reason === "string" ? (FINISH_REASONS[reason] ?? "stop") : null };
}

/** A prompt Gemini refused outright: a content-policy error, as LiteLLM reports it. */
function failIfBlocked(response: JsonObject): void {
  const feedback = response["promptFeedback"];
  if (isObject(feedback) && typeof feedback["blockReason"] === "string") {
    throw new GatewayError("content_policy_violation", `gemini blocked the prompt: ${feedback["blockReason"]}`);
  }
  const error = response["error"];
  if (isObject(error)) {
    const status = typeof error["code"] === "number" ? error["code"] : 500;
    throw new UpstreamStreamFailure(status, typeof error["message"] === "string" ? error["message"] : "gemini stream error");
  }
}

function embeddingText(input: EmbeddingRequest["input"]): string[] {
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.every((item) => typeof item === "string")) return input as string[];
  throw new GatewayError("unsupported_operation", "Gemini embeddings take text input (a string or a list of strings)", { param: "input" });
}

export const gemini: ProviderAdapter = {
  kind: "gemini",
  otelName: "gcp.gemini",
  operations: new Set<Operation>(["chat", "embeddings"]),
  params: GEMINI_PARAMS,
  contentParts: TEXT_AND_INLINE_IMAGES,
  streamFraming: "sse",

  buildRequest(op, body, target, stream) {
    const headers = headersFor(target);
    if (op === "embeddings") {
      const texts = embeddingText((body as EmbeddingRequest).input);
      const model = `models/${target.model}`;
      const dimensions = (body as EmbeddingRequest).dimensions;
      const requests = texts.map((text) => ({ model, content: { parts: [{ text }] }, ...(dimensions === undefined ? {} : { outputDimensionality: dimensions }) }));
      return { method: "POST", path: modelPath(target, "batchEmbedContents"), headers, body: JSON.stringify({ requests }) };
    }
    const path = stream ? modelPath(target, "streamGenerateContent", "?alt=sse") : modelPath(target, "generateContent");
    return { method: "POST", path, headers, body: JSON.stringify(geminiRequest(body as ChatRequest)) };
  },

  parseResponse(op, text, target, request, ids) {
    const response = parseUpstreamJson(text, "gemini");
    if (op === "embeddings") {
      const list = response["embeddings"];
      if (!Array.isArray(list)) throw new GatewayError("upstream_malformed", 'gemini upstream embed response has no "embeddings" list');
      const texts = embeddingText((request as EmbeddingRequest).input);
      // Gemini reports no token count for embeddings: estimate 4 characters a token, as documented.
      const tokens = texts.reduce((sum, item) => sum + Math.ceil(item.length / 4), 0);
      const body: EmbeddingResponse = encodeAsRequested(
        {
          object: "list",
          data: list.map((item, index) => ({ object: "embedding", index, embedding: (isObject(item) && Array.isArray(item["values"]) ? item["values"] : []) as number[] })),
          model: target.model,
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        },
        request as EmbeddingRequest,
      );
      return { body, usage: { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens } };
    }
    failIfBlocked(response);
    const count = Array.isArray(response["candidates"]) ? response["candidates"].length : 0;
    if (count === 0) throw new GatewayError("upstream_malformed", "gemini upstream response has no candidates");
    const usage = usageOf(response);
    const choices: ChatCompletion["choices"] = [];
    for (let index = 0; index < count; index++) {
      const candidate = candidateOf(response, index);
      const called = candidate.calls.length > 0;
      choices.push({
        index,
        message: { role: "assistant", content: candidate.text, ...(called ? { tool_calls: openAiToolCalls(candidate.calls) } : {}) },
        finish_reason: called ? "tool_calls" : (candidate.finish ?? "stop"),
      });
    }
    const body: ChatCompletion = {
      id: `chatcmpl-${ids.id}`,
      object: "chat.completion",
      created: ids.created,
      model: target.model,
      choices,
      ...(usage === undefined ? {} : { usage }),
    };
    return { body, usage };
  },

  createStreamDecoder(_op, target, options): StreamDecoder {
    let usage: Usage | undefined;
    let first = true;
    let finished = false;
    const toolCalls = new StreamedToolCalls();
    const chunk = (delta: ChatCompletionChunk["choices"][number]["delta"], finish: string | null): ChatCompletionChunk => ({
      id: `chatcmpl-${options.id}`,
      object: "chat.completion.chunk",
      created: options.created,
      model: target.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const decode = (payload: string): StreamEvent[] => {
      const events: StreamEvent[] = [];
      const response = parseUpstreamJson(payload, "gemini");
      failIfBlocked(response);
      const chunkUsage = usageOf(response);
      if (chunkUsage !== undefined) usage = chunkUsage;
      const candidate = candidateOf(response, 0);
      if (candidate.text !== "" || candidate.calls.length > 0 || first) {
        const delta = {
          ...(first ? { role: "assistant" as const } : {}),
          content: candidate.text,
          ...(candidate.calls.length > 0 ? { tool_calls: toolCalls.delta(candidate.calls) } : {}),
        };
        events.push({ chunk: chunk(delta, null) });
        first = false;
      }
      if (candidate.finish !== null && !finished) {
        finished = true;
        events.push({ chunk: chunk({}, toolCalls.any ? "tool_calls" : candidate.finish) });
      }
      return events;
    };
    return {
      get usage() {
        return usage;
      },
      decode,
      // Gemini puts usage on its last event; the OpenAI usage chunk follows once the stream ends.
      finish: () => (options.includeUsage && usage !== undefined ? [{ chunk: { ...chunk({}, null), choices: [], usage } }] : []),
    };
  },

  parseError(_status, text) {
    return errorMessageOf(text);
  },

  healthProbe(target) {
    return { method: "GET", path: `${target.basePath}/v1beta/models${target.baseQuery}`, headers: headersFor(target) };
  },
};
