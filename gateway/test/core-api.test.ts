/**
 * The OpenAI-compatible API end to end: a real `pharos serve` in front of a mock upstream,
 * driven by the official `openai` client and by raw HTTP for what clients rarely send.
 */
import { request } from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import { gzipSync } from "node:zlib";
import OpenAI from "openai";
import type { NotFoundError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { openaiClient } from "../../tests/support/openai-client.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";

const KEY = "sk-test-master-key";
let mock: MockUpstream;
let gateway: GatewayProcess;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMock();
  gateway = await startGateway({
    config: {
      model_list: [
        { model_name: "gpt-mock", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1`, api_key: "sk-upstream" }, model_info: { id: "mock-chat-1", input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 } },
        { model_name: "embed-mock", litellm_params: { model: "openai/mock-embedding", api_base: `${mock.url}/v1` }, model_info: { id: "mock-embed-1", mode: "embedding" } },
      ],
      general_settings: { master_key: KEY, max_request_size_mb: 0.01 },
    },
  });
  client = openaiClient(gateway.url, KEY);
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

/** The value of one series in a scrape of /metrics (public), 0 when absent. */
async function scrapeCount(series: string): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split("\n").find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.url}${path}`, { method: "POST", body, headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers } });
}

describe("chat completions", () => {
  it("answers through the upstream with the deployment's model, key and the client's fields", async () => {
    mock.resetStats();
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-mock", messages: [{ role: "user", content: "Hello Pharos" }], temperature: 0.1, user: "u-1" })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('This is a mock response from Pharos to "Hello Pharos".');
    expect(data.usage).toEqual({ prompt_tokens: 3, completion_tokens: 10, total_tokens: 13 });
    const sent = mock.stats().requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers["authorization"]).toBe("Bearer sk-upstream");
    expect(sent.body).toMatchObject({ model: "mock-gpt", temperature: 0.1, user: "u-1" });
    expect(response.headers.get("x-litellm-model-group")).toBe("gpt-mock");
    expect(response.headers.get("x-litellm-model-id")).toBe("mock-chat-1");
    expect(response.headers.get("x-litellm-model-api-base")).toBe(`${mock.url}/v1`);
    expect(response.headers.get("x-litellm-attempted-retries")).toBe("0");
    expect(response.headers.get("x-litellm-attempted-fallbacks")).toBe("0");
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeCloseTo(3 * 0.000001 + 10 * 0.000002, 12);
    const total = Number(response.headers.get("x-litellm-response-duration-ms"));
    const overhead = Number(response.headers.get("x-litellm-overhead-duration-ms"));
    expect(total).toBeGreaterThan(0);
    expect(overhead).toBeGreaterThanOrEqual(0);
    expect(overhead).toBeLessThanOrEqual(total);
    expect(response.headers.get("x-litellm-call-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps a call id the client sends", async () => {
    const response = await post("/v1/chat/completions", JSON.stringify({ model: "gpt-mock", messages: [{ role: "user", content: "x" }] }), { "x-litellm-call-id": "my-call-42" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-litellm-call-id")).toBe("my-call-42");
  });

  it("sends the call id back on every kind of answer: JSON, SSE, errors, other routes", async () => {
    const withId = (n: number): Record<string, string> => ({ authorization: `Bearer ${KEY}`, "content-type": "application/json", "x-litellm-call-id": `call-kind-${n}` });
    const chat = JSON.stringify({ model: "gpt-mock", messages: [{ role: "user", content: "x" }] });
    const answers = [
      await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: withId(1), body: chat }),
      await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: withId(2), body: JSON.stringify({ model: "gpt-mock", stream: true, messages: [{ role: "user", content: "x" }] }) }),
      await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: withId(3), body: JSON.stringify({ model: "no-such-group", messages: [{ role: "user", content: "x" }] }) }),
      await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { ...withId(4), authorization: "Bearer wrong" }, body: chat }),
      await fetch(`${gateway.url}/v1/models`, { headers: withId(5) }),
      await fetch(`${gateway.url}/health/liveliness`, { headers: withId(6) }),
      await fetch(`${gateway.url}/v1/nothing-here`, { headers: withId(7) }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 404, 401, 200, 200, 404]);
    expect(answers.map((answer) => answer.headers.get("x-litellm-call-id"))).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `call-kind-${n}`));
    await Promise.all(answers.map((answer) => answer.text()));
  });

  it("streams SSE chunks ending with [DONE], with usage when asked", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-mock", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "stream me" }] });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('This is a mock response from Pharos to "stream me".');
    expect(finish).toBe("stop");
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 10, total_tokens: 13 });
  });

  it("sends a stream's cost as an HTTP trailer, once the stream has ended", async () => {
    const { headers, trailers, body } = await new Promise<{ headers: IncomingHttpHeaders; trailers: NodeJS.Dict<string>; body: string }>((resolve, reject) => {
      const req = request(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ headers: res.headers, trailers: res.trailers, body: text }));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ model: "gpt-mock", stream: true, messages: [{ role: "user", content: "Hello Pharos" }] }));
    });
    expect(headers["trailer"]).toBe("x-litellm-response-cost");
    expect(headers["x-litellm-response-cost"]).toBeUndefined();
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    // 3 prompt and 10 completion tokens, at the deployment's own prices.
    expect(Number(trailers["x-litellm-response-cost"])).toBeCloseTo(3 * 0.000001 + 10 * 0.000002, 12);
  });

  it("hides the usage chunk when not asked, and the raw stream ends with data: [DONE]", async () => {
    const response = await post("/chat/completions", JSON.stringify({ model: "gpt-mock", stream: true, messages: [{ role: "user", content: "x" }] }));
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("x-litellm-model-id")).toBe("mock-chat-1");
    const body = await response.text();
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(body).not.toContain('"usage"');
    // The upstream was asked for usage anyway (for cost and token metrics).
    expect(mock.stats().requests.at(-1)?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });
});

