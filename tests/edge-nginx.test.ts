/**
 * The nginx edge (nginx/) for real: nginx rendered from the repository's files in front of two
 * real `pharos serve` processes and a mock upstream. Rate limits, request size, SSE
 * pass-through, the JSON access log and the internal stub_status listener.
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { Agent, request } from "undici";
import type { Dispatcher } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockUpstream } from "../gateway/src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "./support/gateway-process.ts";
import type { GatewayProcess } from "./support/gateway-process.ts";
import { closeAllMocks, startMock } from "./support/mock.ts";
import { startNginx, stopAllNginx } from "./support/nginx.ts";
import type { NginxProcess } from "./support/nginx.ts";
import { removeTempDirs } from "./support/temp-dir.ts";

const KEY = "sk-edge-master-key";
const MEGABYTE = 1024 * 1024;
let mock: MockUpstream;
let gateways: GatewayProcess[];
let edge: NginxProcess;
let agent: Agent;

function gatewayConfig(mockUrl: string): Record<string, unknown> {
  return {
    model_list: [{ model_name: "gpt-mock", litellm_params: { model: "openai/mock-gpt", api_base: `${mockUrl}/v1`, api_key: "sk-upstream" }, model_info: { id: "mock-chat" } }],
    general_settings: { master_key: KEY },
  };
}

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

async function send(url: string, options: { method?: Dispatcher.HttpMethod; body?: string; headers?: Record<string, string>; dispatcher?: Agent } = {}): Promise<Reply> {
  const response = await request(url, {
    method: options.method ?? "GET",
    body: options.body,
    headers: { authorization: `Bearer ${KEY}`, ...(options.body === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
    dispatcher: options.dispatcher ?? agent,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

const chatBody = (extra: Record<string, unknown> = {}): string => JSON.stringify({ model: "gpt-mock", messages: [{ role: "user", content: "hi" }], ...extra });

beforeAll(async () => {
  mock = await startMock();
  gateways = await Promise.all([startGateway({ config: gatewayConfig(mock.url) }), startGateway({ config: gatewayConfig(mock.url) })]);
  edge = await startNginx({ upstreams: gateways.map((gateway) => gateway.port) });
  // HTTP/1.1, as the OpenAI SDKs speak by default (HTTP/2 has its own test in edge-tls).
  agent = new Agent({ allowH2: false, connect: { ca: readFileSync(edge.certFile) } });
});

afterAll(async () => {
  await agent?.close();
  await stopAllNginx();
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

describe("proxying", () => {
  it("spreads requests over both gateways and logs each one as JSON with timings, status and call id", async () => {
    const replies: Reply[] = [];
    for (let i = 0; i < 6; i++) replies.push(await send(`${edge.httpsUrl}/v1/chat/completions`, { method: "POST", body: chatBody(), headers: { "x-litellm-call-id": `edge-call-${i}` } }));
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(replies[0]?.headers["x-litellm-call-id"]).toBe("edge-call-0");
    const entries = await waitForLog((all) => all.filter((entry) => String(entry["call_id"]).startsWith("edge-call-")), 6);
    const gatewayAddresses = new Set(entries.map((entry) => entry["upstream_addr"]));
    expect(gatewayAddresses).toEqual(new Set(gateways.map((gateway) => `127.0.0.1:${gateway.port}`)));
    for (const entry of entries) {
      expect(entry).toMatchObject({ method: "POST", uri: "/v1/chat/completions", status: 200, upstream_status: "200", model_group: "gpt-mock", scheme: "https" });
      expect(typeof entry["request_time"]).toBe("number");
      expect(Number(entry["upstream_response_time"])).toBeGreaterThanOrEqual(0);
      // nginx rounds both to the millisecond from separately cached clocks: they may differ by 1 ms either way
      const ms = (seconds: unknown): number => Math.round(Number(seconds) * 1000);
      expect(ms(entry["upstream_response_time"])).toBeLessThanOrEqual(ms(entry["request_time"]) + 1);
    }
  });

  it("gives a request without a call id nginx's request id, which the gateway keeps and the log records", async () => {
    const reply = await send(`${edge.httpsUrl}/v1/models`);
    expect(reply.status).toBe(200);
    const callId = String(reply.headers["x-litellm-call-id"]);
    expect(callId).toMatch(/^[0-9a-f]{32}$/);
    const [entry] = await waitForLog((all) => all.filter((line) => line["call_id"] === callId), 1);
    expect(entry).toMatchObject({ uri: "/v1/models", status: 200 });
  });

  it("does not publish /metrics at the edge (Prometheus scrapes gateways directly)", async () => {
    const reply = await send(`${edge.httpsUrl}/metrics`);
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.text)).toMatchObject({ error: { type: "permission_error", code: "403" } });
  });

  it("serves stub_status on the internal listener for the nginx exporter", async () => {
    const reply = await send(edge.statusUrl, { dispatcher: undefined });
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/^Active connections: \d+/);
    expect(reply.text).toMatch(/server accepts handled requests\n \d+ \d+ \d+/);
  });
});

describe("request size", () => {
  it("lets a body just under 10 MB through to a gateway and answers a larger one with 413 JSON itself, like the gateway", async () => {
    const content = (bytes: number): string => chatBody({ messages: [{ role: "user", content: "x".repeat(bytes) }] });
    mock.resetStats();
    const under = await send(`${edge.httpsUrl}/v1/chat/completions`, { method: "POST", body: content(10 * MEGABYTE - 4096) });
    expect(under.status).toBe(200);
    expect(mock.stats().hits["openai chat"]).toBe(1);

    const over = content(10 * MEGABYTE + 1024);
    const atEdge = await send(`${edge.httpsUrl}/v1/chat/completions`, { method: "POST", body: over });
    expect(atEdge.status).toBe(413);
    expect(JSON.parse(atEdge.text)).toMatchObject({ error: { type: "invalid_request_error", code: "413", param: null } });
    // The gateway's own limit is the same 10 MB: without nginx it refuses the same size (it
    // answers from the declared Content-Length and closes, so only the headers are sent here).
    expect(await declaredBodyStatus(gateways[0]!.port, Buffer.byteLength(over))).toBe(413);
    expect(await declaredBodyStatus(gateways[0]!.port, 10 * MEGABYTE)).not.toBe(413);
    expect(mock.stats().hits["openai chat"]).toBe(1);
  });
});

describe("SSE pass-through", () => {
  it("delivers stream events through nginx as the upstream sends them, spaced like a direct connection", async () => {
    const reply = "one two three four five six";
    const timings = async (url: string, dispatcher?: Agent): Promise<number[]> => {
      mock.faults.push({ route: "chat", chunkDelayMs: 150, reply });
      const started = performance.now();
      const response = await request(`${url}/v1/chat/completions`, {
        method: "POST",
        body: chatBody({ stream: true }),
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        dispatcher,
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toMatch(/^text\/event-stream/);
      const arrivals: number[] = [];
      let buffered = "";
      for await (const chunk of response.body) {
        buffered += (chunk as Buffer).toString();
        const events = buffered.split("\n\n");
        buffered = events.pop() ?? "";
        for (const event of events) if (event.includes('"content":"')) arrivals.push(performance.now() - started);
      }
      return arrivals;
    };
    const direct = await timings(gateways[0]!.url);
    const viaEdge = await timings(edge.httpsUrl, agent);
    // Role chunk (empty content) plus one chunk per word.
    expect(viaEdge.length).toBe(direct.length);
    expect(viaEdge.length).toBeGreaterThanOrEqual(6);
    const spread = (arrivals: number[]): number => arrivals.at(-1)! - arrivals[0]!;
    // Buffered, every event would arrive at the end together: spread ≈ 0. Relative to the
    // direct stream, the spread through nginx is the same within a generous margin.
    expect(spread(viaEdge)).toBeGreaterThan(0.6 * spread(direct));
    // The first content event arrives well before the last one.
    expect(viaEdge[1]!).toBeLessThan(0.5 * viaEdge.at(-1)!);
  });
});

describe("rate limits", () => {
  it("answers a burst beyond the chat zone with OpenAI-shaped 429s and Retry-After, while health and models stay reachable", async () => {
    const statuses: number[] = [];
    let rejected: Reply | undefined;
    // Sequential (one connection at a time): only the request rate counts, not concurrency.
    for (let i = 0; i < 35; i++) {
      const reply = await send(`${edge.httpsUrl}/v1/chat/completions`, { method: "POST", body: chatBody(), headers: { authorization: "Bearer sk-burst-key" } });
      statuses.push(reply.status);
      if (reply.status === 429) rejected ??= reply;
    }
    const limited = statuses.filter((status) => status === 429).length;
    expect(limited).toBeGreaterThanOrEqual(5);
    // burst 20 + the first request; the rest depends on how fast the loop ran (5 r/s refill).
    expect(statuses.slice(0, 15).every((status) => status !== 429)).toBe(true);
    expect(rejected).toBeDefined();
    expect(rejected!.headers["retry-after"]).toBe("1");
    expect(rejected!.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(rejected!.text)).toEqual({
      error: { message: expect.stringContaining("Rate limit exceeded") as unknown, type: "rate_limit_error", param: null, code: "429" },
    });
    // Other zones: health probes and the rest of the API are not limited by the chat burst.
    expect((await send(`${edge.httpsUrl}/health/liveliness`)).status).toBe(200);
    expect((await send(`${edge.httpsUrl}/health/readiness`)).status).toBe(200);
    expect((await send(`${edge.httpsUrl}/v1/models`)).status).toBe(200);
    const logged = edge.accessLog().filter((entry) => entry["status"] === 429);
    expect(logged.length).toBe(limited);
    expect(logged.every((entry) => entry["limit_req"] === "REJECTED" && entry["upstream_addr"] === "")).toBe(true);
  });
});

describe("per-key limits and concurrent streams (a second nginx trusting X-Forwarded-For from 127.0.0.1)", () => {
  let limited: NginxProcess;
  let limitedAgent: Agent;
  beforeAll(async () => {
    limited = await startNginx({
      upstreams: gateways.map((gateway) => gateway.port),
      variables: { NGINX_REAL_IP_FROM: "127.0.0.1", NGINX_RATE_CHAT: "1r/s", NGINX_BURST_CHAT: "4", NGINX_STREAMS_PER_CLIENT: "2" },
    });
    limitedAgent = new Agent({ allowH2: false, connect: { ca: readFileSync(limited.certFile) } });
  });
  afterAll(async () => {
    await limitedAgent?.close();
  });

  const chatFrom = (client: string, key: string): Promise<Reply> =>
    send(`${limited.httpsUrl}/v1/chat/completions`, { method: "POST", body: chatBody(), headers: { authorization: `Bearer ${key}`, "x-forwarded-for": client }, dispatcher: limitedAgent });

  it("limits one API key used from several client IPs, and not distinct keys from distinct IPs", async () => {
    const shared: number[] = [];
    for (let i = 0; i < 8; i++) shared.push((await chatFrom(`203.0.113.${i + 1}`, "sk-shared-key")).status);
    // Every IP sent one request (under its own limit); the key sent 8 > 1 + burst 4.
    expect(shared.filter((status) => status === 429).length).toBeGreaterThanOrEqual(2);

    // Distinct keys pass nginx (the gateway then answers 401 for keys it does not know).
    const distinct: number[] = [];
    for (let i = 0; i < 8; i++) distinct.push((await chatFrom(`198.51.100.${i + 1}`, `sk-distinct-${i}`)).status);
    expect(distinct).toEqual(Array(8).fill(401));
  });

  it("caps concurrent completions per client: the third stream at once gets a 429", async () => {
    mock.faults.push({ route: "chat", latencyMs: 1500, times: 3 });
    const stream = (): Promise<Reply> =>
      send(`${limited.httpsUrl}/v1/chat/completions`, { method: "POST", body: chatBody({ stream: true }), headers: { "x-forwarded-for": "192.0.2.77" }, dispatcher: limitedAgent });
    const first = [stream(), stream()];
    // Let the first two reach the gateways before the third arrives.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const third = await stream();
    expect(third.status).toBe(429);
    expect(JSON.parse(third.text)).toMatchObject({ error: { type: "rate_limit_error", code: "429" } });
    expect((await Promise.all(first)).map((reply) => reply.status)).toEqual([200, 200]);
    mock.faults.clear();
  });
});

/** Sends only the headers of a POST declaring `length` body bytes; resolves with the status. */
function declaredBodyStatus(port: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/v1/chat/completions", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", "content-length": length } });
    req.on("response", (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
      req.destroy();
    });
    req.on("error", reject);
    req.setTimeout(1000, () => {
      // No answer before the body: the gateway waits for it, i.e. the size is accepted.
      resolve(0);
      req.destroy();
    });
    req.flushHeaders();
  });
}

async function waitForLog(select: (entries: Record<string, unknown>[]) => Record<string, unknown>[], count: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const selected = select(edge.accessLog());
    if (selected.length >= count || Date.now() > deadline) return selected;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
