/**
 * The response cache's policy (litellm_settings.cache + cache_params):
 * - `type`: local (memory, default) | redis; `namespace`; `ttl` (seconds, default 600);
 * - `mode: default_off`: only requests that send `"cache": {"use-cache": true}` use it;
 * - `supported_call_types`: completion/acompletion (chat), text_completion/atext_completion,
 *   embedding/aembedding; default all;
 * - per request, the body's `cache` controls (cache-controls.ts, parsed with the gateway's
 *   parameters): `no-cache` (do not read), `no-store` (do not write), `ttl` (seconds to keep
 *   this answer), `s-maxage` (accept only an answer at most this old), `namespace`, `use-cache`.
 * A store failure (Redis down) is answered as a miss (the request goes upstream), never as an
 * error to the client; it is logged once per outage and counted as the lookup result `error`,
 * so an outage and a cold cache stay apart in the metrics.
 */
import type { Logger } from "pino";
import type { CacheParams } from "../config/schema.ts";
import type { Operation } from "../providers/openai-types.ts";
import type { CacheControls } from "./cache-controls.ts";
import { cacheKeyOf } from "./cache-key.ts";
import type { CachedResponse, CacheStore } from "./cache-store.ts";

export const DEFAULT_CACHE_TTL_SECONDS = 600;

const CALL_TYPES: Record<string, Operation> = {
  completion: "chat",
  acompletion: "chat",
  text_completion: "text_completion",
  atext_completion: "text_completion",
  embedding: "embeddings",
  aembedding: "embeddings",
};

/** What the cache does for one request. */
export interface CachePlan {
  /** `namespace:hash` (or the hash): the store key and the `x-litellm-cache-key` header. */
  readonly key: string;
  readonly lookup: boolean;
  readonly store: boolean;
  readonly ttlMs: number;
  readonly maxAgeMs: number | undefined;
}

export type LookupResult = "hit" | "miss" | "error";

export interface ResponseCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly bypassed: number;
  readonly errors: number;
  readonly stored: number;
  readonly storeErrors: number;
}

export interface ResponseCacheOptions {
  readonly store: CacheStore;
  readonly params: CacheParams | undefined;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class ResponseCache {
  readonly store: CacheStore;
  private readonly supported: ReadonlySet<Operation>;
  private readonly defaultOff: boolean;
  private readonly namespace: string | undefined;
  private readonly ttlMs: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private failing = false;
  private counts = { hits: 0, misses: 0, bypassed: 0, errors: 0, stored: 0, storeErrors: 0 };

  constructor(options: ResponseCacheOptions) {
    const params = options.params;
    this.store = options.store;
    this.supported = new Set((params?.supported_call_types ?? Object.keys(CALL_TYPES)).map((type) => CALL_TYPES[type]!));
    this.defaultOff = params?.mode === "default_off";
    this.namespace = params?.namespace === "" ? undefined : params?.namespace;
    this.ttlMs = (params?.ttl ?? DEFAULT_CACHE_TTL_SECONDS) * 1000;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  /** How the cache treats this request; undefined = not at all (bypass). */
  plan(op: Operation, body: Record<string, unknown>, controls: CacheControls, variant?: string): CachePlan | undefined {
    if (!this.supported.has(op) || (this.defaultOff && !controls.useCache) || (controls.noCache && controls.noStore)) return undefined;
    const hash = cacheKeyOf(op, body, variant);
    const namespace = controls.namespace ?? this.namespace;
    return {
      key: namespace === undefined ? hash : `${namespace}:${hash}`,
      lookup: !controls.noCache,
      store: !controls.noStore,
      ttlMs: controls.ttlSeconds === undefined ? this.ttlMs : controls.ttlSeconds * 1000,
      maxAgeMs: controls.sMaxAgeSeconds === undefined ? undefined : controls.sMaxAgeSeconds * 1000,
    };
  }

  /** The cached answer (hit), or why there is none: miss (or too old for s-maxage), error (store down). */
  async lookup(plan: CachePlan): Promise<{ readonly result: LookupResult; readonly value?: CachedResponse }> {
    let value: CachedResponse | undefined;
    try {
      value = await this.store.get(plan.key);
      this.recovered();
    } catch (error) {
      this.failed(error, "lookups are misses");
      this.counts.errors += 1;
      return { result: "error" };
    }
    if (value !== undefined && plan.maxAgeMs !== undefined && this.now() - value.storedAt > plan.maxAgeMs) value = undefined;
    if (value === undefined) {
      this.counts.misses += 1;
      return { result: "miss" };
    }
    this.counts.hits += 1;
    return { result: "hit", value };
  }

  /** Stores an answer in the background (never delays the response; failures are counted). */
  set(plan: CachePlan, value: Omit<CachedResponse, "storedAt">): void {
    if (!plan.store || plan.ttlMs <= 0) return;
    const entry: CachedResponse = { ...value, storedAt: this.now() };
    try {
      const done = this.store.set(plan.key, entry, plan.ttlMs);
      if (done instanceof Promise) {
        done.then(
          () => {
            this.counts.stored += 1;
            this.recovered();
          },
          (error: unknown) => {
            this.counts.storeErrors += 1;
            this.failed(error, "answers are not stored");
          },
        );
      } else {
        this.counts.stored += 1;
      }
    } catch (error) {
      this.counts.storeErrors += 1;
      this.failed(error, "answers are not stored");
    }
  }

  stats(): ResponseCacheStats {
    return { ...this.counts };
  }

  /** Counts a request that does not read the cache. */
  bypass(): void {
    this.counts.bypassed += 1;
  }

  private failed(error: unknown, consequence: string): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.error({ err: error instanceof Error ? error.message : String(error), backend: this.store.backend }, `the response cache is unavailable: ${consequence} until it returns`);
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.warn({ backend: this.store.backend }, "the response cache is available again");
  }
}
