/**
 * Spend logs end to end on the machine's PostgreSQL, reached through a TCP proxy that the test
 * cuts to stop the database for part of a burst: every request leaves exactly one row, costs
 * add up to the x-litellm-response-cost headers, key spend matches, nothing is duplicated.
 * Also: GET /spend/logs filters and summary, the pool gauges against PostgreSQL's own view of the
 * connections, readiness while the database is down at boot.
 */
import pg from "pg";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { removeTempDirs, tempDir } from "../../tests/support/temp-dir.ts";
import { createTestDatabase, dropTestDatabases, queryTestDatabase, startTcpProxy } from "./db-support.ts";
import type { TcpProxy, TestDatabase } from "./db-support.ts";
import { fillTemplate } from "./fixtures/guardrails/load.ts";
import { scrape } from "./telemetry-support.ts";
import type { Scrape } from "./telemetry-support.ts";

const MASTER = "sk-spend-master";
const BURST = 2000;
const CONCURRENCY = 16;
let mock: MockUpstream;
let database: TestDatabase;
let proxy: TcpProxy;
let gateway: GatewayProcess;
const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 });

function config(databaseUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model_list: [{ model_name: "gpt-mock", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1`, api_key: "sk-up" }, model_info: { id: "chat-1", input_cost_per_token: 0.0000013, output_cost_per_token: 0.0000029 } }],
    general_settings: { master_key: MASTER, database_url: databaseUrl, proxy_batch_write_at: 0.2, database_connection_timeout: 2, ...extra },
  };
}

beforeAll(async () => {
  mock = await startMock();
  database = await createTestDatabase();
  proxy = await startTcpProxy(Number(new URL(database.url).port || 5432));
  gateway = await startGateway({
    config: { ...config(database.urlVia(proxy.port), { allow_requests_on_db_unavailable: true }), guardrails: [{ guardrail_name: "no-secrets", litellm_params: { guardrail: "secrets", mode: "pre_call" } }] },
    env: { PHAROS_DATA_DIR: tempDir("pharos-spend-"), PHAROS_SPEND_QUEUE_MAX: "300", PHAROS_SPEND_BATCH_ROWS: "100", PHAROS_KEY_CACHE_TTL_SECONDS: "120" },
  });
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  await proxy.close();
  await agent.close();
  await dropTestDatabases();
  removeTempDirs();
});

async function call(target: GatewayProcess, method: string, path: string, body?: unknown, key = MASTER): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await undiciFetch(`${target.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    dispatcher: agent,
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text), headers: response.headers as unknown as Headers };
}

interface Sent {
  readonly callId: string;
  readonly cost: number;
  readonly key: string;
  readonly status: number;
}

async function burst(keys: readonly string[], from: number, to: number, sent: Sent[]): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const index = next++;
      const key = keys[index % keys.length]!;
      const response = await call(gateway, "POST", "/v1/chat/completions", { model: "gpt-mock", messages: [{ role: "user", content: `burst ${index} ${"x".repeat(index % 7)}` }] }, key);
      sent.push({ callId: response.headers.get("x-litellm-call-id")!, cost: Number(response.headers.get("x-litellm-response-cost")), key, status: response.status });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function readiness(target: GatewayProcess): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${target.url}/health/readiness`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("a burst with the database stopped for part of it", () => {
  it(`writes exactly one row per request for ${BURST} requests: counts and cost sums equal, no duplicates`, { timeout: 120_000 }, async () => {
    const keys: string[] = [MASTER];
    const tokens = new Map<string, string>();
    for (let i = 0; i < 4; i++) {
      const generated = (await call(gateway, "POST", "/key/generate", { key_alias: `burst-${i}` })).body as { key: string; token: string };
      keys.push(generated.key);
      tokens.set(generated.key, generated.token);
    }
    const sent: Sent[] = [];
    await burst(keys, 0, 400, sent);

    proxy.cut();
    await burst(keys, 400, 1400, sent);
    await expect.poll(async () => (await readiness(gateway)).body["db"], { timeout: 10_000 }).toBe("disconnected");
    const during = await readiness(gateway);
    expect(during.status).toBe(200); // allow_requests_on_db_unavailable
    proxy.restore();
    await burst(keys, 1400, BURST, sent);

    expect(sent).toHaveLength(BURST);
    expect(sent.filter((item) => item.status !== 200)).toEqual([]);
    expect(new Set(sent.map((item) => item.callId)).size).toBe(BURST);

    await expect
      .poll(async () => (await queryTestDatabase<{ n: number }>(database.url, "SELECT count(*)::int AS n FROM pharos_spend_logs WHERE model_group = 'gpt-mock' AND request_id LIKE '%-%'"))[0]!.n, {
        timeout: 30_000,
        interval: 250,
      })
      .toBeGreaterThanOrEqual(BURST);
    const ids = new Set(sent.map((item) => item.callId));
    const rows = await queryTestDatabase<{ request_id: string; spend: number; api_key: string }>(database.url, "SELECT request_id, spend, api_key FROM pharos_spend_logs WHERE request_id = ANY($1::text[])", [[...ids]]);
    expect(rows).toHaveLength(BURST);
    expect(new Set(rows.map((row) => row.request_id)).size).toBe(BURST);
    const sentCost = sent.reduce((sum, item) => sum + item.cost, 0);
    const rowCost = rows.reduce((sum, row) => sum + Number(row.spend), 0);
    expect(Math.abs(rowCost - sentCost)).toBeLessThan(1e-9);

    for (const [key, token] of tokens) {
      const expected = sent.filter((item) => item.key === key).reduce((sum, item) => sum + item.cost, 0);
      const [stored] = await queryTestDatabase<{ spend: number }>(database.url, "SELECT spend FROM pharos_keys WHERE key_hash = $1", [token]);
      expect(Math.abs(Number(stored!.spend) - expected)).toBeLessThan(1e-9);
    }
    expect(gateway.output()).toContain("spilled to disk");
    expect((await readiness(gateway)).body["db"]).toBe("connected");
  });
});

describe("GET /spend/logs", () => {
  it("filters by key, request id and dates, and summarises by day", async () => {
    const generated = (await call(gateway, "POST", "/key/generate", { key_alias: "logs" })).body as { key: string; token: string };
    const first = await call(gateway, "POST", "/v1/chat/completions", { model: "gpt-mock", messages: [{ role: "user", content: "one" }] }, generated.key);
    await call(gateway, "POST", "/v1/chat/completions", { model: "gpt-mock", messages: [{ role: "user", content: "two" }] }, generated.key);
    const callId = first.headers.get("x-litellm-call-id")!;
    await expect.poll(async () => ((await call(gateway, "GET", `/spend/logs?api_key=${generated.token}`)).body as unknown[]).length, { timeout: 5000 }).toBe(2);

    const byKey = (await call(gateway, "GET", `/spend/logs?api_key=${generated.key}`)).body as Array<Record<string, unknown>>;
    expect(byKey).toHaveLength(2);
    expect(byKey[0]).toMatchObject({ api_key: generated.token, key_alias: "logs", model_group: "gpt-mock", model_id: "chat-1", status: "success", cache_hit: false });
    expect(JSON.stringify(byKey)).not.toContain(generated.key);

    const byRequest = (await call(gateway, "GET", `/spend/logs?request_id=${callId}`)).body as Array<Record<string, unknown>>;
    expect(byRequest).toHaveLength(1);
    expect(byRequest[0]!["spend"]).toBeCloseTo(Number(first.headers.get("x-litellm-response-cost")), 12);

    const today = new Date().toISOString().slice(0, 10);
    const summary = (await call(gateway, "GET", `/spend/logs?api_key=${generated.token}&start_date=${today}&end_date=${today}`)).body as Array<Record<string, unknown>>;
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ startTime: today, api_requests: 2, successful_requests: 2, models: { "gpt-mock": expect.any(Number) } });
    const rows = (await call(gateway, "GET", `/spend/logs?api_key=${generated.token}&start_date=${today}&end_date=${today}&summarize=false`)).body as unknown[];
    expect(rows).toHaveLength(2);
    expect((await call(gateway, "GET", "/spend/logs?start_date=2000-01-01&end_date=2000-01-02")).body).toEqual([]);

    const bad = await call(gateway, "GET", "/spend/logs?start_date=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { param: "start_date" } });
    expect((await call(gateway, "GET", "/spend/logs?limit=0")).status).toBe(400);
  });

  it("records the guardrails a request ran (blocked or not) and its tags in the row's metadata", async () => {
    const generated = (await call(gateway, "POST", "/key/generate", { key_alias: "guarded" })).body as { key: string; token: string };
    const plain = await call(gateway, "POST", "/v1/chat/completions", { model: "gpt-mock", messages: [{ role: "user", content: "plain" }], metadata: { tags: ["team-harbour", "batch"] } }, generated.key);
    const scanned = await call(gateway, "POST", "/v1/chat/completions", { model: "gpt-mock", guardrails: ["no-secrets"], messages: [{ role: "user", content: "nothing secret" }] }, generated.key);
    const token = fillTemplate("ghp_{{A:36}}"); // built at run time: no token-shaped literal in the repository
    const blocked = await call(gateway, "POST", "/v1/chat/completions", { model: "gpt-mock", guardrails: ["no-secrets"], messages: [{ role: "user", content: `push with ${token}` }] }, generated.key);
    expect([plain.status, scanned.status, blocked.status]).toEqual([200, 200, 400]);
    expect(scanned.headers.get("x-litellm-applied-guardrails")).toBe("no-secrets");
    await expect.poll(async () => ((await call(gateway, "GET", `/spend/logs?api_key=${generated.token}`)).body as unknown[]).length, { timeout: 5000 }).toBe(3);

    const logs = (await call(gateway, "GET", `/spend/logs?api_key=${generated.token}`)).body as Array<{ request_id: string; status: string; error_code: string | null; metadata: unknown; request_tags: unknown }>;
    const byCall = new Map(logs.map((row) => [row.request_id, row]));
    expect(byCall.get(plain.headers.get("x-litellm-call-id")!)).toMatchObject({ status: "success", metadata: { request_tags: ["team-harbour", "batch"] }, request_tags: ["team-harbour", "batch"] });
    expect(byCall.get(scanned.headers.get("x-litellm-call-id")!)).toMatchObject({ status: "success", metadata: { applied_guardrails: ["no-secrets"] }, request_tags: [] });
    expect(byCall.get(blocked.headers.get("x-litellm-call-id")!)).toMatchObject({ status: "failure", error_code: "guardrail_violation", metadata: { applied_guardrails: ["no-secrets"] } });
    expect(JSON.stringify(logs)).not.toContain(token);
  });
});

describe("database operation metrics", () => {
  it("times key lookups, spend batches and spend reads in db_client_operation_duration, by operation", async () => {
    const before = await scrape(gateway.url);
    const count = (from: typeof before, operation: string): number => from.sum("db_client_operation_duration_count", { db_system_name: "postgresql", db_operation_name: operation });
    const generated = (await call(gateway, "POST", "/key/generate", { key_alias: "timed" })).body as { key: string; token: string };
    expect((await call(gateway, "POST", "/v1/chat/completions", { model: "gpt-mock", messages: [{ role: "user", content: "timed" }] }, generated.key)).status).toBe(200);
    await expect.poll(async () => ((await call(gateway, "GET", `/spend/logs?api_key=${generated.token}`)).body as unknown[]).length, { timeout: 5000 }).toBe(1);

    const after = await scrape(gateway.url);
    expect(after.types.get("db_client_operation_duration")).toBe("histogram");
    for (const operation of ["keys", "spend_write", "spend_read"]) expect(count(after, operation), operation).toBeGreaterThan(count(before, operation));
    // Every operation is named: nothing falls back to the unnamed default.
    expect(after.find("db_client_operation_duration_count", { db_operation_name: "query" })).toEqual([]);
    const seconds = after.sum("db_client_operation_duration_sum", { db_operation_name: "spend_read" }) - before.sum("db_client_operation_duration_sum", { db_operation_name: "spend_read" });
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(30);
  });
});

describe("the PostgreSQL pool gauges", () => {
  const MAIN = { db_system_name: "postgresql", db_client_connection_pool_name: "main" };
  const pool = (metrics: Scrape): { used: number; idle: number; pending: number; max: number } => ({
    used: metrics.sum("db_client_connections_usage", { ...MAIN, db_client_connection_state: "used" }),
    idle: metrics.sum("db_client_connections_usage", { ...MAIN, db_client_connection_state: "idle" }),
    pending: metrics.sum("db_client_connections_pending_requests", MAIN),
    max: metrics.sum("db_client_connections_max", MAIN),
  });
  /** The gateway's connections as PostgreSQL sees them (application_name "pharos"). */
  const backends = async (): Promise<{ all: number; waitingOnLock: number }> => {
    const [row] = await queryTestDatabase<{ all: number; waiting: number }>(
      database.url,
      "SELECT count(*)::int AS all, count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pharos'",
    );
    return { all: row!.all, waitingOnLock: row!.waiting };
  };

  it("match the connections PostgreSQL sees: in use while queries wait on a lock, idle after", async () => {
    const DEFAULT_POOL_LIMIT = 10; // database_connection_pool_limit is not set
    // Hold a lock every spend read waits for, then send one read fewer than the pool holds (the
    // last connection stays free for the gateway's own background queries).
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    const blocked = DEFAULT_POOL_LIMIT - 1;
    let reads: Promise<{ status: number }[]> | undefined;
    try {
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE pharos_spend_logs IN ACCESS EXCLUSIVE MODE");
      reads = Promise.all(Array.from({ length: blocked }, (_, i) => call(gateway, "GET", `/spend/logs?request_id=pool-${i}`)));
      // Connections still being opened count as in use too: wait until PostgreSQL sees every
      // read waiting on the lock, then the gauges must say exactly that.
      await expect.poll(async () => (await backends()).waitingOnLock, { timeout: 5000, interval: 50 }).toBe(blocked);
      const during = pool(await scrape(gateway.url));
      expect(during).toMatchObject({ used: blocked, pending: 0, max: DEFAULT_POOL_LIMIT });
      // Idle: the connections open beyond those (earlier tests may have left one), as PostgreSQL counts them.
      expect(during.used + during.idle).toBe((await backends()).all);
    } finally {
      await locker.query("ROLLBACK").catch(() => undefined);
      await locker.end();
    }
    expect((await reads!).map((read) => read.status)).toEqual(Array.from({ length: blocked }, () => 200));
    // Released: nothing in use, and every connection the pool keeps open is one PostgreSQL sees
    // (idle ones close after 30 s, so read both until they agree).
    await expect
      .poll(async () => {
        const metrics = pool(await scrape(gateway.url));
        const seen = await backends();
        return { used: metrics.used, pending: metrics.pending, open: metrics.used + metrics.idle, seen: seen.all };
      }, { timeout: 5000, interval: 100 })
      .toSatisfy((reading: { used: number; pending: number; open: number; seen: number }) => reading.used === 0 && reading.pending === 0 && reading.open === reading.seen && reading.open >= blocked);
  });
});

describe("PostgreSQL down at boot", () => {
  it("serves the master key, reports not ready with db: disconnected, and catches up when it returns", async () => {
    const down = await startTcpProxy(Number(new URL(database.url).port || 5432));
    down.cut();
    try {
      const late = await startGateway({ config: config(database.urlVia(down.port)), env: { PHAROS_DATA_DIR: tempDir("pharos-late-"), PHAROS_DB_BOOT_WAIT_SECONDS: "1" } });
      const report = await readiness(late);
      expect(report.status).toBe(503);
      expect(report.body).toMatchObject({ status: "unhealthy", db: "disconnected" });
      const served = await call(late, "POST", "/v1/chat/completions", { model: "gpt-mock", messages: [{ role: "user", content: "while down" }] });
      expect(served.status).toBe(200);
      const virtual = await call(late, "POST", "/v1/chat/completions", { model: "gpt-mock", messages: [{ role: "user", content: "x" }] }, "sk-not-verifiable");
      expect(virtual.status).toBe(503);
      expect(late.output()).toContain("cannot open the database");

      down.restore();
      await expect.poll(async () => (await readiness(late)).status, { timeout: 20_000, interval: 250 }).toBe(200);
      const callId = served.headers.get("x-litellm-call-id")!;
      await expect.poll(async () => (await queryTestDatabase(database.url, "SELECT 1 FROM pharos_spend_logs WHERE request_id = $1", [callId])).length, { timeout: 5000 }).toBe(1);
    } finally {
      await down.close();
    }
  });
});
