/**
 * Request fields that are instructions to the gateway, not to the model (LiteLLM's per-request
 * controls). They are taken out of the body once, before anything is sent upstream.
 */

export interface GatewayParams {
  /** Per-request cache controls: no-cache, no-store, ttl, s-maxage, namespace, use-cache. */
  readonly cache: Record<string, unknown> | undefined;
  /** Free-form metadata (kept in spend logs, never sent upstream). */
  readonly metadata: Record<string, unknown> | undefined;
  /** Guardrails requested by name. */
  readonly guardrails: unknown;
  readonly fallbacks: unknown;
  readonly numRetries: unknown;
}

const NAMES = ["cache", "metadata", "guardrails", "fallbacks", "num_retries", "caching", "litellm_metadata", "mock_testing_fallbacks"] as const;

const NONE: GatewayParams = { cache: undefined, metadata: undefined, guardrails: undefined, fallbacks: undefined, numRetries: undefined };

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Removes the gateway's fields from `body` (in place) and returns them. */
export function takeGatewayParams(body: Record<string, unknown>): GatewayParams {
  let found = false;
  for (const name of NAMES) if (name in body) found = true;
  if (!found) return NONE;
  const params: GatewayParams = {
    cache: asRecord(body["cache"]),
    metadata: asRecord(body["metadata"]) ?? asRecord(body["litellm_metadata"]),
    guardrails: body["guardrails"],
    fallbacks: body["fallbacks"],
    numRetries: body["num_retries"],
  };
  for (const name of NAMES) delete body[name];
  return params;
}
