/**
 * Metrics across cluster workers: one scrape returns the sum over every worker (counters and
 * histograms bucket by bucket), from any worker or the primary's standalone metrics port, and
 * recycled workers' counts are neither lost nor counted twice. A pool is reported by the process
 * that owns it: the embedded database's one connection, held by the primary, is counted once,
 * not once per worker.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { freePort } from "../../tests/support/ports.ts";
import { removeTempDirs, tempDir } from "../../tests/support/temp-dir.ts";
import { waitFor } from "../../tests/support/wait-for.ts";
import { logLines, postJson, scrape } from "./telemetry-support.ts";
import type { Scrape } from "./telemetry-support.ts";
import { processAlive } from "../src/process-alive.ts";

let mock: MockUpstream;

beforeAll(async () => {
  mock = await startMock();
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

function config(): Record<string, unknown> {
  return { model_list: [{ model_name: "main", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` }, model_info: { id: "main-1" } }] };
}

/** K chat requests, each on a new connection so the cluster spreads them over its workers. */
async function send(url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const result = await postJson(url, "/v1/chat/completions", { model: "main", messages: [{ role: "user", content: `hello ${i}` }] });
    expect(result.status).toBe(200);
  }
}

function servingPids(gateway: GatewayProcess): Set<number> {
  return new Set(logLines(gateway.output()).filter((line) => line["component"] === "request" && line["route"] === "chat_completions").map((line) => Number(line["pid"])));
}

/** Sends requests until both workers have answered one (the second may still be booting); returns how many. */
async function warmBothWorkers(gateway: GatewayProcess): Promise<number> {
  let sent = 0;
  await waitFor(
    async () => {
      await send(gateway.url, 1);
      sent += 1;
      return servingPids(gateway).size >= 2;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: "both workers answering" },
  );
  return sent;
}

const CHAT = { pharos_route: "chat_completions", gen_ai_request_model: "main" };

function expectCounts(metrics: Scrape, count: number): void {
  expect(metrics.sum("pharos_requests_total", { ...CHAT, pharos_status_class: "2xx" })).toBe(count);
  expect(metrics.sum("gen_ai_server_request_duration_count", { gen_ai_request_model: "main" })).toBe(count);
  // Histograms merge bucket by bucket: the +Inf bucket equals the count, buckets never decrease.
  const buckets = metrics.find("gen_ai_server_request_duration_bucket", { gen_ai_request_model: "main" });
  expect(buckets.at(-1)?.labels["le"]).toBe("+Inf");
  expect(buckets.at(-1)?.value).toBe(count);
  for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
  expect(metrics.sum("gen_ai_client_operation_duration_count", { gen_ai_request_model: "main" })).toBe(count);
  expect(metrics.sum("pharos_overhead_duration_count", CHAT)).toBe(count);
}

describe("with 2 workers", () => {
  it("one scrape counts exactly the K requests sent, whichever worker answers it", async () => {
    const metricsPort = await freePort();
    const gateway = await startGateway({ config: config(), args: ["--num-workers", "2"], env: { PHAROS_DATA_DIR: "off", LITELLM_LOG: "INFO", OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort), OTEL_EXPORTER_PROMETHEUS_HOST: "127.0.0.1" } });
    const warm = await warmBothWorkers(gateway);
    await send(gateway.url, 20);
    const K = warm + 20;
    for (let i = 0; i < 4; i++) {
      const metrics = await scrape(gateway.url); // on a new connection each: either worker
      expectCounts(metrics, K);
      expect(metrics.sum("pharos_workers")).toBe(2);
    }
    // The primary's standalone metrics port serves the same merge.
    const fromPrimary = await scrape(`http://127.0.0.1:${metricsPort}`);
    expectCounts(fromPrimary, K);
    expect(fromPrimary.sum("pharos_workers")).toBe(2);
    await gateway.stop();
  });
});

describe("with 2 workers on the embedded database", () => {
  it("reports the primary's one PGlite connection once, whichever worker answers the scrape", { timeout: 60_000 }, async () => {
    const gateway = await startGateway({ config: config(), args: ["--num-workers", "2"], env: { PHAROS_DATA_DIR: tempDir("pharos-cluster-db-"), LITELLM_LOG: "INFO" } });
    await warmBothWorkers(gateway);
    const embedded = { db_system_name: "postgresql", db_client_connection_pool_name: "embedded" };
    for (let i = 0; i < 4; i++) {
      const metrics = await scrape(gateway.url); // on a new connection each: either worker
      expect(metrics.sum("pharos_workers")).toBe(2);
      expect(metrics.sum("db_client_connections_max", embedded)).toBe(1);
      // used + idle: the one connection, open (booted) and counted once.
      expect(metrics.sum("db_client_connections_usage", embedded)).toBe(1);
      expect(metrics.find("db_client_connections_max", { db_system_name: "postgresql" }).map((sample) => sample.labels["db_client_connection_pool_name"])).toEqual(["embedded"]);
    }
    await gateway.stop();
  });
});

describe("with recycled workers", () => {
  it("keeps exited workers' counts once: the counters still read K", async () => {
    const gateway = await startGateway({ config: config(), args: ["--num-workers", "2", "--max-requests-before-restart", "8"], env: { PHAROS_DATA_DIR: "off", LITELLM_LOG: "INFO" } });
    const warm = await warmBothWorkers(gateway);
    await send(gateway.url, 24);
    const K = warm + 24;
    // A worker that served 8 requests is replaced once its replacement listens, then drains and
    // exits: wait until at least one worker that answered requests is gone.
    const servers = servingPids(gateway);
    await waitFor(() => [...servers].some((pid) => !processAlive(pid)), { timeoutMs: 45_000, intervalMs: 200, what: "a recycled worker to exit" });
    expect(logLines(gateway.output()).some((line) => line["msg"] === "recycling worker after max_requests_before_restart")).toBe(true);
    const metrics = await scrape(gateway.url);
    expectCounts(metrics, K);
    // More traffic after the recycling adds up on top.
    await send(gateway.url, 5);
    expectCounts(await scrape(gateway.url), K + 5);
    await gateway.stop();
  }, 90_000);
});
