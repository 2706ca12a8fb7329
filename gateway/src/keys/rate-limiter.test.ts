import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { countRedisKeys, deleteRedisKeys, REDIS_HOST, REDIS_PORT, startTcpProxy, testRedisPrefix } from "../../test/db-support.ts";
import { RedisPool } from "../stores/redis.ts";
import { RateLimiter } from "./rate-limiter.ts";
import type { KeyLimits } from "./rate-limiter.ts";

const silent = pino({ level: "silent" });
const prefixes: string[] = [];
const pools: RedisPool[] = [];

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  for (const prefix of prefixes) await deleteRedisKeys(prefix);
});

async function pool(prefix: string, port = REDIS_PORT): Promise<RedisPool> {
  const created = new RedisPool({ host: port === REDIS_PORT ? REDIS_HOST : "127.0.0.1", port, password: undefined, keyPrefix: prefix, connections: 2, commandTimeoutMs: 500 }, silent, "test");
  pools.push(created);
  await created.ready();
  return created;
}

function prefix(): string {
  const value = testRedisPrefix();
  prefixes.push(value);
  return value;
}

const rpm = (n: number): KeyLimits => ({ rpm: n, tpm: null, parallel: null });

/** A clock 30 s into a minute, so the window does not roll during the test. */
function clock(): () => number {
  const start = Math.floor(Date.now() / 60_000) * 60_000 + 30_000;
  return () => start;
}

describe("rate limits through Redis", () => {
  it("share one rpm budget between instances, with x-ratelimit headers and Retry-After", async () => {
    const p = prefix();
    const now = clock();
    const a = new RateLimiter({ redis: await pool(p), logger: silent, now });
    const b = new RateLimiter({ redis: await pool(p), logger: silent, now });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await (i % 2 === 0 ? a : b).acquire("k".repeat(64), rpm(5)));
    expect(results.map((result) => result.allowed)).toEqual([true, true, true, true, true, false]);
    expect(results.every((result) => result.source === "redis")).toBe(true);
    expect(results[0]!.headers).toEqual({ "x-ratelimit-limit-requests": "5", "x-ratelimit-remaining-requests": "4" });
    expect(results[4]!.headers["x-ratelimit-remaining-requests"]).toBe("0");
    expect(results[5]!.exceeded).toBe("rpm");
    expect(results[5]!.retryAfterSeconds).toBe(30);
    expect(await countRedisKeys(p)).toBeGreaterThan(0);
    a.close();
    b.close();
  });

  it("slide: the previous minute counts by the part of it still in the window", async () => {
    const p = prefix();
    let now = Math.floor(Date.now() / 60_000) * 60_000 + 59_000;
    const limiter = new RateLimiter({ redis: await pool(p), logger: silent, now: () => now });
    for (let i = 0; i < 4; i++) expect((await limiter.acquire("slide", rpm(4))).allowed).toBe(true);
    now += 2000; // 1 s into the next minute: ~98 % of the 4 still count
    expect((await limiter.acquire("slide", rpm(4))).allowed).toBe(false);
    now += 45_000; // 46 s in: ~23 % (≈ 0.9 requests) still count
    expect((await limiter.acquire("slide", rpm(4))).allowed).toBe(true);
    limiter.close();
  });

  it("hold parallel slots until released, and count tokens after the response", async () => {
    const p = prefix();
    const limiter = new RateLimiter({ redis: await pool(p), logger: silent, now: clock() });
    const limits: KeyLimits = { rpm: null, tpm: 100, parallel: 2 };
    const first = await limiter.acquire("par", limits);
    const second = await limiter.acquire("par", limits);
    const third = await limiter.acquire("par", limits);
    expect([first.allowed, second.allowed, third.allowed]).toEqual([true, true, false]);
    expect(third.exceeded).toBe("parallel");
    first.release(60);
    second.release(60);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const fourth = await limiter.acquire("par", limits);
    expect(fourth.allowed).toBe(false);
    expect(fourth.exceeded).toBe("tpm");
    expect(fourth.headers["x-ratelimit-remaining-tokens"]).toBe("0");
    limiter.close();
  });

  it("drop parallel slots older than the longest request (a dead instance leaks nothing)", async () => {
    const p = prefix();
    let now = Date.now();
    const limiter = new RateLimiter({ redis: await pool(p), logger: silent, now: () => now, parallelStaleMs: 10_000 });
    const limits: KeyLimits = { rpm: null, tpm: null, parallel: 1 };
    expect((await limiter.acquire("leak", limits)).allowed).toBe(true); // never released
    expect((await limiter.acquire("leak", limits)).allowed).toBe(false);
    now += 11_000;
    expect((await limiter.acquire("leak", limits)).allowed).toBe(true);
    limiter.close();
  });

  it("fall back to per-instance counting while Redis is down, and back when it returns", async () => {
    const p = prefix();
    const proxy = await startTcpProxy(REDIS_PORT, REDIS_HOST);
    try {
      const limiter = new RateLimiter({ redis: await pool(p, proxy.port), logger: silent, now: clock() });
      expect((await limiter.acquire("down", rpm(2))).source).toBe("redis");
      proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const local = [await limiter.acquire("down", rpm(2)), await limiter.acquire("down", rpm(2)), await limiter.acquire("down", rpm(2))];
      expect(local.map((result) => result.source)).toEqual(["local", "local", "local"]);
      expect(local.map((result) => result.allowed)).toEqual([true, true, false]);
      proxy.restore();
      const back = await (async () => {
        for (let i = 0; i < 100; i++) {
          const result = await limiter.acquire("down", rpm(100));
          if (result.source === "redis") return result;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return undefined;
      })();
      expect(back?.source).toBe("redis");
      limiter.close();
    } finally {
      await proxy.close();
    }
  });
});

