/**
 * Which request fields a provider adapter sends upstream, and LiteLLM's rule for the others.
 *
 * Every adapter declares, per operation, the fields it translates (or passes on as sent);
 * OpenAI-compatible servers take every field (`"all"`). A field a deployment's provider cannot
 * send is never dropped silently: it is a 400 naming the field and the provider (LiteLLM's
 * UnsupportedParamsError), unless `drop_params` is on for the deployment (its litellm_params,
 * else litellm_settings), in which case the field is left out of that deployment's request
 * (the pipeline logs it at debug and counts it, before the attempt).
 *
 * As in LiteLLM, `null` means "not sent", and `user` is the gateway's (it names the end user;
 * providers without such a field do not get it). A rule can take some values of a field only
 * (Ollama's `n` is 1, its `tool_choice` "auto" or "none").
 *
 * The check runs once per attempt; for OpenAI-compatible deployments it is one comparison, for
 * the others one pass over the body's keys that allocates only when something is unsupported.
 */
import { GatewayError, shown } from "../errors.ts";
import { isObject } from "./json.ts";
import type { Operation, RequestBody } from "./openai-types.ts";
export interface ParamRule {
  /** Whether the adapter can send this value (null never reaches a rule). */
  readonly accepts: (value: unknown) => boolean;
  /** The values it can send, for the error message (`1`, `'auto' or 'none'`). */
  readonly takes: string;
}

/** Field name → taken whatever its value (`true`), or only the values its rule accepts. */
export type ParamTable = ReadonlyMap<string, true | ParamRule>;

/** `"all"`: every field goes upstream as sent (OpenAI-compatible servers accept extras). */
export type ParamSupport = "all" | ParamTable;

/** Fields every adapter takes: the model, the stream flags (the gateway handles them) and `user`. */
const ALWAYS = ["model", "stream", "stream_options", "user"] as const;

/** A table of the fields an adapter takes for one operation. */
export function paramTable(names: readonly string[], rules: Readonly<Record<string, ParamRule>> = {}): ParamTable {
  const table = new Map<string, true | ParamRule>();
  for (const name of [...ALWAYS, ...names]) table.set(name, true);
  for (const [name, rule] of Object.entries(rules)) table.set(name, rule);
  return table;
}

/** An operation the adapter does not serve (the router never sends it there): the always-taken fields only. */
export const NO_PARAMS: ParamTable = paramTable([]);

/** Tools that are all functions: what providers that declare functions only (Gemini, Ollama) take. */
export const FUNCTION_TOOLS_ONLY: ParamRule = {
  accepts: (value) => Array.isArray(value) && value.every((tool) => isObject(tool) && tool["type"] === "function"),
  takes: "function tools only",
};

/** Every request field OpenAI's API defines, for the three operations (messages and metrics tell them from extras). */
export const OPENAI_PARAMS: ReadonlySet<string> = new Set([
  // chat completions
  "messages", "model", "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs", "max_completion_tokens",
  "max_tokens", "metadata", "modalities", "n", "parallel_tool_calls", "prediction", "presence_penalty", "prompt_cache_key",
  "reasoning_effort", "response_format", "safety_identifier", "seed", "service_tier", "stop", "store", "stream", "stream_options",
  "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity", "web_search_options",
  // completions
  "prompt", "best_of", "echo", "suffix",
  // embeddings
  "input", "dimensions", "encoding_format",
]);

/** The fields of `body` that `support` cannot send, or undefined (no allocation in that common case). */
export function unsupportedParams(body: RequestBody, support: ParamSupport): string[] | undefined {
  if (support === "all") return undefined;
  const fields = body as Readonly<Record<string, unknown>>;
  let unsupported: string[] | undefined;
  for (const name in fields) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    const rule = support.get(name);
    if (rule === true || (rule !== undefined && rule.accepts(value))) continue;
    (unsupported ??= []).push(name);
  }
  return unsupported;
}

/** What the unsupported-parameter error says about a deployment. */
export interface ParamTarget {
  readonly id: string;
  readonly group: string;
  /** The configured model, with its provider prefix. */
  readonly model: string;
  readonly adapter: { readonly kind: string; readonly params: Readonly<Record<Operation, ParamSupport>> };
}

function described(name: string, value: unknown, support: ParamTable, provider: string): string {
  const rule = support.get(name);
  if (rule !== undefined && rule !== true) return `'${name}' = ${shown(value)} (${provider} takes ${rule.takes})`;
  return OPENAI_PARAMS.has(name) ? `'${name}'` : `'${name}' (not an OpenAI parameter)`;
}

/** How a refusal names the deployment: `model group 'g', deployment 'd': gemini/gemini-2.0-flash`. */
export function deploymentLabel(deployment: Pick<ParamTarget, "id" | "group" | "model">): string {
  return `model group '${deployment.group}', deployment '${deployment.id}': ${deployment.model}`;
}

/** The 400 for fields a deployment's provider cannot send; `param` is the first of them. */
export function unsupportedParamsError(deployment: ParamTarget, op: Operation, body: RequestBody, names: readonly string[]): GatewayError {
  const support = deployment.adapter.params[op];
  const provider = deployment.adapter.kind;
  const fields = body as Readonly<Record<string, unknown>>;
  const list = names.map((name) => (support === "all" ? `'${name}'` : described(name, fields[name], support, provider))).join(", ");
  const message =
    `${provider} does not support the parameter${names.length === 1 ? "" : "s"} ${list} (${deploymentLabel(deployment)}). ` +
    `Leave ${names.length === 1 ? "it" : "them"} out, or set litellm_settings.drop_params: true (or drop_params in this deployment's litellm_params) to have unsupported parameters dropped`;
  return new GatewayError("unsupported_params", message, { param: names[0]! });
}

/** Which of `names` the body sets (not null), or undefined when none (no allocation then). */
export function presentParams(body: RequestBody, names: readonly string[]): string[] | undefined {
  const fields = body as Readonly<Record<string, unknown>>;
  let present: string[] | undefined;
  for (const name of names) if (fields[name] !== undefined && fields[name] !== null) (present ??= []).push(name);
  return present;
}

/** `body` without `names` (drop_params): a copy, the client's body stays whole for other deployments. */
export function withoutParams(body: RequestBody, names: readonly string[]): RequestBody {
  const kept: Record<string, unknown> = { ...body };
  for (const name of names) delete kept[name];
  return kept as RequestBody;
}
