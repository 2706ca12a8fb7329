/**
 * A deployment's own request defaults and upstream headers (litellm_params), as LiteLLM applies
 * them: sampling parameters set on the deployment are used when the request does not set them
 * (the request always wins); `extra_headers` and `organization` go on every upstream request.
 */
import { DEPLOYMENT_REQUEST_DEFAULTS } from "../config/schema.ts";
import type { LitellmParams } from "../config/schema.ts";
import type { Operation, RequestBody } from "./openai-types.ts";
import type { UpstreamRequest } from "./provider.ts";
import { PROVIDER_SPECIFIC_PARAMS } from "./registry.ts";
import type { ProviderEntry } from "./registry.ts";

export type RequestDefaults = Readonly<Record<string, unknown>>;

/** The deployment's defaults, or undefined when it has none (the hot path then skips them). */
export function requestDefaultsOf(params: LitellmParams, provider: ProviderEntry): RequestDefaults | undefined {
  const defaults: Record<string, unknown> = {};
  for (const name of [...DEPLOYMENT_REQUEST_DEFAULTS, ...provider.requestDefaultParams]) if (params[name] !== undefined) defaults[name] = params[name];
  return Object.keys(defaults).length === 0 ? undefined : defaults;
}

/** Provider-specific litellm_params set on a deployment whose provider does not take them, each with the prefixes that do (a boot warning each). */
export function unusedProviderParams(params: LitellmParams, provider: ProviderEntry): Array<{ readonly name: string; readonly takenBy: readonly string[] }> {
  const unused: Array<{ name: string; takenBy: readonly string[] }> = [];
  for (const [name, takenBy] of PROVIDER_SPECIFIC_PARAMS) if (params[name] !== undefined && !provider.requestDefaultParams.includes(name)) unused.push({ name, takenBy });
  return unused;
}

/** Lower-cased upstream headers from `organization` and `extra_headers` (which win), or undefined. */
export function extraHeadersOf(params: LitellmParams): Readonly<Record<string, string>> | undefined {
  const headers: Record<string, string> = {};
  if (params.organization !== undefined) headers["openai-organization"] = params.organization;
  for (const [name, value] of Object.entries(params.extra_headers ?? {})) headers[name.toLowerCase()] = value;
  return Object.keys(headers).length === 0 ? undefined : headers;
}

/** The request with the deployment's extra headers on top of the adapter's (calls and health probes alike). */
export function withExtraHeaders(request: UpstreamRequest, headers: Readonly<Record<string, string>> | undefined): UpstreamRequest {
  return headers === undefined ? request : { ...request, headers: { ...request.headers, ...headers } };
}

/** Token limits that must not both be sent: a request setting one keeps the other default out. */
const TOKEN_LIMITS = ["max_tokens", "max_completion_tokens"] as const;

/**
 * The body the upstream gets: the request's own fields over the deployment's defaults (chat and
 * completions only). A field the request sets to null is not set (OpenAI's meaning): the default applies.
 */
export function withRequestDefaults(op: Operation, body: RequestBody, defaults: RequestDefaults | undefined): RequestBody {
  if (defaults === undefined || op === "embeddings") return body;
  const merged: Record<string, unknown> = { ...defaults, ...body };
  for (const name in defaults) if (merged[name] === null) merged[name] = defaults[name];
  const sent = body as Readonly<Record<string, unknown>>;
  if (TOKEN_LIMITS.some((name) => sent[name] != null)) for (const name of TOKEN_LIMITS) if (sent[name] == null) delete merged[name];
  return merged as unknown as RequestBody;
}
