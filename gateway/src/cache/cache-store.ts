/** What the response cache keeps, and the interface of its two stores (memory, Redis). */
import type { Usage } from "../providers/openai-types.ts";

export interface CachedResponse {
  /** Epoch ms when it was stored (for `s-maxage`). */
  readonly storedAt: number;
  /** A JSON body, or the SSE payloads of a stream (without `data: ` and without [DONE]). */
  readonly kind: "json" | "sse";
  readonly body?: string;
  readonly events?: readonly string[];
  readonly usage?: Usage;
}

export interface CacheStore {
  readonly backend: "memory" | "redis";
  /** undefined = miss; throws when the store is unavailable (counted as an error, served as a miss). */
  get(key: string): CachedResponse | undefined | Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse, ttlMs: number): void | Promise<void>;
  close(): Promise<void>;
}

/** Approximate size in bytes (UTF-16 code units × 2 is an overestimate that is cheap to compute). */
export function sizeOf(value: CachedResponse): number {
  let size = 64;
  if (value.body !== undefined) size += value.body.length;
  if (value.events !== undefined) for (const event of value.events) size += event.length + 8;
  return size;
}
