/**
 * Upstream failures end to end: statuses mapped as LiteLLM clients expect, timeouts that really
 * fire and abort the upstream request, streams that fail mid-way and still end cleanly, and a
 * client that goes away taking the upstream request with it.
 */
import OpenAI from "openai";
import type { APIError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { openaiClient } from "../../tests/support/openai-client.ts";
import { freePort } from "../../tests/support/ports.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { waitFor } from "../../tests/support/wait-for.ts";
import { logLines } from "./telemetry-support.ts";

let mock: MockUpstream;
let gateway: GatewayProcess;
let client: OpenAI;

const messages = [{ role: "user" as const, content: "hi" }];

beforeAll(async () => {
  mock = await startMock();
  const closedPort = await freePort();
  gateway = await startGateway({
    config: {
      model_list: [
        { model_name: "main", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1`, timeout: 0.5, stream_timeout: 0.5 } },
        { model_name: "unreachable", litellm_params: { model: "openai/mock-gpt", api_base: `http://127.0.0.1:${closedPort}/v1` } },
      ],
      // One attempt per request: these tests are about how a single upstream failure reaches the client
      // (retries and fallbacks have their own tests in router-*.test.ts).
      router_settings: { num_retries: 0 },
    },
    // Production's log level (LITELLM_MODE=PRODUCTION → ERROR): what an operator sees there.
    env: { LITELLM_LOG: "", LITELLM_MODE: "PRODUCTION" },
  });
  client = openaiClient(gateway.url, "unused");
});

beforeEach(() => {
  mock.faults.clear();
  mock.resetStats();
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

async function chatError(request: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}): Promise<APIError> {
  const error = await client.chat.completions.create({ model: "main", messages, ...request }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as APIError;
}

async function sse(body: Record<string, unknown>): Promise<{ status: number; frames: string[] }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, frames: text.split("\n\n").filter((frame) => frame !== "").map((frame) => frame.replace(/^data: /, "")) };
}

describe("upstream error statuses", () => {
  it("keeps an upstream 500 as 500 with the upstream's message", async () => {
    mock.faults.push({ status: 500, message: "the GPU caught fire" });
    const error = await chatError();
    expect(error.status).toBe(500);
    expect(error.message).toContain("the GPU caught fire");
    expect(error.message).toContain('model group "main"');
  });

  it("keeps a 503 as 503", async () => {
    mock.faults.push({ status: 503, message: "overloaded" });
    expect((await chatError()).status).toBe(503);
  });

  it("passes a 429 with its Retry-After", async () => {
    mock.faults.push({ status: 429, retryAfter: 7, message: "slow down" });
    const error = await chatError();
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers?.get("retry-after")).toBe("7");
  });

  it("reports a context-window error as a 400 of its own type", async () => {
    mock.faults.push({ status: 400, message: "This model's maximum context length is 4096 tokens", code: "context_length_exceeded" });
    const error = await chatError();
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.type).toBe("context_window_exceeded");
  });

  it("maps an upstream 401 to 401 (upstream authentication)", async () => {
    mock.faults.push({ status: 401, message: "Incorrect API key provided" });
    const error = await chatError();
    expect(error.status).toBe(401);
    expect(error.type).toBe("authentication_error");
  });

  it("logs failures the upstream caused at ERROR with their cause, even when answered with a 4xx; the client's own errors not", async () => {
    const logged = (error: APIError): Record<string, unknown>[] => logLines(gateway.output()).filter((line) => line["callId"] === error.headers?.get("x-litellm-call-id"));
    const unknown = await chatError({ model: "no-such-group" });
    expect(unknown.status).toBe(404);
    mock.faults.push({ status: 429, message: "quota for this organisation used up" });
    const limited = await chatError();
    expect(limited.status).toBe(429);
    mock.faults.push({ status: 401, message: "Incorrect API key provided" });
    const auth = await chatError();
    expect(auth.status).toBe(401);
    // The output arrives in order: once the last line is in, the earlier ones are too.
    const [authLine] = await waitFor(() => (logged(auth).length > 0 ? logged(auth) : undefined), { what: "the 401's log line" });
    expect(authLine).toMatchObject({ level: 50, code: "upstream_auth", status: 401, group: "main" });
    expect(authLine!["msg"]).toContain("upstream returned 401");
    expect(authLine!["msg"]).toContain("Incorrect API key provided");
    const limitedLines = logged(limited);
    expect(limitedLines).toHaveLength(1);
    expect(limitedLines[0]).toMatchObject({ level: 50, code: "upstream_rate_limited", status: 429 });
    expect(limitedLines[0]!["msg"]).toContain("quota for this organisation used up");
    // An unknown model is the client's mistake: INFO, which production's level does not show.
    expect(logged(unknown)).toEqual([]);
  });

  it("answers 502 for a body that is not JSON", async () => {
    mock.faults.push({ malformed: true });
    const error = await chatError();
    expect(error.status).toBe(502);
    expect(error.message).toContain("not JSON");
  });

  it("answers 502 when the upstream cannot be reached", async () => {
    const error = (await client.chat.completions.create({ model: "unreachable", messages }).catch((caught: unknown) => caught)) as APIError;
    expect(error.status).toBe(502);
    expect(error.type).toBe("api_connection_error");
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("answers 502 when the upstream resets the connection", async () => {
    mock.faults.push({ reset: true });
    expect((await chatError()).status).toBe(502);
  });
});

describe("timeouts fire and abort the upstream request", () => {
  it("408 after `timeout` for a hanging upstream, which sees the disconnect", async () => {
    mock.faults.push({ hang: true });
    const started = Date.now();
    const error = await chatError();
    expect(error.status).toBe(408);
    expect(error.message).toContain("did not answer within 0.5s");
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    await waitFor(() => mock.stats().aborted === 1, { what: "the mock to see the aborted request" });
  });

  it("408 as plain JSON when a stream never starts within `stream_timeout`", async () => {
    mock.faults.push({ hang: true });
    const { status, frames } = await sse({ model: "main", messages, stream: true });
    expect(status).toBe(408);
    expect(JSON.parse(frames[0]!)).toMatchObject({ error: { code: "408" } });
    await waitFor(() => mock.stats().aborted === 1, { what: "the mock to see the aborted stream" });
  });

  it("an in-band 408 when a started stream goes silent longer than `stream_timeout`", async () => {
    mock.faults.push({ chunkDelayMs: 1500 });
    const { status, frames } = await sse({ model: "main", messages, stream: true });
    expect(status).toBe(200);
    expect(frames.at(-1)).toBe("[DONE]");
    expect(JSON.parse(frames.at(-2)!)).toMatchObject({ error: { code: "408", type: "timeout" } });
  });
});

describe("streams that fail", () => {
  it("answer plain JSON with the status when the upstream fails before the first chunk", async () => {
    mock.faults.push({ status: 500, message: "no stream today" });
    const { status, frames } = await sse({ model: "main", messages, stream: true });
    expect(status).toBe(500);
    expect(frames).toHaveLength(1);
    expect(JSON.parse(frames[0]!)).toMatchObject({ error: { code: "500", message: expect.stringContaining("no stream today") } });
  });

  it("end cleanly with an in-band error event and [DONE] when the upstream errors mid-stream", async () => {
    mock.faults.push({ errorAfterChunks: 3 });
    const { status, frames } = await sse({ model: "main", messages, stream: true });
    expect(status).toBe(200);
    expect(frames.slice(0, 3).every((frame) => JSON.parse(frame).object === "chat.completion.chunk")).toBe(true);
    expect(JSON.parse(frames[3]!)).toMatchObject({ error: { message: expect.stringContaining("failed mid-stream"), code: "500" } });
    expect(frames[4]).toBe("[DONE]");
    expect(frames).toHaveLength(5);
  });

  it("end cleanly when the upstream connection breaks mid-stream", async () => {
    mock.faults.push({ breakAfterChunks: 2 });
    const { status, frames } = await sse({ model: "main", messages, stream: true });
    expect(status).toBe(200);
    expect(frames).toHaveLength(4);
    expect(JSON.parse(frames[2]!)).toMatchObject({ error: { type: "api_connection_error", code: "502" } });
    expect(frames[3]).toBe("[DONE]");
  });

  it("surface to the openai client as an error after the chunks already received", async () => {
    mock.faults.push({ errorAfterChunks: 2 });
    const stream = await client.chat.completions.create({ model: "main", messages, stream: true });
    const received: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((caught: unknown) => caught);
    expect(received).toEqual(["", "This"]);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
  });
});

describe("a client that goes away", () => {
  it("aborts the upstream stream", async () => {
    mock.faults.push({ chunkDelayMs: 100 });
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "main", messages, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await waitFor(() => mock.stats().aborted === 1, { what: "the mock to see the client's disconnect" });
  });

  it("aborts a non-streaming upstream call", async () => {
    mock.faults.push({ latencyMs: 5000 });
    const controller = new AbortController();
    const pending = fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "main", messages }), signal: controller.signal }).catch(() => undefined);
    await waitFor(() => mock.stats().total === 1);
    controller.abort();
    await pending;
    await waitFor(() => mock.stats().aborted === 1, { what: "the mock to see the disconnect" });
  });
});

