/**
 * Router resilience end to end, with real `pharos serve` processes and mock upstreams that
 * count hits: cooldowns after allowed_fails (and recovery), single-deployment groups, 400s
 * that never cool, retries on another deployment, fallback chains in order, context-window
 * errors to their own list, and what the client is told when nothing can answer; pre-call
 * checks (enable_pre_call_checks) against max_input_tokens, through the official openai client.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI from "openai";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { openaiClient } from "../../tests/support/openai-client.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { waitFor } from "../../tests/support/wait-for.ts";
import { NO_DB, chat, chatHits, deployment, streamChat } from "./router-support.ts";

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

describe("cooldowns (num_retries 0, round robin)", () => {
  let gateway: GatewayProcess;
  const mocks: Record<string, MockUpstream> = {};

  beforeAll(async () => {
    for (const name of ["a", "b", "c", "d", "solo", "strict"]) mocks[name] = await startMock();
    gateway = await startGateway({
      env: NO_DB,
      config: {
        model_list: [
          deployment("pool", "a", mocks["a"]!, { allowed_fails: 1, cooldown_time: 2 }),
          deployment("pool", "b", mocks["b"]!, { allowed_fails: 1, cooldown_time: 2 }),
          deployment("pool400", "c", mocks["c"]!, { allowed_fails: 0, cooldown_time: 30 }),
          deployment("pool400", "d", mocks["d"]!, { allowed_fails: 0, cooldown_time: 30 }),
          deployment("solo", "solo", mocks["solo"]!),
          deployment("strict", "strict", mocks["strict"]!, { allowed_fails: 0, cooldown_time: 1 }),
        ],
        router_settings: { routing_strategy: "round_robin", num_retries: 0 },
      },
    });
  });

  beforeEach(() => {
    for (const mock of Object.values(mocks)) {
      mock.faults.clear();
      mock.resetStats();
    }
  });

  it("cools a deployment returning 500s after allowed_fails, sends it nothing for cooldown_time, then recovers", async () => {
    mocks["a"]!.faults.setDefault({ status: 500, message: "GPU on fire" });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await chat(gateway.url, "pool")).status);
    // Round robin: a, b, a (second failure > allowed_fails 1: cooled), then b only.
    expect(chatHits(mocks["a"]!)).toBe(2);
    expect(chatHits(mocks["b"]!)).toBe(8);
    expect(statuses.filter((status) => status === 500)).toHaveLength(2);
    for (let i = 0; i < 5; i++) expect((await chat(gateway.url, "pool")).status).toBe(200);
    expect(chatHits(mocks["a"]!)).toBe(2);
    // The server heals; after cooldown_time a probe request finds it and traffic returns.
    mocks["a"]!.faults.clear();
    await sleep(2300);
    for (let i = 0; i < 6; i++) expect((await chat(gateway.url, "pool")).status).toBe(200);
    expect(chatHits(mocks["a"]!)).toBeGreaterThanOrEqual(4);
  });

  it("never cools a deployment for 400s (the client's fault)", async () => {
    mocks["c"]!.faults.setDefault({ status: 400, message: "bad parameter" });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await chat(gateway.url, "pool400")).status);
    expect(chatHits(mocks["c"]!)).toBe(4);
    expect(chatHits(mocks["d"]!)).toBe(4);
    expect(statuses.filter((status) => status === 400)).toHaveLength(4);
  });

  it("keeps sending to the only deployment of a group unless allowed_fails is set explicitly", async () => {
    mocks["solo"]!.faults.setDefault({ status: 503, message: "overloaded" });
    for (let i = 0; i < 6; i++) expect((await chat(gateway.url, "solo")).status).toBe(503);
    expect(chatHits(mocks["solo"]!)).toBe(6);
  });

  it("answers 429 naming the cooling deployment and the seconds left, with Retry-After", async () => {
    mocks["strict"]!.faults.push({ status: 500, message: "boom" });
    expect((await chat(gateway.url, "strict")).status).toBe(500);
    const refused = await chat(gateway.url, "strict");
    expect(refused.status).toBe(429);
    const message = (refused.body as { error: { message: string } }).error.message;
    expect(message).toContain('No healthy deployment in model group "strict"');
    expect(message).toContain(`strict (${mocks["strict"]!.url}/v1) is cooling down for`);
    expect(message).toMatch(/cooling down for [01]\.\ds more/);
    expect(message).toContain("upstream_server_error");
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(chatHits(mocks["strict"]!)).toBe(1);
    // Telemetry sees it: the cooldown counted with its reason, the deployment out of rotation.
    const scrape = await (await fetch(`${gateway.url}/metrics`)).text();
    const series = (name: string): string[] => scrape.split("\n").filter((line) => line.startsWith(`${name}{`) && line.includes('pharos_deployment_id="strict"'));
    expect(series("pharos_cooldowns_total")).toEqual([expect.stringMatching(/pharos_cooldown_reason="upstream_server_error".*\} 1$/)]);
    expect(series("pharos_deployment_state")).toEqual([expect.stringMatching(/\} 2$/)]);
    await sleep(1200);
    expect((await chat(gateway.url, "strict")).status).toBe(200);
    expect(chatHits(mocks["strict"]!)).toBe(2);
  });
});

describe("half-open probing (num_retries 0)", () => {
  let gateway: GatewayProcess;
  const mocks: Record<string, MockUpstream> = {};

  beforeAll(async () => {
    for (const name of ["lone", "half", "other"]) mocks[name] = await startMock();
    gateway = await startGateway({
      env: NO_DB,
      config: {
        model_list: [deployment("solo", "lone", mocks["lone"]!), deployment("pair", "half", mocks["half"]!), deployment("pair", "other", mocks["other"]!)],
        router_settings: { routing_strategy: "round_robin", num_retries: 0, allowed_fails: 0, cooldown_time: 1 },
      },
    });
  });

  it("lets one probe through after a cooldown; while it is pending, others keep away from that deployment", async () => {
    const lone = mocks["lone"]!;
    const half = mocks["half"]!;
    lone.faults.push({ status: 500, message: "lone broke" });
    expect((await chat(gateway.url, "solo")).status).toBe(500);
    half.faults.push({ status: 500, message: "half broke" });
    while (chatHits(half) === 0) await chat(gateway.url, "pair");
    await sleep(1100);
    // Cooldowns over: the next request to each is its probe, and takes 1.5 s to answer.
    lone.faults.push({ latencyMs: 1500 });
    half.faults.push({ latencyMs: 1500 });
    const probes = [chat(gateway.url, "solo")];
    while (chatHits(half) === 1) {
      probes.push(chat(gateway.url, "pair"));
      await sleep(30);
    }
    await waitFor(() => chatHits(lone) === 2, { what: "the solo probe at its upstream" });
    // While they decide: the solo group answers 429 saying why; the pair sends everything to the other.
    const refused = await chat(gateway.url, "solo");
    expect(refused.status).toBe(429);
    expect((refused.body as { error: { message: string } }).error.message).toContain(`lone (${lone.url}/v1) is being probed after its cooldown`);
    const meanwhile = await Promise.all(Array.from({ length: 4 }, () => chat(gateway.url, "pair")));
    expect(meanwhile.map((answer) => answer.headers.get("x-litellm-model-id"))).toEqual(Array(4).fill("other"));
    expect([chatHits(lone), chatHits(half)]).toEqual([2, 2]);
    expect((await Promise.all(probes)).map((answer) => answer.status)).toEqual(probes.map(() => 200));
    // The probes succeeded: both are back in rotation.
    expect((await chat(gateway.url, "solo")).status).toBe(200);
    for (let i = 0; i < 2; i++) await chat(gateway.url, "pair");
    expect([chatHits(lone), chatHits(half)]).toEqual([3, 3]);
  });
});

describe("retries and fallbacks (num_retries 1)", () => {
  let gateway: GatewayProcess;
  const mocks: Record<string, MockUpstream> = {};

  beforeAll(async () => {
    for (const name of ["r1", "r2", "primary", "fb1", "fb2", "long"]) mocks[name] = await startMock();
    gateway = await startGateway({
      env: NO_DB,
      config: {
        model_list: [
          deployment("pair", "r1", mocks["r1"]!),
          deployment("pair", "r2", mocks["r2"]!),
          deployment("primary", "primary", mocks["primary"]!),
          deployment("fb1", "fb1", mocks["fb1"]!),
          deployment("fb2", "fb2", mocks["fb2"]!),
          deployment("long", "long", mocks["long"]!),
        ],
        router_settings: {
          routing_strategy: "round_robin",
          num_retries: 1,
          fallbacks: [{ primary: ["fb1", "fb2"] }],
          context_window_fallbacks: [{ primary: ["long"] }],
        },
      },
    });
  });

  beforeEach(() => {
    for (const mock of Object.values(mocks)) {
      mock.faults.clear();
      mock.resetStats();
    }
  });

  it("retries on the other deployment at once and says so in the headers", async () => {
    mocks["r1"]!.faults.setDefault({ status: 503, message: "busy" });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await chat(gateway.url, "pair"));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get("x-litellm-model-id")).toBe("r2");
      expect(answer.headers.get("x-litellm-attempted-fallbacks")).toBe("0");
    }
    const retried = answers.filter((answer) => answer.headers.get("x-litellm-attempted-retries") === "1").length;
    expect(retried).toBeGreaterThanOrEqual(1);
    // Every failure on r1 was retried once, on r2, at once.
    expect(chatHits(mocks["r1"]!)).toBe(retried);
    expect(chatHits(mocks["r2"]!)).toBe(4);
  });

  it("retries a stream that fails before its first chunk, and the client sees one clean stream", async () => {
    mocks["r1"]!.faults.setDefault({ status: 500 });
    const streams = [await streamChat(gateway.url, "pair"), await streamChat(gateway.url, "pair")];
    for (const stream of streams) {
      expect(stream.status).toBe(200);
      expect(stream.headers.get("x-litellm-model-id")).toBe("r2");
      expect(stream.frames.at(-1)).toBe("[DONE]");
      expect(stream.frames.some((frame) => frame.includes('"error"'))).toBe(false);
    }
    expect(chatHits(mocks["r2"]!)).toBe(2);
  });

  it("falls back in order, each group with its own retries; the body names the model that answered", async () => {
    mocks["primary"]!.faults.setDefault({ status: 500, message: "primary down" });
    mocks["fb1"]!.faults.setDefault({ status: 502, message: "fb1 down" });
    const answer = await chat(gateway.url, "primary");
    expect(answer.status).toBe(200);
    expect((answer.body as { model: string }).model).toBe("fb2-model");
    expect(answer.headers.get("x-litellm-model-id")).toBe("fb2");
    expect(answer.headers.get("x-litellm-attempted-fallbacks")).toBe("2");
    expect(answer.headers.get("x-litellm-attempted-retries")).toBe("2");
    expect(chatHits(mocks["primary"]!)).toBe(2);
    expect(chatHits(mocks["fb1"]!)).toBe(2);
    expect(chatHits(mocks["fb2"]!)).toBe(1);
    // With the first fallback healthy, the second is never asked.
    mocks["fb1"]!.faults.clear();
    mocks["fb2"]!.resetStats();
    const second = await chat(gateway.url, "primary");
    expect((second.body as { model: string }).model).toBe("fb1-model");
    expect(chatHits(mocks["fb2"]!)).toBe(0);
  });

  it("sends a context-window error straight to context_window_fallbacks, without retrying", async () => {
    mocks["primary"]!.faults.push({ status: 400, message: "This model's maximum context length is 4096 tokens", code: "context_length_exceeded" });
    const answer = await chat(gateway.url, "primary");
    expect(answer.status).toBe(200);
    expect((answer.body as { model: string }).model).toBe("long-model");
    expect(answer.headers.get("x-litellm-attempted-retries")).toBe("0");
    expect(answer.headers.get("x-litellm-attempted-fallbacks")).toBe("1");
    expect(chatHits(mocks["primary"]!)).toBe(1);
    expect(chatHits(mocks["fb1"]!) + chatHits(mocks["fb2"]!)).toBe(0);
  });

  it("answers with the requested group's error, naming every fallback that failed too", async () => {
    for (const name of ["primary", "fb1", "fb2"]) mocks[name]!.faults.setDefault({ status: 500, message: `${name} is down` });
    const answer = await chat(gateway.url, "primary");
    expect(answer.status).toBe(500);
    const message = (answer.body as { error: { message: string } }).error.message;
    expect(message).toContain("primary is down");
    expect(message).toContain("fallbacks tried: fb1 (upstream_server_error), fb2 (upstream_server_error)");
    expect(answer.headers.get("x-litellm-attempted-fallbacks")).toBe("2");
    expect(answer.headers.get("x-litellm-attempted-retries")).toBe("3");
  });
});

describe("pre-call checks (enable_pre_call_checks, max_input_tokens)", () => {
  const mocks: Record<string, MockUpstream> = {};
  let checked: GatewayProcess;
  let unchecked: GatewayProcess;
  const LONG = "The keeper trimmed the wick. ".repeat(40); // ~240 tokens
  const windowed = (group: string, id: string, maxInputTokens: number | undefined): Record<string, unknown> => {
    const entry = deployment(group, id, mocks[id]!);
    return { ...entry, model_info: { id, ...(maxInputTokens === undefined ? {} : { max_input_tokens: maxInputTokens }) } };
  };
  const config = (preCallChecks: boolean): Record<string, unknown> => ({
    model_list: [
      windowed("chat", "narrow", 100),
      windowed("chat", "broad", 100_000),
      windowed("tiny", "tiny", 100),
      windowed("big", "big", undefined),
      windowed("lonely", "lonely", 100),
      // No max_input_tokens: the windows of the well-known upstream models apply (16,385 and 128,000).
      { model_name: "known", litellm_params: { model: "openai/gpt-3.5-turbo", api_base: `${mocks["turbo"]!.url}/v1` }, model_info: { id: "turbo" } },
      { model_name: "known", litellm_params: { model: "openai/gpt-4o-mini", api_base: `${mocks["mini"]!.url}/v1` }, model_info: { id: "mini" } },
    ],
    router_settings: { routing_strategy: "round_robin", num_retries: 0, enable_pre_call_checks: preCallChecks, context_window_fallbacks: [{ tiny: ["big"] }] },
  });

  beforeAll(async () => {
    for (const name of ["narrow", "broad", "tiny", "big", "lonely", "turbo", "mini"]) mocks[name] = await startMock();
    [checked, unchecked] = await Promise.all([startGateway({ env: NO_DB, config: config(true) }), startGateway({ env: NO_DB, config: config(false) })]);
  });

  beforeEach(() => {
    for (const mock of Object.values(mocks)) mock.resetStats();
  });

  it("sends a prompt only to the deployments whose context window takes it; short prompts use them all", async () => {
    const openai = openaiClient(checked.url);
    for (let i = 0; i < 4; i++) {
      const { response } = await openai.chat.completions.create({ model: "chat", messages: [{ role: "user", content: LONG }] }).withResponse();
      expect(response.headers.get("x-litellm-model-id")).toBe("broad");
    }
    expect(chatHits(mocks["narrow"]!)).toBe(0);
    for (let i = 0; i < 4; i++) await openai.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hello" }] });
    expect(chatHits(mocks["narrow"]!)).toBe(2);
    expect(chatHits(mocks["broad"]!)).toBe(6);
  });

  it("goes to context_window_fallbacks without calling the narrow deployment", async () => {
    const { data, response } = await openaiClient(checked.url).chat.completions.create({ model: "tiny", messages: [{ role: "user", content: LONG }], stream: true }).withResponse();
    let text = "";
    for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    expect(response.headers.get("x-litellm-model-id")).toBe("big");
    expect(response.headers.get("x-litellm-attempted-fallbacks")).toBe("1");
    expect(chatHits(mocks["tiny"]!)).toBe(0);
  });

  it("answers 400 context_window_exceeded naming the field when nothing fits, and calls no upstream", async () => {
    const error = (await openaiClient(checked.url).chat.completions.create({ model: "lonely", messages: [{ role: "user", content: LONG }] }).catch((thrown: unknown) => thrown)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.status).toBe(400);
    expect(error.param).toBe("messages");
    expect(error.message).toContain("lonely: 100");
    expect(error.error).toMatchObject({ type: "context_window_exceeded" });
    expect(chatHits(mocks["lonely"]!)).toBe(0);
    // Not the deployment's fault: it still answers prompts that fit.
    expect((await chat(checked.url, "lonely")).status).toBe(200);
  });

  it("uses a well-known model's context window when max_input_tokens is not configured, and reports it in /model/info", async () => {
    const huge = "The keeper trimmed the wick. ".repeat(2_800); // ~19,600 tokens: over gpt-3.5-turbo's 16,385
    const openai = openaiClient(checked.url);
    for (let i = 0; i < 3; i++) {
      const { response } = await openai.chat.completions.create({ model: "known", messages: [{ role: "user", content: huge }] }).withResponse();
      expect(response.headers.get("x-litellm-model-id")).toBe("mini");
    }
    expect(chatHits(mocks["turbo"]!)).toBe(0);
    const info = (await (await fetch(`${checked.url}/model/info`)).json()) as { data: Array<{ model_info: { id: string; max_input_tokens: number | null } }> };
    const windows = Object.fromEntries(info.data.map((entry) => [entry.model_info.id, entry.model_info.max_input_tokens]));
    expect(windows).toMatchObject({ turbo: 16_385, mini: 128_000, narrow: 100 });
  });

  it("checks text completion prompts too, each prompt on its own", async () => {
    const answer = await fetch(`${checked.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "lonely", prompt: ["short", LONG] }) });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { param: string } }).error.param).toBe("prompt");
  });

  it("is off unless enabled: the narrow deployment gets long prompts", async () => {
    const openai = openaiClient(unchecked.url);
    for (let i = 0; i < 4; i++) await openai.chat.completions.create({ model: "chat", messages: [{ role: "user", content: LONG }] });
    expect(chatHits(mocks["narrow"]!)).toBe(2);
    expect((await chat(unchecked.url, "lonely", { messages: [{ role: "user", content: LONG }] })).status).toBe(200);
  });
});
