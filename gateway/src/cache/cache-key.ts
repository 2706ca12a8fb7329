/**
 * The exact-match cache key: sha256 over the normalised request — the operation, the model
 * group, every body field that can change the answer (messages / prompt / input, temperature,
 * max_tokens, tools, response_format, seed, …) with object keys sorted, and the response format
 * (JSON, SSE, SSE with a usage chunk). Never part of it: the caller's key, the call id, `user`,
 * and the gateway's own parameters (cache controls, metadata: already taken out of the body).
 */
import { createHash } from "node:crypto";
import type { Operation } from "../providers/openai-types.ts";

/** Body fields that do not change the answer (or are encoded separately, like `stream`). */
const IGNORED = new Set(["user", "stream", "stream_options"]);

/** JSON with object keys sorted at every level, so field order never changes the key. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalJson(value[i] === undefined ? null : value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

export type ResponseFormat = "json" | "sse" | "sse+usage";

export function responseFormatOf(body: Record<string, unknown>): ResponseFormat {
  if (body["stream"] !== true) return "json";
  const options = body["stream_options"] as { include_usage?: unknown } | undefined;
  return options?.include_usage === true ? "sse+usage" : "sse";
}

/**
 * The key's hash (hex), without namespace. `variant` separates answers that were processed
 * differently on the way out (the output guardrails that scanned them).
 */
export function cacheKeyOf(op: Operation, body: Record<string, unknown>, variant = ""): string {
  const hash = createHash("sha256");
  hash.update(op).update("\n").update(responseFormatOf(body)).update("\n").update(variant).update("\n");
  const keys = Object.keys(body).sort();
  for (const key of keys) {
    if (IGNORED.has(key) || body[key] === undefined) continue;
    hash.update(JSON.stringify(key)).update(":").update(canonicalJson(body[key])).update("\n");
  }
  return hash.digest("hex");
}
