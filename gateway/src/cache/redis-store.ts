/**
 * The Redis cache store (cache_params.type: redis): GET / SET PX on the shared RedisPool, under
 * `<PHAROS_REDIS_KEY_PREFIX>cache:<namespace:hash>`, so every instance shares the answers.
 * Writes are batched: answers stored within WRITE_DELAY_MS go out in one pipeline (one socket
 * write instead of one per answer); until then this instance serves them from the batch.
 * When Redis is unreachable, get/set fail at once (the pool has no offline queue): the response
 * cache answers that as a miss (and counts it as an `error` lookup).
 */
import type { RedisPool } from "../stores/redis.ts";
import type { CachedResponse, CacheStore } from "./cache-store.ts";

const WRITE_DELAY_MS = 5;

export class RedisUnavailableError extends Error {
  constructor() {
    super("Redis is unreachable");
    this.name = "RedisUnavailableError";
  }
}

interface PendingWrite {
  readonly value: CachedResponse;
  readonly ttlMs: number;
  readonly done: Array<{ resolve: () => void; reject: (error: Error) => void }>;
}

export class RedisCacheStore implements CacheStore {
  readonly backend = "redis" as const;
  private readonly pool: RedisPool;
  private pending = new Map<string, PendingWrite>();
  private timer: NodeJS.Timeout | undefined;

  constructor(pool: RedisPool) {
    this.pool = pool;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const queued = this.pending.get(key);
    if (queued !== undefined) return queued.value;
    const client = this.pool.client();
    if (client === undefined) throw new RedisUnavailableError();
    const text = await client.get(`cache:${key}`);
    return text === null ? undefined : (JSON.parse(text) as CachedResponse);
  }

  set(key: string, value: CachedResponse, ttlMs: number): Promise<void> {
    if (this.pool.client() === undefined) return Promise.reject(new RedisUnavailableError());
    return new Promise((resolve, reject) => {
      const previous = this.pending.get(key);
      const done = previous?.done ?? [];
      done.push({ resolve, reject });
      this.pending.set(key, { value, ttlMs, done });
      this.timer ??= setTimeout(() => void this.flush(), WRITE_DELAY_MS);
    });
  }

  /** Writes every queued answer in one pipeline. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.size === 0) return;
    this.pending = new Map();
    const settle = (error: Error | undefined): void => {
      for (const write of batch.values()) {
        for (const { resolve, reject } of write.done) {
          if (error === undefined) resolve();
          else reject(error);
        }
      }
    };
    const client = this.pool.client();
    if (client === undefined) {
      settle(new RedisUnavailableError());
      return;
    }
    const pipeline = client.pipeline();
    for (const [key, write] of batch) pipeline.set(`cache:${key}`, JSON.stringify(write.value), "PX", Math.max(1, Math.round(write.ttlMs)));
    try {
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([error]) => error !== null)?.[0];
      settle(failed ?? undefined);
    } catch (error) {
      settle(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async close(): Promise<void> {
    // The pool is shared and closed by the gateway; queued answers are written first.
    await this.flush().catch(() => undefined);
  }
}
