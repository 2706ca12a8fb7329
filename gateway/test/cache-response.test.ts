/**
 * The response cache end to end: real `pharos serve` processes in front of a mock upstream that
 * counts its hits; the memory cache in one process, the Redis cache shared by two, and a Redis
 * outage (a TCP proxy cut) that turns lookups into misses for the client, never into errors, and
 * is counted apart from misses on /metrics. The Redis pool gauges are read against the proxy's
 * real connection count.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { openaiClient } from "../../tests/support/openai-client.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { deleteRedisKeys, REDIS_HOST, REDIS_PORT, startTcpProxy, testRedisPrefix } from "./db-support.ts";
import type { TcpProxy } from "./db-support.ts";
import { scrape } from "./telemetry-support.ts";
import type { Scrape } from "./telemetry-support.ts";

const KEY = "sk-cache-master";
/** router_settings.redis_connection_pool_limit: connections per Redis pool and process. */
const REDIS_CONNECTIONS = 3;
const prefix = testRedisPrefix();
let mock: MockUpstream;
let memory: GatewayProcess;
let redisProxy: TcpProxy;
let shared: [GatewayProcess, GatewayProcess];

function config(cacheParams: Record<string, unknown>): Record<string, unknown> {
  return {
    model_list: [
      { model_name: "gpt-mock", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1`, api_key: "sk-up" }, model_info: { id: "chat-1", input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 } },
      { model_name: "embed-mock", litellm_params: { model: "openai/mock-embedding", api_base: `${mock.url}/v1` }, model_info: { id: "embed-1", mode: "embedding" } },
    ],
    litellm_settings: { cache: true, cache_params: cacheParams },
    router_settings: { redis_connection_pool_limit: REDIS_CONNECTIONS },
    general_settings: { master_key: KEY },
  };
}

beforeAll(async () => {
  mock = await startMock();
  redisProxy = await startTcpProxy(REDIS_PORT, REDIS_HOST);
  const env = { PHAROS_DATA_DIR: "off", PHAROS_REDIS_KEY_PREFIX: prefix };
  const redisConfig = config({ type: "redis", host: "127.0.0.1", port: redisProxy.port, namespace: "e2e", ttl: 60 });
  [memory, ...shared] = await Promise.all([
    startGateway({ config: config({ type: "local", ttl: 60 }), env }),
    startGateway({ config: redisConfig, env }),
    startGateway({ config: redisConfig, env }),
  ]) as [GatewayProcess, GatewayProcess, GatewayProcess];
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  await redisProxy.close();
  await deleteRedisKeys(prefix);
  removeTempDirs();
});

let counter = 0;
/** A prompt no other test uses, so every test starts from a cold cache. */
function fresh(): string {
  counter += 1;
  return `prompt ${counter} ${Math.random()}`;
}

async function chat(gateway: GatewayProcess, body: Record<string, unknown>): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-mock", ...body }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function chatHits(): number {
  return mock.stats().hits["openai chat"] ?? 0;
}

const REDIS_POOL = { db_system_name: "redis", db_client_connection_pool_name: "cache" };

/** The cache's Redis pool as one scrape shows it. */
function redisPool(metrics: Scrape): { used: number; idle: number; pending: number; max: number } {
  return {
    used: metrics.sum("db_client_connections_usage", { ...REDIS_POOL, db_client_connection_state: "used" }),
    idle: metrics.sum("db_client_connections_usage", { ...REDIS_POOL, db_client_connection_state: "idle" }),
    pending: metrics.sum("db_client_connections_pending_requests", REDIS_POOL),
    max: metrics.sum("db_client_connections_max", REDIS_POOL),
  };
}

function lookups(metrics: Scrape, result: string): number {
  return metrics.sum("pharos_cache_lookups_total", { gen_ai_request_model: "gpt-mock", pharos_cache_result: result, pharos_cache_backend: "redis" });
}

describe("the memory cache", () => {
  it("answers a repeated request from the cache with x-litellm-cache-key and cost 0", async () => {
    const messages = [{ role: "user", content: fresh() }];
    const before = chatHits();
    const first = await chat(memory, { messages, temperature: 0 });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-litellm-cache-key")).toBeNull();
    expect(Number(first.headers.get("x-litellm-response-cost"))).toBeGreaterThan(0);
    const second = await chat(memory, { temperature: 0, messages });
    expect(second.status).toBe(200);
    expect(second.headers.get("x-litellm-cache-key")).toMatch(/^[0-9a-f]{64}$/);
    expect(second.headers.get("x-litellm-response-cost")).toBe("0");
    expect(second.text).toBe(first.text);
    expect(chatHits() - before).toBe(1);
  });

  it("misses when anything that changes the answer changes, not for the caller's user", async () => {
    const messages = [{ role: "user", content: fresh() }];
    await chat(memory, { messages });
    const before = chatHits();
    expect((await chat(memory, { messages, user: "someone-else" })).headers.get("x-litellm-cache-key")).not.toBeNull();
    expect((await chat(memory, { messages, temperature: 0.7 })).headers.get("x-litellm-cache-key")).toBeNull();
    expect((await chat(memory, { messages, max_tokens: 5 })).headers.get("x-litellm-cache-key")).toBeNull();
    expect(chatHits() - before).toBe(2);
  });

  it("honours no-cache, no-store, ttl and s-maxage per request", async () => {
    const messages = [{ role: "user", content: fresh() }];
    const before = chatHits();
    await chat(memory, { messages, cache: { "no-store": true } });
    expect((await chat(memory, { messages })).headers.get("x-litellm-cache-key")).toBeNull(); // not stored before: miss, stored now
    expect((await chat(memory, { messages, cache: { "no-cache": true } })).headers.get("x-litellm-cache-key")).toBeNull(); // not read
    expect((await chat(memory, { messages })).headers.get("x-litellm-cache-key")).not.toBeNull();
    expect(chatHits() - before).toBe(3);

    const short = [{ role: "user", content: fresh() }];
    await chat(memory, { messages: short, cache: { ttl: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await chat(memory, { messages: short, cache: { "s-maxage": 10 } })).headers.get("x-litellm-cache-key")).not.toBeNull();
    expect((await chat(memory, { messages: short, cache: { "s-maxage": 0.2, "no-store": true } })).headers.get("x-litellm-cache-key")).toBeNull(); // too old for this caller
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect((await chat(memory, { messages: short })).headers.get("x-litellm-cache-key")).toBeNull(); // expired
  });

  it("takes LiteLLM's caching: false as neither read nor write", async () => {
    const messages = [{ role: "user", content: fresh() }];
    await chat(memory, { messages });
    const before = chatHits();
    expect((await chat(memory, { messages, caching: false })).headers.get("x-litellm-cache-key")).toBeNull();
    expect((await chat(memory, { messages })).headers.get("x-litellm-cache-key")).not.toBeNull();
    expect(chatHits() - before).toBe(1);
  });

  it("rejects a malformed cache control with a 400 naming it, and reaches no upstream", async () => {
    const before = chatHits();
    const response = await chat(memory, { messages: [{ role: "user", content: fresh() }], cache: { ttl: "soon" } });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toMatchObject({ error: { param: "cache.ttl", code: "400" } });
    // `"cache": true` is not LiteLLM's shape: refused, where it used to be ignored.
    const notAnObject = await chat(memory, { messages: [{ role: "user", content: fresh() }], cache: true });
    expect(notAnObject.status).toBe(400);
    expect(JSON.parse(notAnObject.text)).toMatchObject({ error: { param: "cache", code: "400", message: expect.stringContaining("'cache' must be an object of cache controls") } });
    expect(chatHits()).toBe(before);
  });

  it("replays a cached stream as a proper SSE stream", async () => {
    const client = openaiClient(memory.url, KEY);
    const messages = [{ role: "user" as const, content: fresh() }];
    const collect = async (): Promise<{ text: string; chunks: number; usage: unknown; key: string | null }> => {
      const { data: stream, response } = await client.chat.completions.create({ model: "gpt-mock", messages, stream: true, stream_options: { include_usage: true } }).withResponse();
      let text = "";
      let chunks = 0;
      let usage: unknown;
      for await (const chunk of stream) {
        chunks += 1;
        text += chunk.choices[0]?.delta.content ?? "";
        if (chunk.usage) usage = chunk.usage;
      }
      return { text, chunks, usage, key: response.headers.get("x-litellm-cache-key") };
    };
    const before = chatHits();
    const first = await collect();
    const second = await collect();
    expect(first.key).toBeNull();
    expect(second.key).toMatch(/^[0-9a-f]{64}$/);
    expect(second.text).toBe(first.text);
    expect(second.text.length).toBeGreaterThan(0);
    expect(second.chunks).toBe(first.chunks);
    expect(second.usage).toEqual(first.usage);
    expect(chatHits() - before).toBe(1);

    const raw = await fetch(`${memory.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-mock", messages, stream: true, stream_options: { include_usage: true } }),
    });
    expect(raw.headers.get("content-type")).toContain("text/event-stream");
    const body = await raw.text();
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    // The same prompt without streaming is another answer format: not served from the stream.
    expect((await chat(memory, { messages })).headers.get("x-litellm-cache-key")).toBeNull();
  });

  it("caches embeddings", async () => {
    const client = openaiClient(memory.url, KEY);
    const input = fresh();
    const first = await client.embeddings.create({ model: "embed-mock", input }).withResponse();
    const second = await client.embeddings.create({ model: "embed-mock", input }).withResponse();
    expect(first.response.headers.get("x-litellm-cache-key")).toBeNull();
    expect(second.response.headers.get("x-litellm-cache-key")).not.toBeNull();
    expect(second.data.data[0]?.embedding).toEqual(first.data.data[0]?.embedding);
  });
});