describe("completions, embeddings, models", () => {
  it("serves legacy completions, plain and streaming", async () => {
    const plain = await client.completions.create({ model: "gpt-mock", prompt: "Say hi", max_tokens: 3 });
    expect(plain.choices[0]).toMatchObject({ text: "This is a", finish_reason: "length" });
    const stream = await client.completions.create({ model: "gpt-mock", prompt: "Say hi", stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(text).toBe('This is a mock response from Pharos to "Say hi".');
  });

  it("serves embeddings", async () => {
    const result = await client.embeddings.create({ model: "embed-mock", input: ["a", "b"] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]?.embedding).toHaveLength(8);
    expect(result.usage.prompt_tokens).toBe(2);
  });

  it("refuses chat on an embedding group", async () => {
    const response = await post("/v1/chat/completions", JSON.stringify({ model: "embed-mock", messages: [{ role: "user", content: "x" }] }));
    expect(response.status).toBe(400);
    expect((await response.json()) as unknown).toMatchObject({ error: { param: "model", message: expect.stringContaining("does not serve chat completions") } });
  });

  it("lists the model groups, with and without /v1", async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id).sort()).toEqual(["embed-mock", "gpt-mock"]);
    const bare = await fetch(`${gateway.url}/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(((await bare.json()) as { data: unknown[] }).data).toHaveLength(2);
    expect((await client.models.retrieve("gpt-mock")).id).toBe("gpt-mock");
  });
});

describe("authentication", () => {
  it("rejects a missing key with 401", async () => {
    const response = await fetch(`${gateway.url}/v1/models`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { message: "No API key provided. Send it as 'Authorization: Bearer <key>'.", type: "auth_error", param: null, code: "401" } });
  });

  it("rejects a wrong key with 401 through the openai client", async () => {
    const wrong = openaiClient(gateway.url, "sk-wrong");
    await expect(wrong.chat.completions.create({ model: "gpt-mock", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("labels a refused request with the route it aimed at, in metrics", async () => {
    const before = await scrapeCount('pharos_requests_total{pharos_route="embeddings",pharos_status_class="4xx"}');
    expect((await fetch(`${gateway.url}/v1/embeddings`, { method: "POST", body: "{}" })).status).toBe(401);
    expect(await scrapeCount('pharos_requests_total{pharos_route="embeddings",pharos_status_class="4xx"}')).toBe(before + 1);
  });

  it("accepts the x-litellm-api-key header", async () => {
    const response = await fetch(`${gateway.url}/v1/models`, { headers: { "x-litellm-api-key": KEY } });
    expect(response.status).toBe(200);
  });

  it("keeps liveliness and readiness public", async () => {
    const alive = await fetch(`${gateway.url}/health/liveliness`);
    expect(await alive.json()).toBe("I'm alive!");
    expect((await fetch(`${gateway.url}/health/liveness`)).status).toBe(200);
    const ready = await fetch(`${gateway.url}/health/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "healthy" });
  });
});

