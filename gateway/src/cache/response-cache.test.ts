import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { deleteRedisKeys, REDIS_HOST, REDIS_PORT, startTcpProxy, testRedisPrefix } from "../../test/db-support.ts";
import { configSchema } from "../config/schema.ts";
import { RedisPool } from "../stores/redis.ts";
import type { CachedResponse } from "./cache-store.ts";
import { MemoryCacheStore } from "./memory-store.ts";
import { RedisCacheStore } from "./redis-store.ts";
import { NO_CONTROLS, parseControls } from "./cache-controls.ts";
import { ResponseCache } from "./response-cache.ts";

const silent = pino({ level: "silent" });
const body = { model: "gpt-mock", messages: [{ role: "user", content: "hi" }] };
const answer: Omit<CachedResponse, "storedAt"> = { kind: "json", body: '{"id":"x"}', usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) await deleteRedisKeys(prefix);
});

function cacheWith(params: Record<string, unknown> = {}, now = () => Date.now()): ResponseCache {
  const parsed = configSchema.parse({ litellm_settings: { cache: true, cache_params: params } }).litellm_settings.cache_params;
  return new ResponseCache({ store: new MemoryCacheStore(1024 * 1024, now), params: parsed, logger: silent, now });
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("the response cache policy", () => {
  it("misses, stores, then hits", async () => {
    const cache = cacheWith();
    const plan = cache.plan("chat", body, NO_CONTROLS)!;
    expect((await cache.lookup(plan)).result).toBe("miss");
    cache.set(plan, answer);
    const hit = await cache.lookup(plan);
    expect(hit.result).toBe("hit");
    expect(hit.value).toMatchObject(answer);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, stored: 1 });
  });

  it("mode default_off: only requests that opt in", () => {
    const cache = cacheWith({ mode: "default_off" });
    expect(cache.plan("chat", body, NO_CONTROLS)).toBeUndefined();
    expect(cache.plan("chat", body, parseControls({ "use-cache": true }))).toBeDefined();
  });

  it("supported_call_types limits the operations", () => {
    const cache = cacheWith({ supported_call_types: ["embedding", "aembedding"] });
    expect(cache.plan("chat", body, NO_CONTROLS)).toBeUndefined();
    expect(cache.plan("embeddings", { model: "e", input: "x" }, NO_CONTROLS)).toBeDefined();
  });

  it("namespaces keys (config, then per request)", () => {
    const cache = cacheWith({ namespace: "prod" });
    expect(cache.plan("chat", body, NO_CONTROLS)!.key).toMatch(/^prod:[0-9a-f]{64}$/);
    expect(cache.plan("chat", body, parseControls({ namespace: "team-a" }))!.key).toMatch(/^team-a:[0-9a-f]{64}$/);
  });

  it("no-cache skips the read, no-store the write, ttl and s-maxage bound the age", async () => {
    let now = 1_000_000;
    const cache = cacheWith({ ttl: 100 }, () => now);
    const plan = cache.plan("chat", body, NO_CONTROLS)!;
    expect(plan.ttlMs).toBe(100_000);
    expect(cache.plan("chat", body, parseControls({ "no-cache": true }))!.lookup).toBe(false);
    expect(cache.plan("chat", body, parseControls({ "no-store": true }))!.store).toBe(false);
    expect(cache.plan("chat", body, parseControls({ "no-cache": true, "no-store": true }))).toBeUndefined();
    cache.set(cache.plan("chat", body, parseControls({ "no-store": true }))!, answer);
    expect((await cache.lookup(plan)).result).toBe("miss");
    cache.set(cache.plan("chat", body, parseControls({ ttl: 5 }))!, answer);
    now += 3000;
    expect((await cache.lookup(plan)).result).toBe("hit");
    expect((await cache.lookup(cache.plan("chat", body, parseControls({ "s-maxage": 2 }))!)).result).toBe("miss");
    now += 3000;
    expect((await cache.lookup(plan)).result).toBe("miss");
  });
});

describe("the memory store", () => {
  it("evicts the least recently used answer beyond its size", () => {
    const store = new MemoryCacheStore(8 * 180);
    const entry = (n: number): CachedResponse => ({ storedAt: 0, kind: "json", body: "x".repeat(100 + n) });
    for (let i = 0; i < 8; i++) store.set(`k${i}`, entry(i), 60_000);
    expect(store.get("k0")).toBeDefined(); // now most recently used
    store.set("k8", entry(8), 60_000);
    expect(store.get("k0")).toBeDefined();
    expect(store.get("k1")).toBeUndefined();
    expect(store.usedBytes).toBeLessThanOrEqual(8 * 180);
  });

  it("keeps no answer bigger than an eighth of its size", () => {
    const store = new MemoryCacheStore(800);
    store.set("big", { storedAt: 0, kind: "json", body: "x".repeat(200) }, 60_000);
    expect(store.get("big")).toBeUndefined();
  });
});

describe("the Redis store", () => {
  it("shares answers between caches and turns an outage into misses", async () => {
    const prefix = testRedisPrefix();
    prefixes.push(prefix);
    const proxy = await startTcpProxy(REDIS_PORT, REDIS_HOST);
    const settings = { host: "127.0.0.1", port: proxy.port, password: undefined, keyPrefix: prefix, connections: 1, commandTimeoutMs: 500 };
    const poolA = new RedisPool(settings, silent, "a");
    const poolB = new RedisPool(settings, silent, "b");
    try {
      await Promise.all([poolA.ready(), poolB.ready()]);
      const params = configSchema.parse({ litellm_settings: { cache_params: { type: "redis" } } }).litellm_settings.cache_params;
      const a = new ResponseCache({ store: new RedisCacheStore(poolA), params, logger: silent });
      const b = new ResponseCache({ store: new RedisCacheStore(poolB), params, logger: silent });
      const plan = a.plan("chat", body, NO_CONTROLS)!;
      a.set(plan, answer);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await b.lookup(plan)).value).toMatchObject(answer);

      proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await b.lookup(plan)).result).toBe("error");
      b.set(plan, answer);
      await flush();
      expect(b.stats()).toMatchObject({ errors: 1 });
    } finally {
      await poolA.close();
      await poolB.close();
      await proxy.close();
    }
  });
});
