import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, dropTestDatabases, queryTestDatabase, startTcpProxy } from "../../test/db-support.ts";
import type { TcpProxy, TestDatabase } from "../../test/db-support.ts";
import { removeTempDirs, tempDir } from "../../../tests/support/temp-dir.ts";
import { waitFor } from "../../../tests/support/wait-for.ts";
import { configSchema } from "../config/schema.ts";
import { DatabaseManager } from "../db/db-manager.ts";
import { databaseSettings } from "../db/db-settings.ts";
import { KeyStore } from "../keys/key-store.ts";
import type { NewKey } from "../keys/key-store.ts";
import { SpendRetention } from "./retention.ts";
import type { SpendRow } from "./spend-row.ts";
import { SpendWriter } from "./spend-writer.ts";

const silent = pino({ level: "silent" });
let database: TestDatabase;
let proxy: TcpProxy;
let db: DatabaseManager;

beforeAll(async () => {
  database = await createTestDatabase();
  proxy = await startTcpProxy(Number(new URL(database.url).port || 5432));
  const config = configSchema.parse({ general_settings: { database_url: database.urlVia(proxy.port), database_connection_timeout: 2 } });
  db = new DatabaseManager({ settings: databaseSettings(config, {}), logger: silent });
  db.start();
  await db.settled(10_000);
  expect(db.state).toBe("connected");
});

afterAll(async () => {
  await db.close();
  await proxy.close();
  await dropTestDatabases();
  removeTempDirs();
});

function key(hash: string, overrides: Partial<NewKey> = {}): NewKey {
  return {
    keyHash: hash,
    keyName: "sk-...test",
    keyAlias: null,
    models: [],
    maxBudget: null,
    budgetDuration: null,
    budgetDurationSeconds: null,
    rpmLimit: null,
    tpmLimit: null,
    maxParallelRequests: null,
    metadata: {},
    userId: null,
    teamId: null,
    expiresAt: null,
    ...overrides,
  };
}

function row(apiKey: string | null, spend: number, startTime = Date.now()): SpendRow {
  return {
    id: randomUUID(),
    requestId: randomUUID(),
    apiKey,
    keyAlias: null,
    callType: "chat",
    modelGroup: "gpt-mock",
    deploymentId: "d1",
    model: "openai/gpt-mock",
    apiBase: "http://127.0.0.1:1",
    status: "success",
    httpStatus: 200,
    errorCode: null,
    promptTokens: 3,
    completionTokens: 4,
    totalTokens: 7,
    spend,
    cacheHit: false,
    stream: false,
    startTime,
    endTime: startTime + 5,
    durationMs: 5,
    upstreamMs: 4,
    overheadMs: 1,
    timeToFirstTokenMs: null,
    attemptedRetries: 0,
    attemptedFallbacks: 0,
    metadata: {},
  };
}

async function totals(where = "TRUE"): Promise<{ n: number; spend: number; ids: number }> {
  const [result] = await queryTestDatabase<{ n: number; spend: number; ids: number }>(database.url, `SELECT count(*)::int AS n, coalesce(sum(spend), 0)::float8 AS spend, count(DISTINCT id)::int AS ids FROM pharos_spend_logs WHERE ${where}`);
  return result!;
}

async function keySpend(hash: string): Promise<number> {
  const [result] = await queryTestDatabase<{ spend: number }>(database.url, "SELECT spend FROM pharos_keys WHERE key_hash = $1", [hash]);
  return Number(result?.spend);
}