describe("the Redis cache", () => {
  it("is shared by two instances", async () => {
    const messages = [{ role: "user", content: fresh() }];
    const before = chatHits();
    const first = await chat(shared[0], { messages });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the store is written after the response
    const second = await chat(shared[1], { messages });
    expect(second.headers.get("x-litellm-cache-key")).toMatch(/^e2e:[0-9a-f]{64}$/);
    expect(second.text).toBe(first.text);
    expect(chatHits() - before).toBe(1);
  });

  it("reports each instance's Redis pool as the connections it really holds", async () => {
    // Both instances share the proxy: its connection count is what Redis sees from them.
    await expect.poll(() => redisProxy.connections(), { timeout: 5000 }).toBe(2 * REDIS_CONNECTIONS);
    const pools = [redisPool(await scrape(shared[0].url)), redisPool(await scrape(shared[1].url))];
    for (const pool of pools) {
      expect(pool.max).toBe(REDIS_CONNECTIONS);
      expect(pool.used + pool.idle).toBe(REDIS_CONNECTIONS); // every connection open and ready
      expect(pool.pending).toBe(0); // nothing in flight between requests
    }
    expect(pools.reduce((sum, pool) => sum + pool.used + pool.idle, 0)).toBe(redisProxy.connections());
    // The rate limits use the same Redis server: one pool, reported once.
    expect((await scrape(shared[0].url)).find("db_client_connections_max", { db_system_name: "redis", db_client_connection_pool_name: "rate-limit" })).toEqual([]);
    // The memory cache has no Redis pool at all.
    expect((await scrape(memory.url)).find("db_client_connections_max", { db_system_name: "redis" })).toEqual([]);
  });

  it("turns a Redis outage into misses for the client (logged once) but counts it as error lookups, and hits again when Redis returns", async () => {
    const messages = [{ role: "user", content: fresh() }];
    await chat(shared[0], { messages });
    await new Promise((resolve) => setTimeout(resolve, 100));
    redisProxy.cut();
    try {
      const before = chatHits();
      const metricsBefore = await scrape(shared[1].url);
      for (let i = 0; i < 3; i++) {
        const response = await chat(shared[1], { messages });
        expect(response.status).toBe(200);
        expect(response.headers.get("x-litellm-cache-key")).toBeNull();
      }
      expect(chatHits() - before).toBe(3);
      // On /metrics: three `error` lookups, no new miss (an outage is not a cold cache), and a
      // pool with no usable connection left (its size unchanged).
      const during = await scrape(shared[1].url);
      expect(lookups(during, "error") - lookups(metricsBefore, "error")).toBe(3);
      expect(lookups(during, "miss")).toBe(lookups(metricsBefore, "miss"));
      expect(during.sum("pharos_cache_lookup_duration_count", { pharos_cache_backend: "redis", pharos_cache_result: "error" })).toBeGreaterThanOrEqual(3);
      await expect.poll(async () => redisPool(await scrape(shared[1].url)), { timeout: 5000 }).toMatchObject({ used: 0, idle: 0, max: REDIS_CONNECTIONS });
    } finally {
      redisProxy.restore();
    }
    await expect
      .poll(async () => (await chat(shared[1], { messages })).headers.get("x-litellm-cache-key"), { timeout: 10_000, interval: 200 })
      .not.toBeNull();
    const logs = shared[1].output();
    expect(logs.match(/the response cache is unavailable/g)?.length).toBe(1);
  });
});