describe("rate limits far from the limit", () => {
  it("admit without a round trip, count in Redis right after, and switch to the exact path near the limit", async () => {
    const p = prefix();
    const now = clock();
    const a = new RateLimiter({ redis: await pool(p), logger: silent, now });
    const b = new RateLimiter({ redis: await pool(p), logger: silent, now });
    const sources: string[] = [];
    let allowed = 0;
    for (let i = 0; i < 40; i++) {
      const result = await (i % 2 === 0 ? a : b).acquire("fast", rpm(30));
      sources.push(result.source);
      if (result.allowed) allowed += 1;
      await new Promise((resolve) => setTimeout(resolve, 15)); // requests take time: counts travel meanwhile
    }
    expect(allowed).toBe(30);
    expect(sources.slice(0, 2)).toEqual(["redis", "redis"]); // no count yet: exact
    expect(sources).toContain("redis-count");
    expect(sources.slice(-10).every((source) => source === "redis")).toBe(true); // near and past the limit: exact
    a.close();
    b.close();
  });

  it("count every request admitted without a round trip", async () => {
    const p = prefix();
    const limiter = new RateLimiter({ redis: await pool(p), logger: silent, now: clock() });
    const results = [];
    for (let i = 0; i < 50; i++) results.push(await limiter.acquire("counted", { rpm: 1000, tpm: 100_000, parallel: null }));
    for (const result of results) result.release(10);
    await limiter.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await limiter.flush();
    const check = await limiter.acquire("counted", { rpm: 1000, tpm: 100_000, parallel: null });
    expect(results.filter((result) => result.source === "redis-count").length).toBeGreaterThan(40);
    expect(check.headers["x-ratelimit-remaining-requests"]).toBe(String(1000 - 51));
    expect(Number(check.headers["x-ratelimit-remaining-tokens"])).toBe(100_000 - 500);
    limiter.close();
  });
});

describe("rate limits without Redis", () => {
  it("are enforced per instance", async () => {
    const limiter = new RateLimiter({ redis: undefined, logger: silent, now: clock() });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await limiter.acquire("local", { rpm: 2, tpm: null, parallel: 1 }));
    expect(results.map((result) => [result.allowed, result.exceeded])).toEqual([
      [true, undefined],
      [false, "parallel"],
      [false, "parallel"],
    ]);
    results[0]!.release(0);
    expect((await limiter.acquire("local", { rpm: 2, tpm: null, parallel: 1 })).allowed).toBe(true);
    expect((await limiter.acquire("local", { rpm: 2, tpm: null, parallel: 5 })).exceeded).toBe("rpm");
    limiter.close();
  });
});
