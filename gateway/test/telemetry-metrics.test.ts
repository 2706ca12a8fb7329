/**
 * Metrics end to end: a real scrape of `GET /metrics` after a scripted run of traffic (JSON,
 * stream, upstream error with a retry, unknown model, cache miss and hit, guardrail block) has every family with the expected counts
 * and labels, passes `promtool check metrics`, shows the overhead header's exact value, and stays
 * bounded under a flood of distinct model names. Also the per-request log line.
 */
import { Pool } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { CATALOGUE, DURATION_BUCKETS, TTFT_BUCKETS } from "../src/telemetry/metrics.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { waitFor } from "../../tests/support/wait-for.ts";
import { logLines, parseScrape, postJson, promtoolCheck, scrape } from "./telemetry-support.ts";
import type { PostResult, Scrape } from "./telemetry-support.ts";

const MASTER_KEY = "sk-telemetry-test-master";
const AUTH = { authorization: `Bearer ${MASTER_KEY}` };
const messages = [{ role: "user", content: "hello there" }];

let mock: MockUpstream;
let gateway: GatewayProcess;

/** The Prometheus name the OTel exporter serves for a catalogue instrument. */
function served(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

let sent = 0;

/** A chat request with a unique prompt (the response cache is on: no accidental hits). */
function chat(model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<PostResult> {
  sent += 1;
  return postJson(gateway.url, "/v1/chat/completions", { model, messages: [{ role: "user", content: `hello there, request ${sent}` }], ...extra }, { ...AUTH, ...headers });
}

function usageOf(result: PostResult): { prompt_tokens: number; completion_tokens: number } {
  if (result.body.startsWith("data:")) {
    for (const line of result.body.split("\n").reverse()) {
      if (!line.startsWith("data: {")) continue;
      const chunk = JSON.parse(line.slice(6)) as { usage?: { prompt_tokens: number; completion_tokens: number } | null };
      if (chunk.usage) return chunk.usage;
    }
    throw new Error("no usage chunk in the stream");
  }
  return (JSON.parse(result.body) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
}

beforeAll(async () => {
  mock = await startMock();
  gateway = await startGateway({
    env: { PHAROS_DATA_DIR: "off", LITELLM_LOG: "INFO", OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=staging,service.name=ignored" },
    config: {
      model_list: [
        { model_name: "main", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1`, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }, model_info: { id: "main-1" } },
        { model_name: "flaky", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` }, model_info: { id: "flaky-a" } },
        { model_name: "flaky", litellm_params: { model: "openai/mock-gpt-b", api_base: `${mock.url}/v1` }, model_info: { id: "flaky-b" } },
        { model_name: "solo", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` }, model_info: { id: "solo-1" } },
        { model_name: "solo-stream", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` }, model_info: { id: "solo-stream-1" } },
        { model_name: "cached", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` }, model_info: { id: "cached-1" } },
        { model_name: "guarded", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` }, model_info: { id: "guarded-1" } },
      ],
      llm_guard: { enabled: true, input_scanning: { enabled: true, scanners: ["Secrets"] } },
      litellm_settings: { cache: true, cache_params: { type: "local" } },
      router_settings: { num_retries: 1, retry_after: 0 },
      general_settings: { master_key: MASTER_KEY },
    },
  });
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

describe("GET /metrics after scripted traffic", () => {
  let metrics: Scrape;
  const usages: { prompt_tokens: number; completion_tokens: number }[] = [];
  const callIds: string[] = [];
  let cachedUsage: { prompt_tokens: number; completion_tokens: number };

  beforeAll(async () => {
    for (const result of [await chat("main"), await chat("main"), await chat("main", { stream: true, stream_options: { include_usage: true } })]) {
      expect(result.status).toBe(200);
      usages.push(usageOf(result));
      callIds.push(String(result.headers["x-litellm-call-id"]));
    }
    mock.faults.push({ status: 500, times: 2, route: "chat" });
    expect((await chat("flaky")).status).toBe(500);
    expect((await chat("no-such-model")).status).toBe(404);
    const same = { model: "cached", messages: [{ role: "user", content: "the same question twice" }] };
    const miss = await postJson(gateway.url, "/v1/chat/completions", same, AUTH);
    const hit = await postJson(gateway.url, "/v1/chat/completions", same, AUTH);
    expect([miss.status, hit.status]).toEqual([200, 200]);
    expect(hit.headers["x-litellm-cache-key"]).toBeDefined();
    cachedUsage = usageOf(hit);
    const secret = "my key is AKIAIOSFODNN7EXAMPLE and the secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    expect((await postJson(gateway.url, "/v1/chat/completions", { model: "guarded", messages: [{ role: "user", content: secret }] }, AUTH)).status).toBe(400);
    metrics = await scrape(gateway.url);
  });

  it("answers 200 on the exact path, without a key, in the Prometheus text format", async () => {
    const response = await fetch(`${gateway.url}/metrics`, { redirect: "manual" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await response.text()).toContain("# TYPE pharos_requests_total counter");
  });

  it("is accepted by promtool check metrics", () => {
    const { code, output } = promtoolCheck(metrics.text);
    expect(output.trim()).toBe("");
    expect(code).toBe(0);
  });

  it("serves names as the OTel exporter does: no unit suffix, _total on counters", () => {
    expect(metrics.types.get("gen_ai_server_request_duration")).toBe("histogram");
    expect(metrics.types.get("pharos_requests_total")).toBe("counter");
    expect(metrics.types.get("pharos_requests_in_flight")).toBe("gauge");
    expect(metrics.text).not.toMatch(/_seconds_bucket|_milliseconds/);
    // OTEL_RESOURCE_ATTRIBUTES adds labels (metrics only, no traces here); Pharos's own name wins.
    expect(metrics.find("target_info")[0]?.labels).toMatchObject({ service_name: "pharos", deployment_environment: "staging" });
  });

  it("counts requests by route, model group and status class", () => {
    expect(metrics.sum("pharos_requests_total", { pharos_route: "chat_completions", gen_ai_request_model: "main", pharos_status_class: "2xx" })).toBe(3);
    expect(metrics.sum("pharos_requests_total", { pharos_route: "chat_completions", gen_ai_request_model: "flaky", pharos_status_class: "5xx" })).toBe(1);
    expect(metrics.sum("pharos_requests_total", { pharos_route: "chat_completions", gen_ai_request_model: "unknown", pharos_status_class: "4xx" })).toBe(1);
  });

  it("counts errors by type", () => {
    expect(metrics.sum("pharos_errors_total", { gen_ai_request_model: "flaky", error_type: "upstream_server_error" })).toBe(1);
    expect(metrics.sum("pharos_errors_total", { gen_ai_request_model: "unknown", error_type: "unknown_model" })).toBe(1);
    expect(metrics.sum("pharos_errors_total", { gen_ai_request_model: "main" })).toBe(0);
  });

  it("records gen_ai.server.request.duration with the semantic-convention buckets", () => {
    const labels = { gen_ai_operation_name: "chat", gen_ai_request_model: "main", gen_ai_provider_name: "openai", pharos_deployment_id: "main-1" };
    expect(metrics.sum("gen_ai_server_request_duration_count", labels)).toBe(3);
    const buckets = metrics.find("gen_ai_server_request_duration_bucket", labels);
    expect(buckets.map((bucket) => bucket.labels["le"])).toEqual([...DURATION_BUCKETS.map(String), "+Inf"]);
    expect(buckets.at(-1)?.value).toBe(3);
    const failed = { gen_ai_request_model: "flaky", error_type: "upstream_server_error" };
    expect(metrics.sum("gen_ai_server_request_duration_count", failed)).toBe(1);
  });

  it("records time to first token for the stream only, with its buckets", () => {
    const buckets = metrics.find("gen_ai_server_time_to_first_token_bucket", { gen_ai_request_model: "main" });
    expect(buckets.map((bucket) => bucket.labels["le"])).toEqual([...TTFT_BUCKETS.map(String), "+Inf"]);
    expect(metrics.sum("gen_ai_server_time_to_first_token_count", { gen_ai_request_model: "main" })).toBe(1);
  });

  it("records every upstream attempt, the retry included, and counts the retry", () => {
    expect(metrics.sum("gen_ai_client_operation_duration_count", { gen_ai_request_model: "main", pharos_deployment_id: "main-1" })).toBe(3);
    expect(metrics.sum("gen_ai_client_operation_duration_count", { gen_ai_request_model: "flaky", error_type: "upstream_server_error" })).toBe(2);
    expect(metrics.find("gen_ai_client_operation_duration_count", { gen_ai_request_model: "flaky" }).map((sample) => sample.labels["pharos_deployment_id"]).sort()).toEqual(["flaky-a", "flaky-b"]);
    expect(metrics.sum("pharos_retries_total", { gen_ai_request_model: "flaky" })).toBe(1);
  });

  it("sums input and output tokens as the upstream reported them, and their cost", () => {
    const input = usages.reduce((total, usage) => total + usage.prompt_tokens, 0);
    const output = usages.reduce((total, usage) => total + usage.completion_tokens, 0);
    expect(input).toBeGreaterThan(0);
    expect(metrics.sum("gen_ai_client_token_usage_sum", { gen_ai_request_model: "main", gen_ai_token_type: "input" })).toBe(input);
    expect(metrics.sum("gen_ai_client_token_usage_sum", { gen_ai_request_model: "main", gen_ai_token_type: "output" })).toBe(output);
    expect(metrics.sum("gen_ai_client_token_usage_count", { gen_ai_request_model: "main", gen_ai_token_type: "output" })).toBe(3);
    expect(metrics.sum("pharos_cost_usd_total", { gen_ai_request_model: "main", pharos_deployment_id: "main-1" })).toBeCloseTo(input * 0.000001 + output * 0.000002, 12);
  });

  it("counts cache lookups by result and backend, and the tokens a hit saved", () => {
    expect(metrics.sum("pharos_cache_lookups_total", { gen_ai_request_model: "cached", pharos_cache_result: "miss", pharos_cache_backend: "memory" })).toBe(1);
    expect(metrics.sum("pharos_cache_lookups_total", { gen_ai_request_model: "cached", pharos_cache_result: "hit", pharos_cache_backend: "memory" })).toBe(1);
    expect(metrics.sum("pharos_cache_lookups_total", { gen_ai_request_model: "main", pharos_cache_result: "miss" })).toBe(3);
    expect(metrics.sum("pharos_cache_lookup_duration_count", { pharos_cache_backend: "memory", pharos_cache_result: "hit" })).toBe(1);
    expect(metrics.sum("pharos_cache_tokens_total", { gen_ai_request_model: "cached", gen_ai_token_type: "output" })).toBe(cachedUsage.completion_tokens);
    // The hit never reached an upstream: one attempt and one token observation for the group, from the miss.
    expect(metrics.sum("gen_ai_client_operation_duration_count", { gen_ai_request_model: "cached" })).toBe(1);
    expect(metrics.sum("gen_ai_client_token_usage_count", { gen_ai_request_model: "cached", gen_ai_token_type: "output" })).toBe(1);
    expect(metrics.sum("pharos_requests_total", { gen_ai_request_model: "cached", pharos_status_class: "2xx" })).toBe(2);
  });

  it("counts guardrail blocks and times every scan", () => {
    expect(metrics.sum("pharos_guardrail_blocks_total", { pharos_guardrail_scanner: "Secrets", pharos_guardrail_direction: "input" })).toBe(1);
    expect(metrics.sum("pharos_errors_total", { gen_ai_request_model: "guarded", error_type: "guardrail_violation" })).toBe(1);
    // Every proxied request with a known model group was scanned once on the way in.
    expect(metrics.sum("pharos_guardrail_scan_duration_count", { pharos_guardrail_scanner: "Secrets", pharos_guardrail_direction: "input" })).toBeGreaterThanOrEqual(6);
  });

  it("shows the overhead histogram, the upstream pool, in-flight and deployment state gauges", () => {
    expect(metrics.sum("pharos_overhead_duration_count", { pharos_route: "chat_completions", gen_ai_request_model: "main" })).toBe(3);
    const origin = new URL(mock.url).origin;
    expect(metrics.find("http_client_open_connections", { server_address: origin }).map((sample) => sample.labels["http_connection_state"]).sort()).toEqual(["active", "idle"]);
    expect(metrics.sum("http_client_open_connections", { server_address: origin })).toBeGreaterThanOrEqual(1);
    expect(metrics.find("pharos_upstream_pool_requests", { server_address: origin })).toHaveLength(2);
    expect(metrics.find("pharos_requests_in_flight")).toHaveLength(1);
    expect(metrics.find("pharos_deployment_state").map((sample) => sample.labels["pharos_deployment_id"]).sort()).toEqual(["cached-1", "flaky-a", "flaky-b", "guarded-1", "main-1", "solo-1", "solo-stream-1"]);
  });

  it("shows process and runtime metrics", () => {
    for (const name of ["process_memory_usage", "v8js_memory_heap_used", "v8js_memory_heap_limit", "process_open_file_descriptors", "pharos_workers"]) {
      expect(metrics.sum(name), name).toBeGreaterThan(0);
    }
    expect(metrics.find("process_cpu_time_total").map((sample) => sample.labels["cpu_mode"]).sort()).toEqual(["system", "user"]);
    expect(metrics.find("nodejs_eventloop_utilization")).toHaveLength(1);
    expect(metrics.find("nodejs_eventloop_delay_p99")).toHaveLength(1);
    expect(metrics.sum("nodejs_active_resources")).toBeGreaterThan(0);
  });

  it("uses allow-listed labels only: no key, call id or client text anywhere", () => {
    // Resource labels (target_info), including the operator's own from OTEL_RESOURCE_ATTRIBUTES.
    const allowed = new Set(["le", "otel_metric_overflow", "service_name", "service_version", "service_instance_id", "telemetry_sdk_language", "telemetry_sdk_name", "telemetry_sdk_version", "deployment_environment"]);
    for (const spec of Object.values(CATALOGUE)) for (const key of spec.attributes) allowed.add(served(key));
    for (const sample of metrics.samples) for (const label of Object.keys(sample.labels)) expect(allowed, `${sample.name}{${label}}`).toContain(label);
    expect(metrics.text).not.toContain(MASTER_KEY);
    expect(metrics.text).not.toContain("no-such-model");
    for (const id of callIds) expect(metrics.text).not.toContain(id);
  });

  it("logs one JSON line per request at INFO with the request's facts", async () => {
    const lines = await waitFor(() => {
      const found = logLines(gateway.output()).filter((line) => line["component"] === "request" && line["callId"] === callIds[2]);
      return found.length > 0 ? found : undefined;
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, route: "chat_completions", status: 200, group: "main", deployment: "main-1", provider: "openai", stream: true });
    for (const key of ["durationMs", "upstreamMs", "overheadMs", "ttftMs", "inputTokens", "outputTokens", "costUsd"]) expect(typeof lines[0]![key], key).toBe("number");
    const failed = logLines(gateway.output()).filter((line) => line["component"] === "request" && line["group"] === "flaky");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ status: 500, errorCode: "upstream_server_error", retries: 1 });
    expect(gateway.output()).not.toContain(MASTER_KEY);
  });
});

describe("the overhead histogram", () => {
  it("records exactly the x-litellm-overhead-duration-ms header of the same request (JSON and stream)", async () => {
    const json = await chat("solo");
    const stream = await chat("solo-stream", { stream: true });
    const metrics = await scrape(gateway.url);
    for (const [group, result] of [["solo", json], ["solo-stream", stream]] as const) {
      const header = Number(result.headers["x-litellm-overhead-duration-ms"]);
      expect(header, group).toBeGreaterThan(0);
      const labels = { pharos_route: "chat_completions", gen_ai_request_model: group };
      expect(metrics.sum("pharos_overhead_duration_count", labels)).toBe(1);
      // The header shows milliseconds with three decimals; the histogram keeps seconds unrounded.
      expect(Math.abs(metrics.sum("pharos_overhead_duration_sum", labels) * 1000 - header), group).toBeLessThanOrEqual(0.0005 + 1e-9);
    }
  });
});

describe("cardinality", () => {
  it("folds 10,000 distinct bogus model names into one series per instrument", async () => {
    // Its own gateway at ERROR: 10,000 request log lines would only slow this down.
    const quiet = await startGateway({ env: { PHAROS_DATA_DIR: "off", LITELLM_LOG: "ERROR" }, config: { model_list: [{ model_name: "main", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` } }], general_settings: { master_key: MASTER_KEY } } });
    const names = Array.from({ length: 10_000 }, (_, i) => `bogus-model-${i}-${Math.random().toString(36).slice(2)}`);
    const pool = new Pool(quiet.url, { connections: 8, pipelining: 4 });
    let next = 0;
    const statuses = new Map<number, number>();
    const agent = async (): Promise<void> => {
      while (next < names.length) {
        const model = names[next++]!;
        const response = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json", ...AUTH }, body: JSON.stringify({ model, messages }) });
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        await response.body.dump();
      }
    };
    await Promise.all(Array.from({ length: 32 }, agent));
    await pool.close();
    expect(statuses).toEqual(new Map([[404, 10_000]]));
    const response = await fetch(`${quiet.url}/metrics`);
    const text = await response.text();
    expect(logLines(quiet.output()).filter((line) => line["component"] === "request")).toEqual([]); // no request lines at ERROR
    await quiet.stop();
    const metrics = parseScrape(text);
    expect(metrics.sum("pharos_requests_total", { gen_ai_request_model: "unknown", pharos_status_class: "4xx" })).toBeGreaterThanOrEqual(10_000);
    const groups = new Set(metrics.samples.map((sample) => sample.labels["gen_ai_request_model"]).filter((group) => group !== undefined));
    expect(groups).toContain("unknown");
    expect([...groups].sort()).toEqual(["main", "unknown"]);
    expect(metrics.samples.length).toBeLessThan(1500);
    expect(text).not.toContain("bogus-model");
  }, 60_000);
});
