/**
 * Each routing strategy end to end: a real `pharos serve` per strategy, mock upstreams that
 * count hits, and the distribution of requests the mocks saw.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockUpstream, MockUpstreamOptions } from "../src/mock/mock-upstream.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { NO_DB, awayFromMinuteEdge, chat, chatHits, deployment } from "./router-support.ts";

interface Setup {
  readonly gateway: GatewayProcess;
  readonly a: MockUpstream;
  readonly b: MockUpstream;
  readonly c: MockUpstream;
}

type Models = (a: MockUpstream, b: MockUpstream, c: MockUpstream) => Record<string, unknown>;

/** One gateway per strategy, started one after the other (parallel boots only contend for the CPU). */
const CONFIGS: Record<string, { mocks?: MockUpstreamOptions; config: Models }> = {
  roundRobin: { config: (a, b, c) => ({ model_list: [deployment("g", "a", a), deployment("g", "b", b), deployment("g", "c", c)], router_settings: { routing_strategy: "round_robin" } }) },
  weighted: { config: (a, b) => ({ model_list: [deployment("g", "a", a, { weight: 1 }), deployment("g", "b", b, { weight: 4 })], load_balancing_config: { strategy: "weighted" } }) },
  // least-busy; its third mock serves a second group whose two deployments have rpm limits.
  leastBusy: {
    mocks: { chunkDelayMs: 150 },
    config: (a, b, c) => ({
      model_list: [deployment("g", "a", a), deployment("g", "b", b), deployment("limited", "c2", c, { rpm: 2 }), deployment("limited", "c3", c, { rpm: 3 })],
      router_settings: { routing_strategy: "least-busy" },
    }),
  },
  latency: { config: (a, b) => ({ model_list: [deployment("g", "a", a), deployment("g", "b", b)], router_settings: { routing_strategy: "latency-based-routing" } }) },
  usage: { config: (a, b) => ({ model_list: [deployment("g", "a", a, { rpm: 10 }), deployment("g", "b", b, { rpm: 30 })], router_settings: { routing_strategy: "usage-based-routing" } }) },
};

const setups: Record<string, Setup> = {};

beforeAll(async () => {
  await awayFromMinuteEdge(30);
  for (const [name, spec] of Object.entries(CONFIGS)) {
    const a = await startMock(name === "latency" ? { latencyMs: 120 } : spec.mocks);
    const b = await startMock(spec.mocks);
    const c = await startMock(spec.mocks);
    setups[name] = { gateway: await startGateway({ config: spec.config(a, b, c), env: NO_DB }), a, b, c };
  }
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

async function sequential(url: string, group: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await chat(url, group)).status);
  return statuses;
}

describe("routing strategies", () => {
  it("round_robin takes the deployments in turn", async () => {
    const { gateway, a, b, c } = setups["roundRobin"]!;
    expect(await sequential(gateway.url, "g", 9)).toEqual(Array(9).fill(200));
    expect([chatHits(a), chatHits(b), chatHits(c)]).toEqual([3, 3, 3]);
  });

  it("weighted (the seeds' name for simple-shuffle) follows the weights", async () => {
    const { gateway, a, b } = setups["weighted"]!;
    await sequential(gateway.url, "g", 150);
    expect(chatHits(a) + chatHits(b)).toBe(150);
    const ratio = chatHits(b) / Math.max(1, chatHits(a));
    expect(ratio).toBeGreaterThan(2);
    expect(ratio).toBeLessThan(9);
  });

  it("least-busy sends new requests away from a deployment holding a stream, until the stream ends", async () => {
    const { gateway, a, b } = setups["leastBusy"]!;
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "g", stream: true, messages: [{ role: "user", content: "a long story" }] }),
    });
    const holder = response.headers.get("x-litellm-model-id");
    expect(["a", "b"]).toContain(holder);
    const busy = holder === "a" ? a : b;
    const idle = holder === "a" ? b : a;
    const busyBefore = chatHits(busy);
    await sequential(gateway.url, "g", 8);
    expect(chatHits(busy)).toBe(busyBefore);
    expect(chatHits(idle)).toBe(8);
    // The stream ends: its in-flight slot is released and both share the load again.
    await response.text();
    await sequential(gateway.url, "g", 30);
    expect(chatHits(busy) - busyBefore).toBeGreaterThan(3);
  });

  it("latency-based-routing prefers the faster deployment", async () => {
    const { gateway, a, b } = setups["latency"]!;
    await sequential(gateway.url, "g", 20);
    // Each is measured once (an unmeasured deployment is tried first), then the fast one wins.
    expect(chatHits(a)).toBeLessThanOrEqual(2);
    expect(chatHits(b)).toBeGreaterThanOrEqual(18);
  });

  it("usage-based-routing spreads load in proportion to each deployment's rpm", async () => {
    const { gateway, a, b } = setups["usage"]!;
    await sequential(gateway.url, "g", 20);
    expect(chatHits(a)).toBeGreaterThanOrEqual(3);
    expect(chatHits(a)).toBeLessThanOrEqual(7);
    expect(chatHits(a) + chatHits(b)).toBe(20);
  });

  it("every strategy skips deployments over their own rpm, and says so when none is left", async () => {
    const { gateway, c } = setups["leastBusy"]!;
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await chat(gateway.url, "limited"));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    const byDeployment = answers.map((answer) => answer.headers.get("x-litellm-model-id")).sort();
    expect(byDeployment).toEqual(["c2", "c2", "c3", "c3", "c3"]);
    const refused = await chat(gateway.url, "limited");
    expect(refused.status).toBe(429);
    const message = (refused.body as { error: { message: string } }).error.message;
    expect(message).toContain("reached its rpm limit (2) for this minute");
    expect(message).toContain("reached its rpm limit (3) for this minute");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(chatHits(c)).toBe(5);
    // Counted as a rate-limit rejection of scope "deployment" (not only as no_healthy_deployment).
    const scrape = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(scrape).toMatch(/^pharos_rate_limit_rejections_total\{[^}]*pharos_rate_limit_scope="deployment"[^}]*gen_ai_request_model="limited"[^}]*\} 1$/m);
  });
});