describe("the spend writer", () => {
  it("writes a batch in one statement and adds each key's spend once", async () => {
    const store = new KeyStore(db);
    await store.create(key("ka"));
    await store.create(key("kb"));
    const committed = new Map<string, number>();
    const writer = new SpendWriter({ db, logger: silent, flushIntervalMs: 60_000, spillDir: undefined, writeRows: true, onCommitted: (k, s) => committed.set(k, (committed.get(k) ?? 0) + s) });
    const guarded: SpendRow = { ...row("kb", 0.5), metadata: { applied_guardrails: ["no-secrets", "PromptInjection"] } };
    const rows = [row("ka", 0.25), guarded, row("ka", 0.25), row(null, 1), row("unknown-key", 2)];
    for (const item of rows) writer.enqueue(item);
    expect(writer.pendingSpend("ka")).toBeCloseTo(0.5);
    await writer.flush();
    expect(writer.pendingSpend("ka")).toBe(0);
    expect(await totals("model_group = 'gpt-mock' AND deployment_id = 'd1' AND request_id = ANY(ARRAY[" + rows.map((r) => `'${r.requestId}'`).join(",") + "])")).toEqual({ n: 5, spend: 4, ids: 5 });
    expect(await keySpend("ka")).toBeCloseTo(0.5);
    expect(await keySpend("kb")).toBeCloseTo(0.5);
    expect(Object.fromEntries(committed)).toEqual({ ka: 0.5, kb: 0.5 });
    const stored = await queryTestDatabase<{ request_id: string; metadata: unknown }>(database.url, "SELECT request_id, metadata FROM pharos_spend_logs WHERE request_id = ANY($1::text[])", [[guarded.requestId, rows[0]!.requestId]]);
    expect(Object.fromEntries(stored.map((r) => [r.request_id, r.metadata]))).toEqual({ [guarded.requestId]: { applied_guardrails: ["no-secrets", "PromptInjection"] }, [rows[0]!.requestId]: {} });

    // The same rows again (a retry after an unknown outcome): nothing doubles.
    for (const item of rows.slice(0, 3)) writer.enqueue(item);
    await writer.flush();
    expect(await keySpend("ka")).toBeCloseTo(0.5);
    expect(writer.stats()).toMatchObject({ written: 5, queued: 0, dropped: 0 });
    await writer.close();
  });

  it("keeps rows while the database is cut, spills beyond the bound, and writes every row once when it returns", async () => {
    const store = new KeyStore(db);
    await store.create(key("kspill"));
    const spillDir = tempDir("pharos-spill-");
    const writer = new SpendWriter({ db, logger: silent, flushIntervalMs: 100, batchRows: 10, maxQueued: 40, spillDir, writeRows: true });
    writer.start();
    const before = await totals("api_key = 'kspill'");
    for (let i = 0; i < 20; i++) writer.enqueue(row("kspill", 0.01));
    await waitFor(async () => (await totals("api_key = 'kspill'")).n === 20, { what: "the first rows" });

    proxy.cut();
    for (let i = 0; i < 150; i++) {
      writer.enqueue(row("kspill", 0.01));
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitFor(() => db.state === "disconnected", { what: "the outage to be noticed" });
    await writer.whenSpilled();
    expect(readdirSync(spillDir).length).toBeGreaterThan(0);
    expect(writer.stats().spilled).toBeGreaterThan(0);
    expect(writer.stats().queued).toBeLessThanOrEqual(40 + 10);

    proxy.restore();
    await waitFor(async () => (await totals("api_key = 'kspill'")).n === 170, { timeoutMs: 20_000, what: "every row written" });
    const after = await totals("api_key = 'kspill'");
    expect(after.ids).toBe(170);
    expect(after.spend - before.spend).toBeCloseTo(1.7, 9);
    expect(await keySpend("kspill")).toBeCloseTo(1.7, 9);
    await waitFor(() => readdirSync(spillDir).length === 0, { what: "spill files removed" });
    expect(writer.stats()).toMatchObject({ queued: 0, spilled: 0, dropped: 0 });
    await writer.close();
  });

  it("spills without I/O on the request that crosses the bound: the files follow, oldest rows first", async () => {
    const spillDir = join(tempDir("pharos-spill-"), "spill"); // created by the first spill
    const writer = new SpendWriter({ db, logger: silent, flushIntervalMs: 60_000, maxQueued: 10, spillDir, writeRows: true });
    const rows = Array.from({ length: 25 }, () => row("kasync", 0.01));
    for (const item of rows) writer.enqueue(item);
    // enqueue returned without touching the disk, yet nothing is lost: the rows are spilled segments.
    expect(existsSync(spillDir)).toBe(false);
    const { queued, spilled } = writer.stats();
    expect(queued).toBeLessThanOrEqual(10);
    expect(spilled).toBeGreaterThan(0);
    expect(queued + spilled).toBe(25);
    await writer.whenSpilled();
    const files = readdirSync(spillDir).sort();
    const onDisk = files.flatMap((file) => readFileSync(join(spillDir, file), "utf8").split("\n").filter((line) => line !== "").map((line) => (JSON.parse(line) as SpendRow).requestId));
    expect(onDisk).toEqual(rows.slice(0, spilled).map((item) => item.requestId));
    // Written at close (spilled segments first, from their files), once each; the files go.
    await writer.close();
    expect(await totals("api_key = 'kasync'")).toMatchObject({ n: 25, ids: 25 });
    expect(readdirSync(spillDir)).toEqual([]);
  });

  it("writes a segment taken by the database before its file exists exactly once, and leaves no file", async () => {
    const spillDir = tempDir("pharos-spill-");
    const writer = new SpendWriter({ db, logger: silent, flushIntervalMs: 60_000, maxQueued: 10, spillDir, writeRows: true });
    for (let i = 0; i < 25; i++) writer.enqueue(row("kraced", 0.01));
    await writer.flush(); // the segments are still in memory, their files queued
    await writer.whenSpilled();
    expect(await totals("api_key = 'kraced'")).toMatchObject({ n: 25, ids: 25 });
    expect(readdirSync(spillDir)).toEqual([]);
    expect(writer.stats()).toMatchObject({ queued: 0, spilled: 0, dropped: 0 });
    await writer.close();
  });

  it("keeps spilled rows in memory when the disk refuses them, and writes them all when it can", async () => {
    const notADirectory = join(tempDir("pharos-spill-"), "a-file");
    writeFileSync(notADirectory, "");
    const writer = new SpendWriter({ db, logger: silent, flushIntervalMs: 60_000, maxQueued: 10, spillDir: join(notADirectory, "spill"), writeRows: true });
    for (let i = 0; i < 25; i++) writer.enqueue(row("kdiskfull", 0.01));
    await writer.whenSpilled();
    expect(writer.stats()).toMatchObject({ dropped: 0 });
    expect(writer.stats().queued + writer.stats().spilled).toBe(25);
    await writer.flush();
    expect(await totals("api_key = 'kdiskfull'")).toMatchObject({ n: 25, ids: 25 });
    expect(writer.stats()).toMatchObject({ queued: 0, spilled: 0, dropped: 0 });
    await writer.close();
  });

  it("spills what it cannot write at shutdown; the next process adopts the files", async () => {
    const spillDir = tempDir("pharos-spill-");
    proxy.cut();
    const first = new SpendWriter({ db, logger: silent, flushIntervalMs: 60_000, spillDir, writeRows: true });
    const rows = Array.from({ length: 7 }, () => row("kadopt", 0.1));
    for (const item of rows) first.enqueue(item);
    await first.close(500);
    const files = readdirSync(spillDir);
    expect(files).toHaveLength(1);
    // As if written by a process that is gone, of a Pharos from before spend rows had metadata.
    const spilled = join(spillDir, files[0]!);
    const older = readFileSync(spilled, "utf8").split("\n").filter((line) => line !== "").map((line) => {
      const { metadata: _metadata, ...rest } = JSON.parse(line) as SpendRow;
      return JSON.stringify(rest);
    });
    writeFileSync(spilled, `${older.join("\n")}\n`);
    renameSync(spilled, join(spillDir, files[0]!.replace(`spend-${process.pid}-`, "spend-999999999-")));
    proxy.restore();
    await waitFor(() => db.state === "connected", { timeoutMs: 15_000, what: "reconnect" });
    const second = new SpendWriter({ db, logger: silent, flushIntervalMs: 60_000, spillDir, writeRows: true });
    second.start();
    expect(second.stats().spilled).toBe(7);
    await second.flush();
    expect((await totals("api_key = 'kadopt' AND metadata = '{}'::jsonb")).n).toBe(7);
    expect(readdirSync(spillDir)).toHaveLength(0);
    await second.close();
  });

  it("with disable_spend_logs writes key spend only", async () => {
    const store = new KeyStore(db);
    await store.create(key("knolog"));
    const writer = new SpendWriter({ db, logger: silent, flushIntervalMs: 60_000, spillDir: undefined, writeRows: false });
    writer.enqueue(row("knolog", 0.3));
    writer.enqueue(row("knolog", 0.2));
    await writer.flush();
    expect((await totals("api_key = 'knolog'")).n).toBe(0);
    expect(await keySpend("knolog")).toBeCloseTo(0.5);
    await writer.close();
  });
});

describe("spend retention", () => {
  it("deletes rows past the period in small batches and keeps the rest", async () => {
    const writer = new SpendWriter({ db, logger: silent, flushIntervalMs: 60_000, spillDir: undefined, writeRows: true });
    const old = Date.now() - 40 * 86_400_000;
    for (let i = 0; i < 7; i++) writer.enqueue({ ...row("kret", 0), startTime: old + i });
    for (let i = 0; i < 3; i++) writer.enqueue(row("kret", 0));
    await writer.flush();
    await writer.close();
    const retention = new SpendRetention({ db, logger: silent, periodSeconds: 30 * 86_400, intervalSeconds: 86_400, batchRows: 3 });
    expect(await retention.runOnce()).toBeGreaterThanOrEqual(7);
    expect((await totals("api_key = 'kret'")).n).toBe(3);
    await retention.close();
  });
});

describe("the key store", () => {
  it("creates, updates, lists and deletes keys; aliases are unique", async () => {
    const store = new KeyStore(db);
    const created = await store.create(key("kstore", { keyAlias: "alias-1", models: ["a"], maxBudget: 5, budgetDuration: "1d", budgetDurationSeconds: 86_400 }));
    expect(created).toMatchObject({ keyAlias: "alias-1", models: ["a"], maxBudget: 5, spend: 0, budgetDurationSeconds: 86_400 });
    expect(created.budgetResetAt!.getTime()).toBeGreaterThan(Date.now() + 86_000_000);
    await expect(store.create(key("kstore-2", { keyAlias: "alias-1" }))).rejects.toMatchObject({ field: "key_alias" });
    await expect(store.create(key("kstore"))).rejects.toMatchObject({ field: "key" });
    const updated = await store.update("kstore", { maxBudget: null, rpmLimit: 10, models: ["a", "b"] });
    expect(updated).toMatchObject({ maxBudget: null, rpmLimit: 10, models: ["a", "b"], keyAlias: "alias-1" });
    expect(await store.update("missing", { rpmLimit: 1 })).toBeUndefined();
    expect((await store.findByAlias("alias-1"))?.keyHash).toBe("kstore");
    const { keys, total } = await store.list(1, 100);
    expect(total).toBe(keys.length);
    expect(keys.some((item) => item.keyHash === "kstore")).toBe(true);
    expect(await store.delete([], ["alias-1"])).toEqual(["kstore"]);
    expect(await store.find("kstore")).toBeUndefined();
  });

  it("resets budgets whose period ended", async () => {
    const store = new KeyStore(db);
    await store.create(key("kreset", { maxBudget: 1, budgetDuration: "1h", budgetDurationSeconds: 3600 }));
    await queryTestDatabase(database.url, "UPDATE pharos_keys SET spend = 0.9, budget_reset_at = now() - interval '1 second' WHERE key_hash = 'kreset'");
    expect(await store.resetBudgets()).toContain("kreset");
    const after = await store.find("kreset");
    expect(after?.spend).toBe(0);
    expect(after!.budgetResetAt!.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    expect(await store.resetBudgets()).not.toContain("kreset");
  });
});
