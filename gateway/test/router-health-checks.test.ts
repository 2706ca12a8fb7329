/**
 * Background health checks end to end (the seed's health_check block): an Ollama server that
 * goes down is taken out after `unhealthy_threshold` failed probes and gets no traffic; when it
 * comes back, `healthy_threshold` good probes return it to service. /health answers from the
 * cached state instead of probing.
 */
import { afterAll, expect, it } from "vitest";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { waitFor } from "../../tests/support/wait-for.ts";
import { NO_DB, chat } from "./router-support.ts";

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

interface HealthReport {
  healthy_count: number;
  unhealthy_count: number;
  unhealthy_endpoints: Array<{ model_id: string; error: string }>;
}

it("takes out a server that goes down and brings it back when it returns", async () => {
  const one = await startMock();
  const two = await startMock();
  const onePort = Number(new URL(one.url).port);
  const gateway = await startGateway({
    env: NO_DB,
    config: {
      model_list: [
        { model_name: "llama", litellm_params: { model: "ollama_chat/llama3.2", api_base: one.url }, model_info: { id: "one" } },
        { model_name: "llama", litellm_params: { model: "ollama_chat/llama3.2", api_base: two.url }, model_info: { id: "two" } },
      ],
      router_settings: { routing_strategy: "round_robin", num_retries: 0 },
      load_balancing_config: { strategy: "round_robin", health_check_enabled: true, health_check_interval: 0.3 },
      health_check: { endpoint: "/api/tags", expected_response_field: "models", unhealthy_threshold: 2, healthy_threshold: 2, health_check_timeout: 1 },
    },
  });
  const health = async (): Promise<HealthReport> => (await (await fetch(`${gateway.url}/health`)).json()) as HealthReport;
  await waitFor(async () => (await health()).healthy_count === 2, { what: "both healthy" });
  const tagsBefore = two.stats().hits["ollama /api/tags"] ?? 0;

  // Server one goes down.
  await one.close();
  const down = await waitFor(async () => {
    const report = await health();
    return report.unhealthy_count === 1 ? report : undefined;
  }, { what: "server one taken out", timeoutMs: 5000 });
  expect(down.unhealthy_endpoints[0]).toMatchObject({ model_id: "one", error: expect.stringContaining("2 failed health checks in a row") });
  // /health reads the cache: it does not probe on demand (two's probes come from the interval only).
  const beforeReads = two.stats().hits["ollama /api/tags"] ?? 0;
  for (let i = 0; i < 5; i++) await health();
  expect((two.stats().hits["ollama /api/tags"] ?? 0) - beforeReads).toBeLessThanOrEqual(1);
  expect((two.stats().hits["ollama /api/tags"] ?? 0)).toBeGreaterThan(tagsBefore);
  // No request is sent to the dead server: every one succeeds on server two.
  const chatsBefore = two.stats().hits["ollama /api/chat"] ?? 0;
  for (let i = 0; i < 6; i++) {
    const answer = await chat(gateway.url, "llama");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-litellm-model-id")).toBe("two");
  }
  expect((two.stats().hits["ollama /api/chat"] ?? 0) - chatsBefore).toBe(6);

  // Server one comes back on the same port; it must answer "models" to count as healthy.
  await one.listen(onePort);
  await waitFor(async () => (await health()).healthy_count === 2, { what: "server one back in service", timeoutMs: 5000 });
  const ids = new Set<string | null>();
  for (let i = 0; i < 6; i++) ids.add((await chat(gateway.url, "llama")).headers.get("x-litellm-model-id"));
  expect(ids).toEqual(new Set(["one", "two"]));
  expect(one.stats().hits["ollama /api/chat"]).toBeGreaterThan(0);
});