describe("general_settings.max_response_size_mb", () => {
  let limited: GatewayProcess;
  beforeAll(async () => {
    limited = await startGateway({
      config: {
        model_list: [{ model_name: "main", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` }, model_info: { id: "mock-1" } }],
        router_settings: { num_retries: 2 },
        general_settings: { max_response_size_mb: 0.01 },
      },
    });
  });

  it("refuses a JSON answer over the limit with a 502 naming the setting, without retrying it", async () => {
    mock.faults.push({ reply: "beam ".repeat(4000) }, { reply: "beam ".repeat(4000) });
    const error = (await openaiClient(limited.url, "unused").chat.completions.create({ model: "main", messages }).catch((caught: unknown) => caught)) as APIError;
    expect(error.status).toBe(502);
    expect(error.message).toContain("The response of deployment mock-1 is larger than general_settings.max_response_size_mb (0.01 MB)");
    expect(error.error).toMatchObject({ type: "api_error" });
    expect(mock.stats().hits["openai chat"]).toBe(1);
  });

  it("lets answers under the limit through, and does not limit streams", async () => {
    const small = "beam ".repeat(100).trim();
    const large = "beam ".repeat(4000).trim();
    mock.faults.push({ reply: small }, { reply: large });
    const answer = await openaiClient(limited.url, "unused").chat.completions.create({ model: "main", messages });
    expect(answer.choices[0]?.message.content).toBe(small);
    const stream = await openaiClient(limited.url, "unused").chat.completions.create({ model: "main", messages, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(large);
  });
});
