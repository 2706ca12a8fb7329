/**
 * The Redis RouterState against the machine's Redis (own key prefix, deleted afterwards): the
 * shared contract, then what only sharing adds: cooldowns published to other instances at once,
 * failure counts and usage summed across instances, in-flight counts of other instances, and
 * a Redis that cannot be reached.
 */
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
import { routerStateContract } from "./router-state-contract.ts";

const PREFIX = `pharos-test-${randomBytes(4).toString("hex")}:`;
const logger = pino({ level: "silent" });
const pools: RedisPool[] = [];

function settings(port = 6379): RedisSettings {
  return { host: "127.0.0.1", port, password: undefined, keyPrefix: PREFIX, connections: 2, commandTimeoutMs: 500 };
}

async function makeState(options: { shareUsage?: boolean; shareInFlight?: boolean; port?: number } = {}): Promise<RedisRouterState> {
  const pool = new RedisPool(settings(options.port), logger, "test");
  pools.push(pool);
  const state = new RedisRouterState({ pool, logger, shareUsage: options.shareUsage ?? true, shareInFlight: options.shareInFlight ?? true, syncIntervalMs: 30, flushDelayMs: 5 });
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
  const state = await makeState();
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
