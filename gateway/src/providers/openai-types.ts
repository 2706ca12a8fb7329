/**
 * The OpenAI wire shapes Pharos speaks to clients (the subset it reads or writes).
 * Request bodies are kept as the client sent them (unknown fields pass through), so they are
 * typed as records with the fields Pharos looks at.
 */

export type Operation = "chat" | "text_completion" | "embeddings";

export interface ChatMessage {
  role: string;
  content?: string | null | ContentPart[];
  name?: string;
  tool_calls?: ToolCall[] | null;
  tool_call_id?: string;
}

export interface ContentPart {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface ToolCall {
  id: string;
  type: string;
  function?: { name: string; arguments: string };
  [key: string]: unknown;
}

export interface FunctionDefinition {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  strict?: boolean | null;
  [key: string]: unknown;
}

/** A tool: `{type: "function", function: {...}}`, or another type (OpenAI's `custom`). */
export interface Tool {
  type: string;
  function?: FunctionDefinition;
  [key: string]: unknown;
}

/** "none" | "auto" | "required", or an object naming a tool (`{type: "function", function: {name}}`). */
export type ToolChoice = string | { type: string; function?: { name: string }; [key: string]: unknown };

export interface ResponseFormat {
  type: "text" | "json_object" | "json_schema";
  json_schema?: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null };
}

export interface StreamOptionsField {
  include_usage?: boolean | null;
}

/**
 * Optional fields are `null` where OpenAI's API accepts null (validated in request-schemas.ts):
 * adapters treat null as not sent.
 */
/** The fields chat and text completions share: streaming, length and sampling. */
interface CompletionFields {
  stream?: boolean | null;
  stream_options?: StreamOptionsField | null;
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
}

export interface ChatRequest extends CompletionFields {
  model: string;
  messages: ChatMessage[];
  max_completion_tokens?: number | null;
  response_format?: ResponseFormat;
  tools?: Tool[];
  tool_choice?: ToolChoice;
  user?: string;
  [key: string]: unknown;
}

export interface CompletionRequest extends CompletionFields {
  model: string;
  prompt: string | string[];
  suffix?: string | null;
  user?: string;
  [key: string]: unknown;
}

export interface EmbeddingRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64";
  dimensions?: number;
  input_type?: string;
  user?: string;
  [key: string]: unknown;
}

export type RequestBody = ChatRequest | CompletionRequest | EmbeddingRequest;

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: "assistant"; content: string | null; tool_calls?: unknown[] };
    finish_reason: string | null;
    logprobs?: unknown;
  }>;
  usage?: Usage;
  system_fingerprint?: string | null;
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: "assistant"; content?: string | null; tool_calls?: unknown[] };
    finish_reason: string | null;
  }>;
  usage?: Usage | null;
}

export interface TextCompletion {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  choices: Array<{ index: number; text: string; finish_reason: string | null; logprobs: unknown }>;
  usage?: Usage;
}

export interface EmbeddingResponse {
  object: "list";
  data: Array<{ object: "embedding"; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export type CompletionChunk = TextCompletion;
export type ResponseBody = ChatCompletion | TextCompletion | EmbeddingResponse;
export type StreamChunk = ChatCompletionChunk | CompletionChunk;

/** The text of a message's content, whether a string or a list of parts. */
export function contentText(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) if (typeof part.text === "string") text += text === "" ? part.text : `\n${part.text}`;
  return text;
}
