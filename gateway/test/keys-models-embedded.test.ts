/**
 * Models added at runtime (/model/new, /model/delete, /model/info) with credentials encrypted
 * under LITELLM_SALT_KEY, seen by every instance; a wrong salt key fails the boot clearly.
 * And the embedded default (PGlite, no DATABASE_URL): keys and spend survive a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { removeTempDirs, tempDir } from "../../tests/support/temp-dir.ts";
import { createTestDatabase, dropTestDatabases, queryTestDatabase } from "./db-support.ts";
import type { TestDatabase } from "./db-support.ts";

const MASTER = "sk-models-master";
const SECRET = "sk-upstream-secret-4242";
let mock: MockUpstream;

beforeAll(async () => {
  mock = await startMock();
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  await dropTestDatabases();
  removeTempDirs();
});

function baseConfig(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    model_list: [{ model_name: "gpt-mock", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` }, model_info: { id: "config-chat" } }],
    general_settings: { master_key: MASTER, proxy_batch_write_at: 0.2, ...extra },
  };
}

async function call(gateway: GatewayProcess, method: string, path: string, body?: unknown, key = MASTER): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>), text };
}

const chat = (gateway: GatewayProcess, model: string, key = MASTER) => call(gateway, "POST", "/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }] }, key);

describe("models added at runtime", () => {
  let database: TestDatabase;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const env = (salt: string): Record<string, string> => ({ LITELLM_SALT_KEY: salt, PHAROS_MODEL_SYNC_SECONDS: "1", PHAROS_DATA_DIR: tempDir("pharos-models-") });

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = baseConfig({ database_url: database.url });
    [a, b] = await Promise.all([startGateway({ config, env: env("sk-salt-one") }), startGateway({ config, env: env("sk-salt-one") })]);
  });

  it("are stored encrypted, served at once here and soon by the other instance, and shown without secrets", async () => {
    const added = await call(a, "POST", "/model/new", {
      model_name: "added-mock",
      litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1`, api_key: SECRET },
      model_info: { id: "added-1", input_cost_per_token: 0.000001 },
    });
    expect(added.status, added.text).toBe(200);
    expect(added.body).toMatchObject({ model_id: "added-1" });
    expect(added.text).not.toContain(SECRET);

    mock.resetStats();
    expect((await chat(a, "added-mock")).status).toBe(200);
    const sent = mock.stats().requests.at(-1);
    expect(sent?.headers["authorization"]).toBe(`Bearer ${SECRET}`);
    await expect.poll(async () => (await chat(b, "added-mock")).status, { timeout: 5000, interval: 200 }).toBe(200);

    const [row] = await queryTestDatabase<{ litellm_params: string }>(database.url, "SELECT litellm_params FROM pharos_models WHERE model_id = 'added-1'");
    expect(row!.litellm_params).toMatch(/^v1\./);
    expect(row!.litellm_params).not.toContain(SECRET);
    expect(row!.litellm_params).not.toContain("mock-gpt");

    const info = await call(b, "GET", "/model/info");
    expect(info.text).not.toContain(SECRET);
    const entries = info.body["data"] as Array<{ model_name: string; model_info: { id: string; db_model: boolean } }>;
    expect(entries.map((entry) => [entry.model_info.id, entry.model_info.db_model])).toEqual([
      ["config-chat", false],
      ["added-1", true],
    ]);
    expect((await call(b, "GET", "/v1/models")).text).toContain("added-mock");
  });

  it("reject bad input with a 400 naming the field, and are master-key only", async () => {
    const missing = await call(a, "POST", "/model/new", { litellm_params: { model: "openai/x", api_base: "http://127.0.0.1:9" } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { param: "model_name" } });
    const provider = await call(a, "POST", "/model/new", { model_name: "x", litellm_params: { model: "nope/x" } });
    expect(provider.status).toBe(400);
    expect(provider.text).toContain("litellm_params.model");
    const duplicate = await call(a, "POST", "/model/new", { model_name: "x", litellm_params: { model: "openai/x", api_base: "http://127.0.0.1:9" }, model_info: { id: "config-chat" } });
    expect(duplicate.status).toBe(400);
    const generated = (await call(a, "POST", "/key/generate", {})).body as { key: string };
    expect((await call(a, "POST", "/model/new", { model_name: "y", litellm_params: { model: "openai/y", api_base: "http://127.0.0.1:9" } }, generated.key)).status).toBe(403);
    expect((await call(a, "POST", "/model/delete", { id: "config-chat" })).status).toBe(400);
    expect((await call(a, "POST", "/model/delete", { id: "no-such-model" })).status).toBe(404);
  });

  it("refuse to boot with a wrong LITELLM_SALT_KEY, saying why", async () => {
    // The process exits at once; the test bed notices at its ready deadline (it retries its checks until then).
    const error = await startGateway({ config: baseConfig({ database_url: database.url }), env: env("sk-salt-two"), readyTimeoutMs: 4000 }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toContain("LITELLM_SALT_KEY cannot decrypt the credentials of 1 model(s) stored in the database (added-1)");
    expect(error!.message).toContain("pharos exited with 1");
    expect(error!.message).not.toContain(SECRET);
  });

  it("are removed everywhere by /model/delete", async () => {
    expect((await call(a, "POST", "/model/delete", { id: "added-1" })).status).toBe(200);
    expect((await chat(a, "added-mock")).status).toBe(404);
    await expect.poll(async () => (await chat(b, "added-mock")).status, { timeout: 5000, interval: 200 }).toBe(404);
  });
});

describe("the embedded database (no DATABASE_URL)", () => {
  it("keeps keys and spend logs across a restart", async () => {
    const dataDir = tempDir("pharos-embedded-");
    const options = { config: baseConfig({}), env: { PHAROS_DATA_DIR: dataDir }, readyTimeoutMs: 60_000 };
    const first = await startGateway(options);
    expect((await (await fetch(`${first.url}/health/readiness`)).json()) as Record<string, unknown>).toMatchObject({ db: "connected" });
    const generated = (await call(first, "POST", "/key/generate", { key_alias: "survivor", max_budget: 10 })).body as { key: string; token: string };
    expect((await chat(first, "gpt-mock", generated.key)).status).toBe(200);
    expect(await first.stop()).toBe(0);

    const second = await startGateway(options);
    expect((await chat(second, "gpt-mock", generated.key)).status).toBe(200);
    await expect.poll(async () => ((await call(second, "GET", `/spend/logs?api_key=${generated.token}`)).body as unknown as unknown[]).length, { timeout: 5000 }).toBe(2);
    const info = await call(second, "GET", `/key/info?key=${generated.token}`);
    expect(info.body).toMatchObject({ info: { key_alias: "survivor", max_budget: 10 } });
  });
});
