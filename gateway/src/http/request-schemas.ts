/**
 * Validation of the three proxied request bodies. Every field OpenAI's API defines a type for
 * is checked (the fields Pharos reads and the ones it forwards), with the failing field named
 * in `param` as OpenAI names it (`messages[2].role`, `tools[0].function.name`). Optional fields
 * take `null` where OpenAI's API does. Unknown fields pass through untouched: providers accept
 * extras (whether a deployment's provider takes them is checked per deployment, param-support.ts).
 * Schemas are compiled once (zod's ahead-of-time fast path) for the hot path; the messages are
 * only built when a request fails.
 */
import { z } from "zod";
import { GatewayError, shown } from "../errors.ts";
import type { ChatRequest, CompletionRequest, EmbeddingRequest, Operation, RequestBody } from "../providers/openai-types.ts";

// ---------------------------------------------------------------------------------------------
// Messages: "'<param>' is required" or "'<param>' must be <what> (got <value>)".

type RawIssue = z.core.$ZodRawIssue;

/** The error option of a schema whose value must be `what`. */
function must(what: string): { error: (issue: RawIssue) => string } {
  return { error: (issue) => (issue.input === undefined ? "is required" : `must be ${what} (got ${shown(issue.input)})`) };
}

function listed(values: readonly string[]): string {
  return values.map((value) => `'${value}'`).join(", ");
}

