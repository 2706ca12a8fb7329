/**
 * Request fields that are instructions to the gateway, not to the model (LiteLLM's per-request
 * controls). They are taken out of the body once, before anything is sent upstream.
 */
import { NO_CONTROLS, parseControls } from "../cache/cache-controls.ts";
import type { CacheControls } from "../cache/cache-controls.ts";
import { GatewayError, invalidParam } from "../errors.ts";

export interface GatewayParams {
  /** Per-request cache controls: no-cache, no-store, ttl, s-maxage, namespace, use-cache; `caching: false|true` maps onto them. */
  readonly cache: CacheControls;
  /** Free-form metadata (kept in spend logs, never sent upstream). */
  readonly metadata: Record<string, unknown> | undefined;
  /** Guardrails requested by name. */
  readonly guardrails: unknown;
  /** Model groups to fall back to for this request, in place of `fallbacks` and `default_fallbacks`. */
  readonly fallbacks: readonly string[] | undefined;
  /** Retries for this request, in place of `num_retries`. */
  readonly numRetries: number | undefined;
  /** Routing tags (`tags`, else `metadata.tags`) for router_settings.enable_tag_filtering. */
  readonly tags: readonly string[] | undefined;
}

const NAMES = ["cache", "metadata", "guardrails", "fallbacks", "num_retries", "caching", "litellm_metadata", "mock_testing_fallbacks", "tags"] as const;

/** A request without gateway parameters. */
export const NO_GATEWAY_PARAMS: GatewayParams = { cache: NO_CONTROLS, metadata: undefined, guardrails: undefined, fallbacks: undefined, numRetries: undefined, tags: undefined };

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Guardrail names a request asks for (a list, or a {name: on} mapping), in the body or its metadata. */
function requestedGuardrails(params: GatewayParams): string[] {
  const names: string[] = [];
  for (const value of [params.guardrails, params.metadata?.["guardrails"]]) {
    if (Array.isArray(value)) names.push(...value.map(String));
    else if (value !== null && typeof value === "object") names.push(...Object.keys(value));
  }
  return names;
}

/** On a gateway with no guardrails configured, a request that names some is refused, not ignored. */
export function refuseGuardrails(params: GatewayParams): undefined {
  const names = requestedGuardrails(params);
  if (names.length > 0) {
    throw new GatewayError("invalid_request", `Invalid request: 'guardrails' names ${names.map((name) => `'${name}'`).join(", ")}, but no guardrails are configured on this gateway`, { param: "guardrails" });
  }
  return undefined;
}

/** A list of strings (tags, fallback groups), or a 400 naming `param`. */
function tagList(value: unknown, param: string): readonly string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((tag) => typeof tag === "string")) {
    throw new GatewayError("invalid_request", `Invalid request: '${param}' must be a list of strings`, { param });
  }
  return value as string[];
}

function retries(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw invalidParam("num_retries", "an integer >= 0", value);
  }
  return value;
}

/** LiteLLM's `caching` flag: false = neither read nor write the cache, true = use it (also under mode: default_off). */
function withCaching(controls: CacheControls, caching: unknown): CacheControls {
  if (caching === undefined || caching === null) return controls;
  if (typeof caching !== "boolean") throw invalidParam("caching", "true or false", caching);
  return caching ? { ...controls, useCache: true } : { ...controls, noCache: true, noStore: true };
}

/** LiteLLM forces a failure with it to test fallbacks; Pharos does not fake failures of real deployments. */
function refuseMockTestingFallbacks(value: unknown): void {
  if (value === undefined || value === null || value === false) return;
  throw new GatewayError(
    "invalid_request",
    "Invalid request: 'mock_testing_fallbacks' is not supported: Pharos does not fake a deployment's failure (it would count toward its cooldown); test fallbacks with a deployment that fails, e.g. the mock upstream's faults",
    { param: "mock_testing_fallbacks" },
  );
}

/** Removes the gateway's fields from `body` (in place) and returns them; throws on a malformed one. */
export function takeGatewayParams(body: Record<string, unknown>): GatewayParams {
  let found = false;
  for (const name of NAMES) if (name in body) found = true;
  if (!found) return NO_GATEWAY_PARAMS;
  const metadata = asRecord(body["metadata"]) ?? asRecord(body["litellm_metadata"]);
  refuseMockTestingFallbacks(body["mock_testing_fallbacks"]);
  const params: GatewayParams = {
    cache: withCaching(parseControls(body["cache"]), body["caching"]),
    metadata,
    guardrails: body["guardrails"],
    fallbacks: tagList(body["fallbacks"], "fallbacks"),
    numRetries: retries(body["num_retries"]),
    tags: tagList(body["tags"], "tags") ?? tagList(metadata?.["tags"], "metadata.tags"),
  };
  for (const name of NAMES) delete body[name];
  return params;
}
