/**
 * Health routes end to end: /health probes every deployment (authenticated), and the separate
 * health app keeps answering on its own port while the worker serving the main port is frozen.
 */
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { freePort } from "../../tests/support/ports.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { createTestDatabase, dropTestDatabases, startTcpProxy } from "./db-support.ts";
import { waitFor } from "../../tests/support/wait-for.ts";

const KEY = "sk-health-test";

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  await dropTestDatabases();
  removeTempDirs();
});

function childPids(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" }).split("\n").map((line) => Number(line.trim())).filter((value) => value > 0);
  } catch {
    return [];
  }
}

describe("/health", () => {
  it("probes every deployment with its cheap call and splits healthy from unhealthy", async () => {
    const mock = await startMock();
    const closed = await freePort();
    const gateway = await startGateway({
      config: {
        model_list: [
          { model_name: "ollama-up", litellm_params: { model: "ollama_chat/llama3.2", api_base: mock.url, api_key: "secret-ollama-key" }, model_info: { id: "up-1" } },
          { model_name: "openai-up", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` }, model_info: { id: "up-2" } },
          { model_name: "ollama-down", litellm_params: { model: "ollama_chat/llama3.2", api_base: `http://127.0.0.1:${closed}` }, model_info: { id: "down-1" } },
        ],
        general_settings: { master_key: KEY },
      },
    });
    expect((await fetch(`${gateway.url}/health`)).status).toBe(401);
    const response = await fetch(`${gateway.url}/health`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(response.status).toBe(200);
    const report = (await response.json()) as { healthy_count: number; unhealthy_count: number; healthy_endpoints: Array<{ model_id: string }>; unhealthy_endpoints: Array<{ model_id: string; error: string; api_base: string }> };
    expect(report.healthy_count).toBe(2);
    expect(report.unhealthy_count).toBe(1);
    expect(report.healthy_endpoints.map((endpoint) => endpoint.model_id).sort()).toEqual(["up-1", "up-2"]);
    expect(report.unhealthy_endpoints[0]).toMatchObject({ model_id: "down-1", api_base: `http://127.0.0.1:${closed}`, error: expect.stringContaining("ECONNREFUSED") });
    expect(JSON.stringify(report)).not.toContain("secret-ollama-key");
    expect(mock.stats().hits).toEqual({ "ollama /api/tags": 1, "openai models": 1 });
  });
});

describe("the separate health app", () => {
  it("answers on its own port while the worker behind the main port is frozen", async () => {
    const healthPort = await freePort();
    const gateway = await startGateway({ env: { SEPARATE_HEALTH_APP: "1", SEPARATE_HEALTH_PORT: String(healthPort) } });
    const health = `http://127.0.0.1:${healthPort}`;
    await waitFor(async () => (await fetch(`${health}/health/readiness`)).status === 200, { what: "the health app to be ready" });
    expect(await (await fetch(`${health}/health/liveliness`)).json()).toBe("I'm alive!");
    expect(await (await fetch(`${health}/health/readiness`)).json()).toMatchObject({ status: "healthy", workers: 1 });

    const workers = childPids(gateway.child.pid!);
    expect(workers).toHaveLength(1);
    process.kill(workers[0]!, "SIGSTOP");
    try {
      const main = await fetch(`${gateway.url}/health/liveliness`, { signal: AbortSignal.timeout(500) }).catch((error: unknown) => error);
      expect(main).toBeInstanceOf(Error);
      const alive = await fetch(`${health}/health/liveliness`, { signal: AbortSignal.timeout(2000) });
      expect(alive.status).toBe(200);
    } finally {
      process.kill(workers[0]!, "SIGCONT");
    }
    expect((await fetch(`${gateway.url}/health/liveliness`)).status).toBe(200);
    expect(await gateway.stop("SIGTERM")).toBe(0);
  });

  it("serves /health/readiness on the main port too, and the health app reports draining on SIGTERM", async () => {
    const healthPort = await freePort();
    const gateway = await startGateway({ args: ["--health-port", String(healthPort), "--drain-timeout", "2"] });
    const health = `http://127.0.0.1:${healthPort}`;
    await waitFor(async () => (await fetch(`${health}/health/readiness`)).status === 200, { what: "the health app" });
    expect((await fetch(`${gateway.url}/health/readiness`)).status).toBe(200);
    // A streaming request in flight keeps the worker draining for a moment.
    const inFlight = fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "fake-openai-endpoint", stream: true, messages: [{ role: "user", content: "x" }] }) });
    const exited = gateway.stop("SIGTERM");
    const draining = await waitFor(async () => {
      const response = await fetch(`${health}/health/readiness`);
      return response.status === 503 ? ((await response.json()) as { status: string }) : undefined;
    }, { what: "readiness to report draining" });
    expect(draining.status).toBe("draining");
    expect((await inFlight).status).toBe(200);
    expect(await exited).toBe(0);
  });

  it("reports PostgreSQL from its own connection: connected, then disconnected (503) when the database goes away", async () => {
    const database = await createTestDatabase();
    const proxy = await startTcpProxy(5432);
    const healthPort = await freePort();
    const gateway = await startGateway({
      env: { DATABASE_URL: database.urlVia(proxy.port), SEPARATE_HEALTH_APP: "1", SEPARATE_HEALTH_PORT: String(healthPort) },
      args: ["--drain-timeout", "2"],
    });
    const readiness = async (): Promise<{ status: number; body: { db: string } }> => {
      const response = await fetch(`http://127.0.0.1:${healthPort}/health/readiness`);
      return { status: response.status, body: (await response.json()) as { db: string } };
    };
    try {
      await waitFor(async () => (await readiness()).body.db === "connected", { timeoutMs: 15_000, what: "the health app to see the database" });
      proxy.cut();
      const down = await waitFor(async () => {
        const answer = await readiness();
        return answer.body.db === "disconnected" ? answer : undefined;
      }, { timeoutMs: 15_000, what: "the health app to see the database gone" });
      expect(down.status).toBe(503);
      proxy.restore();
      await waitFor(async () => (await readiness()).status === 200, { timeoutMs: 20_000, what: "the database to be back" });
    } finally {
      await gateway.stop("SIGTERM");
      await proxy.close();
    }
  }, 60_000);
});
