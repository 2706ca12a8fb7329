import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.ts";
import type { Transport } from "../providers/transport.ts";
import type { RequestRecord } from "../request-state.ts";
import { buildDeployments } from "../router/deployments.ts";
import { MetricStore } from "./metric-store.ts";
import type { HistogramValue } from "./metric-store.ts";
import { PharosMetrics } from "./metrics.ts";
import { recordRequest } from "./request-metrics.ts";
import { requestRecord } from "../../../tests/support/request-record.ts";

const transport: Transport = { request: () => Promise.reject(new Error("no I/O")), stats: () => undefined, close: () => Promise.resolve() };
const { table } = buildDeployments(parseConfigText(`model_list:\n  - { model_name: g, litellm_params: { model: openai/gpt-4o, api_base: "http://a.test/v1" }, model_info: { id: d1 } }\n`, "test", {}).config, {}, { http: () => transport, inProcess: () => transport });
const deployment = table.byId.get("d1")!;

/** A successful stream of 11 output tokens: 100 ms to the first chunk, 1,100 ms in all. */
function stream(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return requestRecord({
    deployment,
    stream: true,
    durationMs: 1100,
    upstreamMs: 1000,
    timeToFirstChunkMs: 100,
    usage: { prompt_tokens: 5, completion_tokens: 11, total_tokens: 16 },
    cacheResult: "miss",
    finishReasons: ["stop"],
    ...overrides,
  });
}

function histogram(metrics: PharosMetrics, name: string): HistogramValue | undefined {
  const series = metrics.snapshot().series[name] ?? [];
  expect(series.length).toBeLessThanOrEqual(1);
  return series[0]?.value as HistogramValue | undefined;
}

describe("gen_ai.server.time_per_output_token", () => {
  it("records (duration − time to first token) / (output tokens − 1) for a streamed answer from an upstream", () => {
    const metrics = new PharosMetrics(new MetricStore());
    metrics.setModelGroups(["g"]);
    recordRequest(metrics, stream());
    const tpot = histogram(metrics, "gen_ai.server.time_per_output_token");
    expect(tpot?.count).toBe(1);
    expect(tpot?.sum).toBeCloseTo(0.1, 9); // (1.1 s − 0.1 s) / 10
  });

  it("leaves out cache hits (a replay is not the model's speed), but keeps their time to first token", () => {
    const metrics = new PharosMetrics(new MetricStore());
    metrics.setModelGroups(["g"]);
    recordRequest(metrics, stream({ cacheResult: "hit", deployment: undefined, durationMs: 2, timeToFirstChunkMs: 1, costUsd: 0 }));
    expect(histogram(metrics, "gen_ai.server.time_per_output_token")).toBeUndefined();
    expect(histogram(metrics, "gen_ai.server.time_to_first_token")?.count).toBe(1);
    recordRequest(metrics, stream());
    expect(histogram(metrics, "gen_ai.server.time_per_output_token")?.count).toBe(1);
  });

  it("leaves out failed streams and single-token answers", () => {
    const metrics = new PharosMetrics(new MetricStore());
    metrics.setModelGroups(["g"]);
    recordRequest(metrics, stream({ errorCode: "upstream_connection" }));
    recordRequest(metrics, stream({ usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } }));
    expect(histogram(metrics, "gen_ai.server.time_per_output_token")).toBeUndefined();
  });
});
