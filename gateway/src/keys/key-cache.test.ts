import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { DatabaseManager } from "../db/db-manager.ts";
import { GatewayError } from "../errors.ts";
import type { PharosContext } from "../request-state.ts";
import { KeyCache } from "./key-cache.ts";
import { KeyGuard } from "./key-guard.ts";
import type { KeyRecord } from "./key-record.ts";
import type { KeyStore } from "./key-store.ts";
import { RateLimiter } from "./rate-limiter.ts";

const silent = pino({ level: "silent" });
const ctx = {} as PharosContext;

function record(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    keyHash: "h1",
    keyName: "sk-...abcd",
    keyAlias: "team-a",
    models: [],
    maxBudget: null,
    spend: 0,
    budgetDuration: null,
    budgetDurationSeconds: null,
    budgetResetAt: null,
    rpmLimit: null,
    tpmLimit: null,
    maxParallelRequests: null,
    metadata: {},
    userId: null,
    teamId: null,
    expiresAt: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

function setup(options: { rows?: Map<string, KeyRecord>; allowStale?: boolean } = {}) {
  const rows = options.rows ?? new Map([["h1", record()]]);
  let now = 1_000_000;
  let finds = 0;
  const db = { state: "connected" as string };
  const store = {
    find: async (hash: string) => {
      finds += 1;
      if (db.state !== "connected") throw new Error("Connection terminated");
      await new Promise((resolve) => setTimeout(resolve, 5));
      return rows.get(hash);
    },
  };
  const cache = new KeyCache({
    store: store as unknown as KeyStore,
    db: db as unknown as DatabaseManager,
    logger: silent,
    ttlMs: 10_000,
    allowStaleWhenDbDown: options.allowStale ?? false,
    now: () => now,
  });
  return { cache, rows, db, finds: () => finds, advance: (ms: number) => (now += ms), now: () => now };
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe("the key cache", () => {
  it("answers from memory within the TTL, one lookup for concurrent requests", async () => {
    const t = setup();
    const [a, b] = await Promise.all([t.cache.resolve("h1", ctx), t.cache.resolve("h1", ctx)]);
    expect(a).toMatchObject({ kind: "virtual", keyHash: "h1", keyAlias: "team-a", models: undefined });
    expect(b).toBe(a);
    await t.cache.resolve("h1", ctx);
    expect(t.finds()).toBe(1);
  });

  it("refreshes in the background near the end of the TTL and reads again after it", async () => {
    const t = setup();
    await t.cache.resolve("h1", ctx);
    t.advance(8000);
    t.rows.set("h1", record({ keyAlias: "renamed" }));
    expect((await t.cache.resolve("h1", ctx))?.keyAlias).toBe("team-a"); // served while refreshing
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await t.cache.resolve("h1", ctx))?.keyAlias).toBe("renamed");
    t.rows.delete("h1");
    t.advance(10_001);
    expect(await t.cache.resolve("h1", ctx)).toBeUndefined(); // deleted elsewhere: gone after the TTL
  });

  it("remembers unknown keys too, and forgets deleted ones at once", async () => {
    const t = setup();
    expect(await t.cache.resolve("nope", ctx)).toBeUndefined();
    expect(await t.cache.resolve("nope", ctx)).toBeUndefined();
    expect(t.finds()).toBe(1);
    await t.cache.resolve("h1", ctx);
    t.cache.forget(["h1"]);
    expect(await t.cache.resolve("h1", ctx)).toBeUndefined();
  });

  it("refuses an expired key at once, with a 401 that says so", async () => {
    const t = setup({ rows: new Map([["h1", record({ expiresAt: new Date(1_005_000) })]]) });
    expect(await t.cache.resolve("h1", ctx)).toBeDefined();
    t.advance(5000);
    const error = await rejection(t.cache.resolve("h1", ctx));
    expect(error.code).toBe("expired_api_key");
    expect(error.status).toBe(401);
    expect(error.message).toContain("Expired Key");
  });

  it("while the database is down: 503 for unknown keys; stale keys only with allow_requests_on_db_unavailable", async () => {
    for (const allowStale of [false, true]) {
      const t = setup({ allowStale });
      await t.cache.resolve("h1", ctx);
      t.advance(10_001);
      t.db.state = "disconnected";
      expect((await rejection(t.cache.resolve("h2", ctx))).status).toBe(503);
      if (allowStale) expect(await t.cache.resolve("h1", ctx)).toMatchObject({ keyHash: "h1" });
      else expect((await rejection(t.cache.resolve("h1", ctx))).message).toContain("allow_requests_on_db_unavailable");
    }
  });
});