describe("bad input gets a clear error and reaches no upstream", () => {
  it("404 for an unknown model group, listing the known ones", async () => {
    mock.resetStats();
    const error = await client.chat.completions.create({ model: "gpt-5-nope", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as NotFoundError).message).toContain("Model group 'gpt-5-nope' does not exist. Available model groups: embed-mock, gpt-mock");
    expect(mock.stats().total).toBe(0);
  });

  it.each([
    ["invalid JSON", '{"model": "gpt-mock", "messages": [', 400, null, "The request body is not valid JSON"],
    ["an empty body", "", 400, null, "The request body is empty"],
    ["a JSON array", "[1,2]", 400, null, "must be a JSON object"],
    ["a missing messages", '{"model":"gpt-mock"}', 400, "messages", "'messages' is required"],
    ["a wrong type", '{"model":"gpt-mock","messages":[{"role":"user","content":"x"}],"stream":"yes"}', 400, "stream", "'stream' must be true or false"],
    ["a missing model", '{"messages":[{"role":"user","content":"x"}]}', 400, "model", "'model' is required"],
    ["an unknown role", '{"model":"gpt-mock","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"bot","content":"c"}]}', 400, "messages[2].role", "'messages[2].role' must be one of 'system', 'user', 'assistant', 'tool', 'function', 'developer' (got 'bot')"],
    ["tools that are not a list", '{"model":"gpt-mock","messages":[{"role":"user","content":"x"}],"tools":"x"}', 400, "tools", "'tools' must be a list of tools (got 'x')"],
    ["a tool without a function name", '{"model":"gpt-mock","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"parameters":{}}}]}', 400, "tools[0].function.name", "'tools[0].function.name' is required"],
    ["an unknown tool_choice", '{"model":"gpt-mock","messages":[{"role":"user","content":"x"}],"tool_choice":"always"}', 400, "tool_choice", "'tool_choice' must be 'none', 'auto', 'required' or an object naming a tool"],
    ["an unknown response_format type", '{"model":"gpt-mock","messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}}', 400, "response_format.type", "'response_format.type' must be one of 'text', 'json_object', 'json_schema' (got 'xml')"],
    // No cache is configured on this gateway: controls are still checked, not ignored.
    ["cache controls that are not an object", '{"model":"gpt-mock","messages":[{"role":"user","content":"x"}],"cache":true}', 400, "cache", "'cache' must be an object of cache controls"],
    ["a cache ttl that is not a number", '{"model":"gpt-mock","messages":[{"role":"user","content":"x"}],"cache":{"ttl":"x"}}', 400, "cache.ttl", "'cache.ttl' must be a number of seconds >= 0 (got 'x')"],
    ["a user that is not a string", '{"model":"gpt-mock","messages":[{"role":"user","content":"x"}],"user":42}', 400, "user", "'user' must be a string (got 42)"],
  ] as const)("%s → %d", async (_name, body, status, param, message) => {
    mock.resetStats();
    const response = await post("/v1/chat/completions", body);
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: { message: string; param: string | null; code: string; type: string } };
    expect(json.error.message).toContain(message);
    expect(json.error.param).toBe(param);
    expect(json.error.code).toBe(String(status));
    expect(mock.stats().total).toBe(0);
  });

  it("the openai client gets a BadRequestError naming the malformed field, and null stays OpenAI's 'not set'", async () => {
    mock.resetStats();
    const malformed = { model: "gpt-mock", messages: [{ role: "user" as const, content: "x" }], tools: [{ type: "function" as const, function: { name: "lookup" } }], tool_choice: { type: "function", function: {} } };
    const error = (await client.chat.completions.create(malformed as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe("tool_choice.function.name");
    expect(error.message).toContain("'tool_choice.function.name' is required");
    expect(mock.stats().total).toBe(0);
    const answered = await client.chat.completions.create({ model: "gpt-mock", messages: [{ role: "user", content: "x" }], temperature: null, max_tokens: null, stop: null });
    expect(answered.choices).toHaveLength(1);
    expect(mock.stats().total).toBe(1);
  });

  it("400 naming 'guardrails' when a request asks for guardrails this gateway does not have", async () => {
    mock.resetStats();
    const response = await post("/v1/chat/completions", JSON.stringify({ model: "gpt-mock", messages: [{ role: "user", content: "x" }], guardrails: ["no-secrets"] }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: "guardrails", message: expect.stringContaining("'no-secrets'") } });
    expect(mock.stats().total).toBe(0);
  });

  it("415 for a body that is not JSON by media type", async () => {
    const response = await post("/v1/chat/completions", "model=gpt-mock", { "content-type": "multipart/form-data; boundary=x" });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("multipart/form-data");
  });

  it("415 naming the encoding for a compressed body, not a JSON error", async () => {
    mock.resetStats();
    const body = gzipSync(JSON.stringify({ model: "gpt-mock", messages: [{ role: "user", content: "x" }] }));
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body, headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", "content-encoding": "gzip" } });
    expect(response.status).toBe(415);
    expect(response.headers.get("accept-encoding")).toBe("identity");
    const json = (await response.json()) as { error: { message: string; type: string; code: string } };
    expect(json.error).toMatchObject({ type: "invalid_request_error", code: "415" });
    expect(json.error.message).toContain("Content-Encoding 'gzip' is not supported");
    expect(mock.stats().total).toBe(0);
    // identity is no encoding at all: the same request, uncompressed, is answered.
    const plain = await post("/v1/chat/completions", JSON.stringify({ model: "gpt-mock", messages: [{ role: "user", content: "x" }], max_tokens: 1 }), { "content-encoding": "identity" });
    expect(plain.status).toBe(200);
  });

  it("accepts JSON sent with curl's default form content type, as LiteLLM does", async () => {
    const response = await post("/chat/completions", '{"model":"gpt-mock","messages":[{"role":"user","content":"hi"}],"max_tokens":1}', { "content-type": "application/x-www-form-urlencoded" });
    expect(response.status).toBe(200);
  });

  it("413 for a body over the configured limit", async () => {
    const big = JSON.stringify({ model: "gpt-mock", messages: [{ role: "user", content: "x".repeat(20_000) }] });
    const response = await post("/v1/chat/completions", big);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("0.01 MB limit");
  });

  it("405 for a known path with the wrong method, 404 for an unknown path", async () => {
    const wrongMethod = await fetch(`${gateway.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(wrongMethod.status).toBe(405);
    expect(((await wrongMethod.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    const unknown = await fetch(`${gateway.url}/v1/nothing-here`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("404");
  });

  it("matches the path before checking the key, as LiteLLM does: 404 and 405 without a key, 401 only on a real route", async () => {
    const totalBefore = mock.stats().total;
    expect((await fetch(`${gateway.url}/v1/nothing-here`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/v1/chat/completions`)).status).toBe(405);
    expect((await fetch(`${gateway.url}/health/liveliness`, { method: "POST" })).status).toBe(405);
    const noKey = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: { type: string } }).error.type).toBe("auth_error");
    expect(mock.stats().total).toBe(totalBefore);
  });
});

