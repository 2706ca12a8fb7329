/**
 * The Redis cache store (cache_params.type: redis): GET / SET PX on the shared RedisPool, under
 * `<PHAROS_REDIS_KEY_PREFIX>cache:<namespace:hash>`, so every instance shares the answers.
 * When Redis is unreachable, get/set throw at once (the pool has no offline queue): the
 * response cache turns that into a miss.
 */
import type { RedisPool } from "../stores/redis.ts";
import type { CachedResponse, CacheStore } from "./cache-store.ts";

export class RedisUnavailableError extends Error {
  constructor() {
    super("Redis is unreachable");
    this.name = "RedisUnavailableError";
  }
}

export class RedisCacheStore implements CacheStore {
  readonly backend = "redis" as const;
  private readonly pool: RedisPool;

  constructor(pool: RedisPool) {
    this.pool = pool;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const client = this.pool.client();
    if (client === undefined) throw new RedisUnavailableError();
    const text = await client.get(`cache:${key}`);
    return text === null ? undefined : (JSON.parse(text) as CachedResponse);
  }

  async set(key: string, value: CachedResponse, ttlMs: number): Promise<void> {
    const client = this.pool.client();
    if (client === undefined) throw new RedisUnavailableError();
    await client.set(`cache:${key}`, JSON.stringify(value), "PX", Math.max(1, Math.round(ttlMs)));
  }

  async close(): Promise<void> {
    // The pool is shared and closed by the gateway.
  }
}
