/**
 * The per-request cache controls LiteLLM reads from the body's `cache` object: `no-cache` (do
 * not read), `no-store` (do not write), `ttl` (seconds to keep this answer), `s-maxage` (accept
 * only an answer at most this old), `namespace`, `use-cache` (opt in under `mode: default_off`).
 * Parsed once per request that sends them, whether or not a cache is configured: a `cache` that
 * is not an object, an unknown control or a wrong type is a 400 naming it, never ignored.
 */
import { GatewayError, invalidParam } from "../errors.ts";

export interface CacheControls {
  readonly noCache: boolean;
  readonly noStore: boolean;
  readonly ttlSeconds: number | undefined;
  readonly sMaxAgeSeconds: number | undefined;
  readonly namespace: string | undefined;
  readonly useCache: boolean;
}

/** A request without cache controls. */
export const NO_CONTROLS: CacheControls = { noCache: false, noStore: false, ttlSeconds: undefined, sMaxAgeSeconds: undefined, namespace: undefined, useCache: false };

const NAMES = ["no-cache", "no-store", "ttl", "s-maxage", "namespace", "use-cache"] as const;

function bad(name: string, expected: string, value: unknown): GatewayError {
  return invalidParam(`cache.${name}`, expected, value);
}

/** The body's `cache` field (absent or null: no controls); a wrong shape is a 400 naming it. */
export function parseControls(raw: unknown): CacheControls {
  if (raw === undefined || raw === null) return NO_CONTROLS;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw invalidParam("cache", `an object of cache controls (${NAMES.join(", ")})`, raw);
  }
  const controls = raw as Readonly<Record<string, unknown>>;
  for (const name of Object.keys(controls)) {
    if (!(NAMES as readonly string[]).includes(name)) {
      throw new GatewayError("invalid_request", `Invalid request: 'cache.${name}' is not a cache control (use ${NAMES.join(", ")})`, { param: `cache.${name}` });
    }
  }
  const flag = (name: string): boolean => {
    const value = controls[name];
    if (value === undefined) return false;
    if (typeof value !== "boolean") throw bad(name, "true or false", value);
    return value;
  };
  const seconds = (name: string): number | undefined => {
    const value = controls[name];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw bad(name, "a number of seconds >= 0", value);
    return value;
  };
  const namespace = controls["namespace"];
  if (namespace !== undefined && (typeof namespace !== "string" || namespace === "")) throw bad("namespace", "a non-empty string", namespace);
  return {
    noCache: flag("no-cache"),
    noStore: flag("no-store"),
    ttlSeconds: seconds("ttl"),
    sMaxAgeSeconds: seconds("s-maxage"),
    namespace: namespace as string | undefined,
    useCache: flag("use-cache"),
  };
}