/** The error option of a discriminated union: the issue's input is the object, its path ends at `type`. */
function mustHaveType(values: readonly string[]): { error: (issue: RawIssue) => string } {
  return {
    error: (issue) => {
      const input = issue.input;
      if (input === null || typeof input !== "object" || Array.isArray(input)) return input === undefined ? "is required" : `must be an object with a 'type' (got ${shown(input)})`;
      const type = (input as { type?: unknown }).type;
      return type === undefined ? "is required" : `must be one of ${listed(values)} (got ${shown(type)})`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Field schemas.

const string = z.string(must("a string"));
const nonEmptyString = string.min(1, { error: "must not be empty" });
const boolean = z.boolean(must("true or false"));
const jsonObject = z.record(z.string(), z.unknown(), must("an object"));

function numberBetween(min: number, max: number): z.ZodNumber {
  const error = must(`a number between ${min} and ${max}`);
  return z.number(error).min(min, error).max(max, error);
}

function integerFrom(min: number, max?: number): z.ZodNumber {
  const error = must(max === undefined ? `an integer >= ${min}` : `an integer between ${min} and ${max}`);
  const atLeast = z.number(error).int(error).min(min, error);
  return max === undefined ? atLeast : atLeast.max(max, error);
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, must(`one of ${listed(values)}`));
}

const model = nonEmptyString;
const stream = boolean.nullable().optional();
const streamOptions = z.looseObject({ include_usage: boolean.nullable().optional() }, must("an object")).nullable().optional();
const maxTokens = integerFrom(1).nullable().optional();
const temperature = numberBetween(0, 2).nullable().optional();
const topP = numberBetween(0, 1).nullable().optional();
const penalty = numberBetween(-2, 2).nullable().optional();
const n = integerFrom(1).nullable().optional();
const seed = z.number(must("an integer")).int(must("an integer")).nullable().optional();
const stop = z.union([z.string(), z.array(string)], must("a string or a list of strings")).nullable().optional();
const logitBias = z.record(z.string(), numberBetween(-100, 100), must("an object of token ids to biases")).nullable().optional();
const user = string.optional();
const tokenId = z.number(must("a token id (an integer)")).int(must("a token id (an integer)"));

export const MESSAGE_ROLES = ["system", "user", "assistant", "tool", "function", "developer"] as const;

const contentPart = z.looseObject({ type: string, text: string.optional() }, must("a content part object"));

const toolCall = z.discriminatedUnion(
  "type",
  [
    z.looseObject({ id: string, type: z.literal("function"), function: z.looseObject({ name: string, arguments: z.string(must("a string (the arguments as JSON)")) }, must("an object")) }),
    z.looseObject({ id: string, type: z.literal("custom"), custom: z.looseObject({ name: string, input: string }, must("an object")) }),
  ],
  mustHaveType(["function", "custom"]),
);

const message = z.looseObject(
  {
    role: oneOf(MESSAGE_ROLES),
    content: z.union([z.string(), z.null(), z.array(contentPart)], must("a string, null or a list of content parts")).optional(),
    name: string.optional(),
    tool_call_id: string.optional(),
    tool_calls: z.array(toolCall, must("a list of tool calls")).nullable().optional(),
  },
  must("a message object"),
);

const functionDefinition = z.looseObject(
  {
    name: nonEmptyString,
    description: string.optional(),
    parameters: jsonObject.optional(),
    strict: boolean.nullable().optional(),
  },
  must("an object"),
);

export const TOOL_TYPES = ["function", "custom"] as const;

const tool = z.discriminatedUnion(
  "type",
  [
    z.looseObject({ type: z.literal("function"), function: functionDefinition }),
    z.looseObject({ type: z.literal("custom"), custom: z.looseObject({ name: nonEmptyString }, must("an object")) }),
  ],
  mustHaveType(TOOL_TYPES),
);

const named = z.looseObject({ name: string }, must("an object naming it"));

const toolChoice = z.union(
  [
    z.enum(["none", "auto", "required"]),
    z.discriminatedUnion(
      "type",
      [
        z.looseObject({ type: z.literal("function"), function: named }),
        z.looseObject({ type: z.literal("custom"), custom: named }),
        z.looseObject({ type: z.literal("allowed_tools"), allowed_tools: z.looseObject({ mode: oneOf(["auto", "required"]), tools: z.array(jsonObject, must("a list of tools")) }, must("an object")) }),
      ],
      mustHaveType(["function", "custom", "allowed_tools"]),
    ),
  ],
  must(`'none', 'auto', 'required' or an object naming a tool ({"type": "function", "function": {"name": …}})`),
);

const functionChoice = z.union([z.enum(["none", "auto"]), named], must(`'none', 'auto' or an object naming a function`));

export const RESPONSE_FORMAT_TYPES = ["text", "json_object", "json_schema"] as const;

const responseFormat = z.discriminatedUnion(
  "type",
  [
    z.looseObject({ type: z.literal("text") }),
    z.looseObject({ type: z.literal("json_object") }),
    z.looseObject({
      type: z.literal("json_schema"),
      json_schema: z.looseObject({ name: nonEmptyString, description: string.optional(), schema: jsonObject.optional(), strict: boolean.nullable().optional() }, must("an object")),
    }),
  ],
  mustHaveType(RESPONSE_FORMAT_TYPES),
);

// ---------------------------------------------------------------------------------------------
// The three bodies.

/** The fields chat and text completions share: streaming, length and sampling. */
const completionFields = {
  stream,
  stream_options: streamOptions,
  max_tokens: maxTokens,
  temperature,
  top_p: topP,
  n,
  stop,
  presence_penalty: penalty,
  frequency_penalty: penalty,
  seed,
  logit_bias: logitBias,
};

const chatBody = z.looseObject({
  model,
  messages: z.array(message, must("a list of messages")).min(1, { error: "must contain at least one message" }),
  ...completionFields,
  max_completion_tokens: maxTokens,
  logprobs: boolean.nullable().optional(),
  top_logprobs: integerFrom(0, 20).nullable().optional(),
  tools: z.array(tool, must("a list of tools")).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: boolean.optional(),
  functions: z.array(functionDefinition, must("a list of functions")).optional(),
  function_call: functionChoice.optional(),
  response_format: responseFormat.optional(),
  user,
  store: boolean.nullable().optional(),
  service_tier: string.nullable().optional(),
  reasoning_effort: string.nullable().optional(),
  modalities: z.array(string, must("a list of strings")).nullable().optional(),
});

const completionBody = z.looseObject({
  model,
  prompt: z.union([z.string(), z.array(string).min(1, must("a string or a non-empty list of strings"))], must("a string or a non-empty list of strings")),
  ...completionFields,
  logprobs: integerFrom(0, 5).nullable().optional(),
  echo: boolean.nullable().optional(),
  best_of: integerFrom(1).nullable().optional(),
  suffix: string.nullable().optional(),
  user,
});

const embeddingInput = must("a non-empty string, list of strings, or list of token ids");

const embeddingBody = z.looseObject({
  model,
  input: z.union([z.string().min(1, embeddingInput), z.array(string).min(1, embeddingInput), z.array(tokenId).min(1, embeddingInput), z.array(z.array(tokenId).min(1, embeddingInput)).min(1, embeddingInput)], embeddingInput),
  encoding_format: z.enum(["float", "base64"], must("'float' or 'base64'")).optional(),
  dimensions: integerFrom(1).optional(),
  user,
});

/** The bodies as declared (a test checks that zod compiles each to its fast path). */
export const REQUEST_BODIES = { chat: chatBody, text_completion: completionBody, embeddings: embeddingBody } as const;

const SCHEMAS = { chat: z.compile(chatBody), text_completion: z.compile(completionBody), embeddings: z.compile(embeddingBody) } as const;

// ---------------------------------------------------------------------------------------------
// The error.

function paramOf(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
  return out;
}

/**
 * The issue to report. When a union failed in a branch the value matched by type (a list of
 * content parts whose second part is wrong, an object naming no function), that branch's issue
 * is the precise one; when every branch failed on the value itself, the union's own message is.
 */
function reported(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== "invalid_union") return issue;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first === undefined || first.path.length === 0) continue;
    if (best === undefined || first.path.length > best.path.length) best = first;
  }
  if (best === undefined) return issue;
  const inner = reported(best);
  return { ...inner, path: [...issue.path, ...inner.path] };
}

export function validateRequest(op: "chat", body: Record<string, unknown>): ChatRequest;
export function validateRequest(op: "text_completion", body: Record<string, unknown>): CompletionRequest;
export function validateRequest(op: "embeddings", body: Record<string, unknown>): EmbeddingRequest;
export function validateRequest(op: Operation, body: Record<string, unknown>): RequestBody;
export function validateRequest(op: Operation, body: Record<string, unknown>): RequestBody {
  const result = SCHEMAS[op].safeParse(body);
  if (result.success) return body as unknown as RequestBody;
  const issue = reported(result.error.issues[0]!);
  const param = paramOf(issue.path);
  throw new GatewayError("invalid_request", `Invalid request: '${param}' ${issue.message}`, { param });
}