/** Sync refusals (access, budget) and async ones (limits) alike, as a promise. */
async function admit(guard: KeyGuard, context: PharosContext, group: string): Promise<void> {
  await guard.admit(context, group);
}

describe("the key guard", () => {
  function guardFor(key: KeyRecord, pending = 0, readings: Array<{ spend: number; maxBudget: number; keyAlias: string | undefined }> = []) {
    const t = setup({ rows: new Map([[key.keyHash, key]]) });
    const guard = new KeyGuard({
      cache: t.cache,
      limiter: new RateLimiter({ redis: undefined, logger: silent }),
      pendingSpend: () => pending,
      now: t.now,
      onBudgetReading: (reading) => readings.push(reading),
    });
    const context = async () => {
      const auth = await t.cache.resolve(key.keyHash, ctx);
      // Headers are never set on the response early: the guard puts them on the request state.
      const noEarlyHeaders = (): never => {
        throw new Error("the key guard set a response header before the answer");
      };
      return { state: { auth, usage: undefined, cacheResult: undefined, responseHeaders: undefined }, set: noEarlyHeaders, res: { once: () => undefined } } as unknown as PharosContext;
    };
    return { t, guard, context };
  }

  it("refuses model groups outside the key's models (401)", async () => {
    const { guard, context } = guardFor(record({ models: ["gpt-mock"] }));
    await admit(guard, await context(), "gpt-mock");
    const error = await rejection(admit(guard, await context(), "gpt-other"));
    expect(error.code).toBe("model_access_denied");
    expect(error.status).toBe(401);
    expect(error.message).toContain("may call: gpt-mock");
  });

  it("refuses a key over budget with 400 budget_exceeded, counting spend not yet written", async () => {
    const { guard, context } = guardFor(record({ maxBudget: 1, spend: 0.6 }), 0.5);
    const error = await rejection(admit(guard, await context(), "gpt-mock"));
    expect(error.status).toBe(400);
    expect(error.type).toBe("budget_exceeded");
    expect(error.message).toContain("current spend 1.1 USD, max budget 1 USD");
  });

  it("reports the key's spend against its budget for budget alerts, and nothing for keys without one", async () => {
    const readings: Array<{ spend: number; maxBudget: number; keyAlias: string | undefined }> = [];
    const { guard, context } = guardFor(record({ maxBudget: 2, spend: 1.6 }), 0.1, readings);
    await admit(guard, await context(), "gpt-mock");
    expect(readings).toHaveLength(1);
    expect(readings[0]?.spend).toBeCloseTo(1.7);
    expect(readings[0]?.maxBudget).toBe(2);
    const none: typeof readings = [];
    const unbudgeted = guardFor(record({}), 0, none);
    await admit(unbudgeted.guard, await unbudgeted.context(), "gpt-mock");
    expect(none).toEqual([]);
  });

  it("starts a new budget period when budget_duration has passed", async () => {
    const { t, guard, context } = guardFor(record({ maxBudget: 1, spend: 2, budgetDurationSeconds: 60, budgetResetAt: new Date(1_030_000) }));
    await rejection(admit(guard, await context(), "gpt-mock"));
    t.advance(31_000);
    await admit(guard, await context(), "gpt-mock");
  });

  it("applies rate limits with x-ratelimit headers", async () => {
    const { guard, context } = guardFor(record({ rpmLimit: 1 }));
    const admitted = await context();
    await admit(guard, admitted, "gpt-mock");
    expect(admitted.state.responseHeaders?.["x-ratelimit-limit-requests"]).toBe("1");
    expect(admitted.state.responseHeaders?.["x-litellm-key-spend"]).toBe("0");
    const error = await rejection(admit(guard, await context(), "gpt-mock"));
    expect(error.status).toBe(429);
    expect(error.headers?.["x-ratelimit-remaining-requests"]).toBe("0");
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});