describe("general_settings.enforce_user_param", () => {
  let strict: GatewayProcess;
  beforeAll(async () => {
    strict = await startGateway({
      config: {
        model_list: [
          { model_name: "gpt-mock", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` } },
          { model_name: "embed-mock", litellm_params: { model: "openai/mock-embedding", api_base: `${mock.url}/v1` }, model_info: { mode: "embedding" } },
        ],
        general_settings: { enforce_user_param: true },
      },
    });
  });

  it("answers a request without `user` with a 400 naming it, before any upstream call", async () => {
    mock.resetStats();
    const openai = openaiClient(strict.url);
    const missing = (await openai.chat.completions.create({ model: "gpt-mock", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(missing).toBeInstanceOf(OpenAI.BadRequestError);
    expect(missing.param).toBe("user");
    expect(missing.message).toContain("'user' is required: this gateway enforces the user parameter");
    const empty = (await openai.embeddings.create({ model: "embed-mock", input: "x", user: "" }).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(empty.param).toBe("user");
    expect(empty.message).toContain("'user' must be a non-empty string");
    expect(mock.stats().total).toBe(0);
  });

  it("passes a request that names its user, with `user` sent upstream", async () => {
    mock.resetStats();
    const openai = openaiClient(strict.url);
    await openai.chat.completions.create({ model: "gpt-mock", messages: [{ role: "user", content: "x" }], user: "keeper-7" });
    await openai.completions.create({ model: "gpt-mock", prompt: "x", user: "keeper-7" });
    expect(mock.stats().requests.map((request) => (request.body as { user?: string }).user)).toEqual(["keeper-7", "keeper-7"]);
  });
});
