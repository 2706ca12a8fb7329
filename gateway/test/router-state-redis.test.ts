/**
 * The Redis RouterState against the machine's Redis (own key prefix, deleted afterwards): the
 * shared contract, then what only sharing adds: cooldowns published to other instances at once,
 * failure counts and usage summed across instances, in-flight counts of other instances, and
 * a Redis that cannot be reached.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { RedisRouterState } from "../src/state/redis-state.ts";
import type { Cooldown } from "../src/state/router-state.ts";
import { RedisPool } from "../src/stores/redis.ts";
import type { RedisSettings } from "../src/stores/redis.ts";
import { freePort } from "../../tests/support/ports.ts";
import { waitFor } from "../../tests/support/wait-for.ts";
import { T0, routerStateContract } from "./router-state-contract.ts";

const PREFIX = `pharos-test-${randomBytes(4).toString("hex")}:`;
const logger = pino({ level: "silent" });
const pools: RedisPool[] = [];

function settings(port = 6379): RedisSettings {
  return { host: "127.0.0.1", port, password: undefined, keyPrefix: PREFIX, connections: 2, commandTimeoutMs: 500 };
}

async function makeState(options: { shareUsage?: boolean; shareInFlight?: boolean; port?: number; clock?: () => number } = {}): Promise<RedisRouterState> {
  const pool = new RedisPool(settings(options.port), logger, "test");
  pools.push(pool);
  const state = new RedisRouterState({
    pool,
    logger,
    shareUsage: options.shareUsage ?? true,
    shareInFlight: options.shareInFlight ?? true,
    syncIntervalMs: 30,
    flushDelayMs: 5,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  await state.start();
  return state;
}

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  const redis = new Redis({ host: "127.0.0.1", port: 6379 });
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  redis.disconnect();
});

// Each contract case gets a fresh prefix-scoped namespace by using distinct deployment ids per run.
let run = 0;
routerStateContract("redis", async () => {
  run += 1;
  // The contract's instants are in the past: the state's background work (polls, leases) runs on them too.
  const state = await makeState({ clock: () => T0 });
  // Namespace the ids per case so shared keys from an earlier case do not leak in.
  return new Proxy(state, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (id: unknown, ...rest: unknown[]) => (value as (...args: unknown[]) => unknown).call(target, typeof id === "string" ? `${run}-${id}` : id, ...rest);
    },
  });
});

describe("redis: sharing between instances", () => {
  it("delivers a cooldown to the other instance at once, with its reason", async () => {
    const [one, two] = [await makeState(), await makeState()];
    const heard: Array<[string, Cooldown]> = [];
    two.onRemoteCooldown((id, cooldown) => heard.push([id, cooldown]));
    const until = Date.now() + 10_000;
    one.startCooldown("shared-cool", { until, reason: "upstream_timeout: slow" });
    const seen = await waitFor(() => two.cooldown("shared-cool", Date.now()), { what: "the cooldown on the other instance", timeoutMs: 1000, intervalMs: 5 });
    expect(seen).toEqual({ until, reason: "upstream_timeout: slow" });
    expect(heard).toEqual([["shared-cool", { until, reason: "upstream_timeout: slow" }]]);
    // A third instance started later still learns it (from the hash, not the message).
    const three = await makeState();
    expect(three.cooldown("shared-cool", Date.now())).toEqual({ until, reason: "upstream_timeout: slow" });
    await Promise.all([one.close(), two.close(), three.close()]);
  });

  it("counts failures across instances", async () => {
    const [one, two] = [await makeState(), await makeState()];
    const shared: number[] = [];
    expect(one.countFailure("shared-fail", "all", 5000, Date.now(), (count) => shared.push(count))).toBe(1);
    await waitFor(() => shared.length === 1, { what: "first shared count" });
    expect(two.countFailure("shared-fail", "all", 5000, Date.now(), (count) => shared.push(count))).toBe(1);
    await waitFor(() => shared.length === 2, { what: "second shared count" });
    expect(shared).toEqual([1, 2]);
    await Promise.all([one.close(), two.close()]);
  });

  it("sums usage and sees other instances' requests in flight", async () => {
    const [one, two] = [await makeState(), await makeState()];
    const now = Date.now();
    one.addUsage("shared-use", 2, 100, now);
    two.addUsage("shared-use", 1, 50, now);
    await waitFor(() => one.usage("shared-use", Date.now()).requests === 3 && two.usage("shared-use", Date.now()).tokens === 150, { what: "usage summed on both" });
    one.acquire("shared-busy");
    one.acquire("shared-busy");
    await waitFor(() => two.inFlight("shared-busy") === 2, { what: "the other instance's in-flight count" });
    one.release("shared-busy");
    await waitFor(() => two.inFlight("shared-busy") === 1, { what: "the release" });
    expect(one.inFlight("shared-busy")).toBe(1);
    // An instance that goes away stops counting.
    await one.close();
    await waitFor(() => two.inFlight("shared-busy") === 0, { what: "the closed instance's counts gone" });
    await two.close();
  });

  it("serves on local state when Redis cannot be reached", async () => {
    const state = await makeState({ port: await freePort() });
    const now = Date.now();
    state.startCooldown("nowhere", { until: now + 1000, reason: "x" });
    expect(state.cooldown("nowhere", now)?.reason).toBe("x");
    expect(state.countFailure("nowhere", "all", 1000, now)).toBe(1);
    state.addUsage("nowhere", 1, 10, now);
    state.acquire("nowhere");
    await sleep(50);
    expect(state.usage("nowhere", now)).toMatchObject({ requests: 1, tokens: 10 });
    expect(state.inFlight("nowhere")).toBe(1);
    await state.close();
  });
});

describe("redis: rpm and tpm limits hold across instances (reservations and leases)", () => {
  const rpm = (limit: number) => ({ rpm: limit, tpm: undefined });

  async function counted(id: string, now = Date.now()): Promise<number> {
    const redis = new Redis({ host: "127.0.0.1", port: 6379, keyPrefix: PREFIX });
    try {
      return Number((await redis.hget(`router:usage:${Math.floor(now / 60_000)}`, `${id}|r`)) ?? 0);
    } finally {
      redis.disconnect();
    }
  }

  it("admits exactly rpm requests from concurrent bursts on two instances, and both then show the limit", async () => {
    const [one, two] = [await makeState(), await makeState()];
    const now = Date.now();
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? one : two).countRequest("burst", rpm(5), now)));
    expect(answers.filter((admitted) => admitted)).toHaveLength(5);
    expect(await counted("burst", now)).toBe(5);
    // A refusal leaves the instance's view at the limit, so the router's next pick skips it.
    expect(one.usage("burst", now).requests).toBeGreaterThanOrEqual(5);
    expect(two.usage("burst", now).requests).toBeGreaterThanOrEqual(5);
    await Promise.all([one.close(), two.close()]);
  });

  it("refuses once the minute's tokens reached tpm", async () => {
    const [one, two] = [await makeState(), await makeState()];
    const now = Date.now();
    const limits = { rpm: undefined, tpm: 100 };
    expect(await one.countRequest("tokens", limits, now)).toBe(true);
    one.addUsage("tokens", 0, 150, now);
    await waitFor(async () => {
      const redis = new Redis({ host: "127.0.0.1", port: 6379, keyPrefix: PREFIX });
      try {
        return Number(await redis.hget(`router:usage:${Math.floor(now / 60_000)}`, "tokens|t")) === 150;
      } finally {
        redis.disconnect();
      }
    }, { what: "the tokens in Redis" });
    // The other instance has not polled the tokens yet, but the reservation reads them fresh.
    expect(await two.countRequest("tokens", limits, now)).toBe(false);
    expect(two.usage("tokens", now).tokens).toBe(150);
    await Promise.all([one.close(), two.close()]);
  });

  it("sends steady traffic far below the limit from a lease (no round trip), counted in Redis beforehand, and gives it back when idle", async () => {
    const state = await makeState();
    const limits = rpm(10_000);
    // The first requests are reserved one by one (no traffic seen yet: no lease)...
    expect(state.countRequest("steady", limits, Date.now())).toBeInstanceOf(Promise);
    // ...then a lease granted in the background covers the traffic.
    let sent = 1;
    const immediate = await waitFor(async () => {
      const admitted = state.countRequest("steady", limits, Date.now());
      sent += 1;
      if (admitted !== true) await admitted;
      await sleep(5);
      return admitted === true;
    }, { what: "a request sent from the lease" });
    expect(immediate).toBe(true);
    let fromLease = 0;
    for (let i = 0; i < 5; i++) {
      if (state.countRequest("steady", limits, Date.now()) === true) fromLease += 1;
      sent += 1;
    }
    expect(fromLease).toBeGreaterThanOrEqual(1);
    // Everything sent is already counted in Redis (the lease was granted before it was used).
    expect(await counted("steady")).toBeGreaterThanOrEqual(sent);
    expect(state.usage("steady", Date.now()).requests).toBe(sent);
    // Idle: the unused lease goes back; Redis then counts exactly what was sent.
    await waitFor(async () => (await counted("steady")) === sent, { what: "the lease given back", timeoutMs: 3000 });
    await state.close();
  });

  it("lets exactly rpm through from two instances sending steadily (leases, then reservations near the limit)", async () => {
    const [one, two] = [await makeState(), await makeState()];
    await sleep(100); // both registered: each knows there are two instances
    const limits = rpm(12);
    const now = Date.now();
    let admitted = 0;
    for (let i = 0; i < 30; i++) {
      const answer = (i % 2 === 0 ? one : two).countRequest("near", limits, now);
      if (answer === true || (await answer)) admitted += 1;
      await sleep(2);
    }
    expect(admitted).toBe(12);
    expect(await counted("near", now)).toBe(12);
    await Promise.all([one.close(), two.close()]);
  });

  it("sends usage counted just before a minute ends to that minute, even once the next one began", async () => {
    let now = T0 - (T0 % 60_000) + 59_990;
    const state = await makeState({ clock: () => now });
    const limits = { rpm: 1000, tpm: 100_000 };
    expect(await state.countRequest("edge", limits, now)).toBe(true);
    state.addUsage("edge", 0, 50, now);
    const before = now;
    now += 20; // the next minute: the poll and the lease top-up now look at it
    await sleep(100);
    const redis = new Redis({ host: "127.0.0.1", port: 6379, keyPrefix: PREFIX });
    try {
      // (The request count may include a lease of that minute, unused once it ended.)
      const [requests, tokens] = await redis.hmget(`router:usage:${Math.floor(before / 60_000)}`, "edge|r", "edge|t");
      expect(Number(requests)).toBeGreaterThanOrEqual(1);
      expect(tokens).toBe("50");
    } finally {
      redis.disconnect();
    }
    await state.close();
  });

  it("admits on the local view while Redis is unreachable, and counts those requests in Redis once it is back", async () => {
    const port = await freePort();
    const state = await makeState({ port });
    const now = Date.now();
    expect(state.countRequest("offline", rpm(5), now)).toBe(true);
    expect(state.countRequest("offline", rpm(5), now)).toBe(true);
    expect(state.usage("offline", now).requests).toBe(2);
    const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    try {
      const redis = new Redis({ host: "127.0.0.1", port, keyPrefix: PREFIX, retryStrategy: () => 50 });
      redis.on("error", () => undefined);
      const key = `router:usage:${Math.floor(now / 60_000)}`;
      await waitFor(async () => Number(await redis.hget(key, "offline|r").catch(() => null)) === 2, { what: "the offline requests counted in Redis", timeoutMs: 8000, intervalMs: 50 });
      // Counted: the limit now holds with them (3 more of 5).
      const answers = await Promise.all(Array.from({ length: 5 }, () => state.countRequest("offline", rpm(5), now)));
      expect(answers.filter((admitted) => admitted)).toHaveLength(3);
      redis.disconnect();
    } finally {
      await state.close();
      server.kill("SIGKILL");
    }
  });
});
