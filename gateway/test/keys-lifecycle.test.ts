/**
 * Virtual keys end to end on the machine's PostgreSQL (a database of their own) and Redis (a
 * key prefix of their own): two `pharos serve` instances share both, as in production.
 * Lifecycle, bad bodies, model access, expiry, budgets (and their reset), rpm limits shared by
 * the two instances, key info that never shows a key in clear.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { openaiClient } from "../../tests/support/openai-client.ts";
import { removeTempDirs, tempDir } from "../../tests/support/temp-dir.ts";
import { createTestDatabase, deleteRedisKeys, dropTestDatabases, queryTestDatabase, testRedisPrefix } from "./db-support.ts";
import type { TestDatabase } from "./db-support.ts";

const MASTER = "sk-keys-master";
const prefix = testRedisPrefix();
let mock: MockUpstream;
let database: TestDatabase;
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  mock = await startMock();
  database = await createTestDatabase();
  const config = {
    model_list: [
      { model_name: "gpt-mock", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1`, api_key: "sk-up" }, model_info: { id: "chat-1", input_cost_per_token: 0.00001, output_cost_per_token: 0.00002 } },
      { model_name: "embed-mock", litellm_params: { model: "openai/mock-embedding", api_base: `${mock.url}/v1` }, model_info: { id: "embed-1", mode: "embedding" } },
    ],
    router_settings: { redis_host: "127.0.0.1", redis_port: 6379 },
    // LiteLLM's setting for the key cache TTL (default 10 s): a deleted key stops working elsewhere within it.
    general_settings: { master_key: MASTER, database_url: database.url, proxy_batch_write_at: 0.2, user_api_key_cache_ttl: 1 },
  };
  const env = { PHAROS_REDIS_KEY_PREFIX: prefix, PHAROS_DATA_DIR: tempDir("pharos-keys-") };
  [a, b] = await Promise.all([startGateway({ config, env }), startGateway({ config, env })]);
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  await dropTestDatabases();
  await deleteRedisKeys(prefix);
  removeTempDirs();
});

async function call(gateway: GatewayProcess, method: string, path: string, body?: unknown, key = MASTER): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

async function generate(body: Record<string, unknown>): Promise<{ key: string; token: string }> {
  const response = await call(a, "POST", "/key/generate", body);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return { key: response.body["key"] as string, token: response.body["token"] as string };
}

function chat(gateway: GatewayProcess, key: string, model = "gpt-mock"): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  return call(gateway, "POST", "/v1/chat/completions", { model, messages: [{ role: "user", content: "hello" }] }, key);
}

describe("key lifecycle", () => {
  it("generate → use on both instances → info with spend → update → delete", async () => {
    const { key, token } = await generate({ models: ["gpt-mock"], key_alias: "lifecycle", metadata: { team: "search" }, max_budget: 100 });
    expect(key).toMatch(/^sk-[\w-]{32}$/);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const [onA, onB] = await Promise.all([chat(a, key), chat(b, key)]);
    expect([onA.status, onB.status]).toEqual([200, 200]);
    expect(onA.headers.get("x-litellm-key-spend")).toBe("0");
    const cost = Number(onA.headers.get("x-litellm-response-cost")) + Number(onB.headers.get("x-litellm-response-cost"));
    expect(cost).toBeGreaterThan(0);

    await expect.poll(async () => ((await call(b, "GET", `/key/info?key=${key}`)).body["info"] as { spend: number }).spend, { timeout: 5000 }).toBeCloseTo(cost, 10);
    const info = await call(b, "GET", `/key/info?key=${token}`);
    expect(info.body).toMatchObject({ key: token, info: { key_alias: "lifecycle", key_name: `sk-...${key.slice(-4)}`, models: ["gpt-mock"], metadata: { team: "search" }, max_budget: 100 } });
    expect(JSON.stringify(info.body)).not.toContain(key);

    const own = await call(a, "GET", "/key/info", undefined, key);
    expect(own.status).toBe(200);
    expect((own.body["info"] as { token: string }).token).toBe(token);

    const updated = await call(a, "POST", "/key/update", { key, models: ["gpt-mock", "embed-mock"], rpm_limit: 1000, key_alias: "lifecycle-2" });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ key_alias: "lifecycle-2", rpm_limit: 1000, models: ["gpt-mock", "embed-mock"] });
    expect((await call(a, "POST", "/v1/embeddings", { model: "embed-mock", input: "x" }, key)).status).toBe(200);

    // LiteLLM's top-level `guardrails` list is kept in the key's metadata, beside what was there.
    const guarded = await call(a, "POST", "/key/update", { key, guardrails: ["no-secrets"] });
    expect(guarded.status).toBe(200);
    expect(guarded.body).toMatchObject({ metadata: { team: "search", guardrails: ["no-secrets"] } });

    const listed = await call(a, "GET", "/key/list?page=1&size=100&return_full_object=true");
    expect(listed.body["total_count"]).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(JSON.stringify(listed.body)).toContain(token);

    expect((await call(a, "POST", "/key/delete", { keys: [key] })).body).toEqual({ deleted_keys: [token] });
    expect((await chat(a, key)).status).toBe(401); // at once where it was deleted
    await expect.poll(async () => (await chat(b, key)).status, { timeout: 5000, interval: 200 }).toBe(401); // within the TTL elsewhere
    expect((await call(a, "POST", "/key/delete", { keys: [key] })).status).toBe(404);
    expect((await call(a, "GET", `/key/info?key=${key}`)).status).toBe(404);
  });

  it("is master-key only (a virtual key reads only its own info)", async () => {
    const { key } = await generate({});
    const other = await generate({});
    expect((await call(a, "POST", "/key/generate", {}, key)).status).toBe(403);
    expect((await call(a, "GET", "/key/list", undefined, key)).status).toBe(403);
    expect((await call(a, "GET", `/key/info?key=${other.token}`, undefined, key)).status).toBe(403);
    expect((await call(a, "GET", "/spend/logs", undefined, key)).status).toBe(403);
    expect((await call(a, "POST", "/key/generate", {}, "sk-nobody")).status).toBe(401);
  });

  it.each([
    [{ max_budget: -1 }, "max_budget"],
    [{ models: ["gpt-nope"] }, "models[0]"],
    [{ duration: "soon" }, "duration"],
    [{ budget_duration: "1 year" }, "budget_duration"],
    [{ rpm_limit: "many" }, "rpm_limit"],
    [{ soft_budget: 5 }, "soft_budget"],
    // An integer column of seconds (2^31 - 1 s is ~24,855 days): beyond it the insert failed with a 500.
    [{ budget_duration: "24856d" }, "budget_duration"],
    // "0.4s" rounded to 0 seconds: the budget reset on every call.
    [{ budget_duration: "0.4s" }, "budget_duration"],
    // A huge duration made an invalid expiry date: 500.
    [{ duration: "100000000000000d" }, "duration"],
    [{ duration: 3_200_000_000 }, "duration"],
  ])("rejects %j with a 400 naming %s", async (body, param) => {
    const response = await call(a, "POST", "/key/generate", body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { param, code: "400", type: "invalid_request_error" } });
  });

  it("rejects a duplicate alias with a 400 naming key_alias", async () => {
    await generate({ key_alias: "only-once" });
    const response = await call(a, "POST", "/key/generate", { key_alias: "only-once" });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { param: "key_alias" } });
  });
});

describe("what a key may do", () => {
  it("only the model groups in its models list (401 naming them)", async () => {
    const { key } = await generate({ models: ["embed-mock"] });
    const client = openaiClient(a.url, key);
    const error = await client.chat.completions.create({ model: "gpt-mock", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as Error).message).toContain("may call: embed-mock");
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(["embed-mock"]);
  });

  it("cannot reach another group through a request's own fallbacks (401 naming 'fallbacks')", async () => {
    const { key } = await generate({ models: ["gpt-mock"] });
    const answer = await call(a, "POST", "/v1/chat/completions", { model: "gpt-mock", messages: [{ role: "user", content: "hello" }], fallbacks: ["embed-mock"] }, key);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: { param: "fallbacks" } });
    expect(JSON.stringify(answer.body)).toContain("not allowed to call model group 'embed-mock'");
  });

  it("stops at its expiry", async () => {
    const { key } = await generate({ duration: "1s" });
    expect((await chat(a, key)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await chat(a, key);
    expect(expired.status).toBe(401);
    expect(JSON.stringify(expired.body)).toContain("Expired Key");
  });

  it("stops at its budget with 400 budget_exceeded, and starts again when budget_duration resets it", async () => {
    const { key, token } = await generate({ max_budget: 0.0001, budget_duration: "3s" });
    expect((await chat(a, key)).status).toBe(200); // one answer costs more than the budget
    const refused = await chat(a, key);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { type: "budget_exceeded", code: "400" } });
    expect((refused.body["error"] as { message: string }).message).toContain("max budget 0.0001 USD");
    // The other instance learns the spend from the database (after a flush and within the key TTL).
    await expect.poll(async () => (await chat(b, key)).status, { timeout: 5000, interval: 200 }).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    expect((await chat(a, key)).status).toBe(200);
    const [row] = await queryTestDatabase<{ budget_reset_at: Date }>(database.url, "SELECT budget_reset_at FROM pharos_keys WHERE key_hash = $1", [token]);
    expect(row?.budget_reset_at).toBeInstanceOf(Date);
  });

  it("shares its rpm limit between the two instances (429 with x-ratelimit-* and Retry-After)", async () => {
    const { key } = await generate({ rpm_limit: 4 });
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof chat>> | undefined;
    for (let i = 0; i < 6; i++) {
      const response = await chat(i % 2 === 0 ? a : b, key);
      statuses.push(response.status);
      if (response.status === 200) expect(response.headers.get("x-ratelimit-limit-requests")).toBe("4");
      if (response.status === 429) refused ??= response;
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(refused!.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused!.body).toMatchObject({ error: { type: "rate_limit_error", code: "429" } });
  });

  it("sends its x-ratelimit-* and spend headers on every kind of answer: JSON, stream, an upstream error", async () => {
    const { key } = await generate({ rpm_limit: 50 });
    const stream = await fetch(`${a.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-mock", stream: true, messages: [{ role: "user", content: "hello" }] }),
    });
    expect(await stream.text()).toContain("data: [DONE]");
    mock.faults.push({ status: 500, times: 3 }); // the first attempt and its two retries
    const failed = await chat(a, key);
    mock.faults.clear();
    expect([stream.status, failed.status]).toEqual([200, 500]);
    for (const answer of [stream, failed]) {
      expect(answer.headers.get("x-ratelimit-limit-requests")).toBe("50");
      expect(answer.headers.get("x-litellm-key-spend")).not.toBeNull();
    }
  });

  it("limits parallel requests", async () => {
    const { key } = await generate({ max_parallel_requests: 1 });
    mock.faults.push({ latencyMs: 400, times: 1 });
    const slow = chat(a, key);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await chat(b, key);
    expect(second.status).toBe(429);
    expect((await slow).status).toBe(200);
    expect((await chat(b, key)).status).toBe(200); // the slot was freed with the first response
  });
});
