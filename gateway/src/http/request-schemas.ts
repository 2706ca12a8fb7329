/**
 * Validation of the three proxied request bodies: the fields Pharos reads are checked (with the
 * failing field named in `param`), everything else passes through to the upstream untouched.
 * Schemas are compiled once (zod's ahead-of-time fast path) for the hot path.
 */
import { z } from "zod";
import { GatewayError } from "../errors.ts";
import type { ChatRequest, CompletionRequest, EmbeddingRequest, Operation, RequestBody } from "../providers/openai-types.ts";

const model = z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") }).min(1, { error: "must not be empty" });
const stream = z.boolean({ error: "must be true or false" }).optional();
const streamOptions = z.looseObject({ include_usage: z.boolean({ error: "must be true or false" }).optional() }).optional();
const maxTokens = z.number({ error: "must be a number" }).int({ error: "must be an integer" }).positive({ error: "must be at least 1" }).optional();
const temperature = z.number({ error: "must be a number" }).min(0, { error: "must be between 0 and 2" }).max(2, { error: "must be between 0 and 2" }).optional();
const topP = z.number({ error: "must be a number" }).min(0, { error: "must be between 0 and 1" }).max(1, { error: "must be between 0 and 1" }).optional();
const n = z.number({ error: "must be a number" }).int({ error: "must be an integer" }).min(1, { error: "must be at least 1" }).optional();
const stop = z.union([z.string(), z.array(z.string())], { error: "must be a string or a list of strings" }).optional();

const contentPart = z.looseObject({ type: z.string({ error: "must be a string" }) });
const message = z.looseObject({
  role: z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") }).min(1, { error: "must not be empty" }),
  content: z.union([z.string(), z.null(), z.array(contentPart)], { error: "must be a string, null or a list of content parts" }).optional(),
});

const chatSchema = z.compile(
  z.looseObject({
    model,
    messages: z
      .array(message, { error: (issue) => (issue.input === undefined ? "is required" : "must be a list of messages") })
      .min(1, { error: "must contain at least one message" }),
    stream,
    stream_options: streamOptions,
    max_tokens: maxTokens,
    max_completion_tokens: maxTokens,
    temperature,
    top_p: topP,
    n,
    stop,
  }),
);

const completionSchema = z.compile(
  z.looseObject({
    model,
    prompt: z.union([z.string(), z.array(z.string()).min(1)], {
      error: (issue) => (issue.input === undefined ? "is required" : "must be a string or a non-empty list of strings"),
    }),
    stream,
    stream_options: streamOptions,
    max_tokens: maxTokens,
    temperature,
    top_p: topP,
    n,
    stop,
  }),
);

const embeddingSchema = z.compile(
  z.looseObject({
    model,
    input: z.union([z.string().min(1), z.array(z.string()).min(1), z.array(z.number().int()).min(1), z.array(z.array(z.number().int()).min(1)).min(1)], {
      error: (issue) => (issue.input === undefined ? "is required" : "must be a non-empty string, list of strings, or list of token ids"),
    }),
    encoding_format: z.enum(["float", "base64"], { error: "must be 'float' or 'base64'" }).optional(),
    dimensions: z.number().int().positive({ error: "must be a positive integer" }).optional(),
  }),
);

const SCHEMAS = { chat: chatSchema, text_completion: completionSchema, embeddings: embeddingSchema } as const;

function paramOf(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
  return out;
}

export function validateRequest(op: "chat", body: Record<string, unknown>): ChatRequest;
export function validateRequest(op: "text_completion", body: Record<string, unknown>): CompletionRequest;
export function validateRequest(op: "embeddings", body: Record<string, unknown>): EmbeddingRequest;
export function validateRequest(op: Operation, body: Record<string, unknown>): RequestBody;
export function validateRequest(op: Operation, body: Record<string, unknown>): RequestBody {
  const result = SCHEMAS[op].safeParse(body);
  if (result.success) return body as unknown as RequestBody;
  const issue = result.error.issues[0]!;
  const param = paramOf(issue.path);
  throw new GatewayError("invalid_request", `Invalid request: '${param}' ${issue.message}`, { param });
}
