/**
 * Passive failover at the edge: nginx in front of two real gateways, one of which is killed
 * (SIGKILL) while requests are in flight. Idempotent requests and new requests keep working
 * on the survivor; a POST that had already reached the killed gateway fails once and is never
 * replayed on the other one (the mock upstream counts every completion it served).
 */
import { readFileSync } from "node:fs";
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
import { waitFor } from "./support/wait-for.ts";

const KEY = "sk-failover-key";
let mock: MockUpstream;
let gateways: GatewayProcess[];
let edge: NginxProcess;
let agent: Agent;

beforeAll(async () => {
  mock = await startMock();
  const config = {
    model_list: [{ model_name: "gpt-mock", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` }, model_info: { id: "mock-chat" } }],
    general_settings: { master_key: KEY },
  };
  gateways = await Promise.all([startGateway({ config }), startGateway({ config })]);
  // Limits out of the way: this file is about failover.
  edge = await startNginx({ upstreams: gateways.map((gateway) => gateway.port), variables: { NGINX_RATE_CHAT: "1000r/s", NGINX_RATE_API: "1000r/s" } });
  agent = new Agent({ allowH2: false, connect: { ca: readFileSync(edge.certFile) } });
});

afterAll(async () => {
  await agent?.close();
  await stopAllNginx();
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

async function call(method: Dispatcher.HttpMethod, path: string, callId: string): Promise<{ status: number; body: string }> {
  const body = method === "POST" ? JSON.stringify({ model: "gpt-mock", messages: [{ role: "user", content: callId }] }) : undefined;
  const response = await request(`${edge.httpsUrl}${path}`, {
    method,
    body,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", "x-litellm-call-id": callId },
    dispatcher: agent,
  });
  return { status: response.statusCode, body: await response.body.text() };
}

const chatHits = (): number => mock.stats().hits["openai chat"] ?? 0;

describe("one gateway killed", () => {
  it("keeps answering on the other gateway, and never replays a POST that reached the killed one", async () => {
    const [victim, survivor] = gateways as [GatewayProcess, GatewayProcess];
    const victimAddress = `127.0.0.1:${victim.port}`;
    const survivorAddress = `127.0.0.1:${survivor.port}`;
    // Both gateways serve before the kill.
    for (let i = 0; i < 4; i++) expect((await call("GET", "/v1/models", `warm-${i}`)).status).toBe(200);
    const warmed = new Set(edge.accessLog().map((entry) => entry["upstream_addr"]));
    expect(warmed).toEqual(new Set([victimAddress, survivorAddress]));

    // Four slow completions in flight, spread round-robin over both gateways.
    mock.resetStats();
    mock.faults.push({ route: "chat", latencyMs: 1500, times: 4 });
    const slow = [0, 1, 2, 3].map((i) => call("POST", "/v1/chat/completions", `slow-${i}`));
    await waitFor(() => chatHits() === 4, { what: "four completions at the mock upstream" });

    expect(await victim.stop("SIGKILL")).toBeNull();

    // Traffic right after the kill: idempotent reads and new completions, a few at a time.
    const after: { callId: string; status: number }[] = [];
    for (let round = 0; round < 6; round++) {
      const batch = await Promise.all([
        call("GET", "/v1/models", `after-get-${round}`).then((reply) => ({ callId: `after-get-${round}`, status: reply.status })),
        call("GET", "/health/readiness", `after-ready-${round}`).then((reply) => ({ callId: `after-ready-${round}`, status: reply.status })),
        call("POST", "/v1/chat/completions", `after-post-${round}`).then((reply) => ({ callId: `after-post-${round}`, status: reply.status })),
      ]);
      after.push(...batch);
    }
    expect(after.filter((reply) => reply.status !== 200)).toEqual([]);

    // The in-flight completions: those on the killed gateway fail (502, OpenAI-shaped), the
    // others complete; round-robin put at least one on each.
    const slowReplies = await Promise.all(slow);
    const failed = slowReplies.filter((reply) => reply.status !== 200);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.length).toBeLessThanOrEqual(3);
    for (const reply of failed) {
      expect(reply.status).toBe(502);
      expect(JSON.parse(reply.body)).toMatchObject({ error: { type: "api_connection_error", code: "502" } });
    }
    // No replay: the mock served exactly the 4 slow completions and the 6 new ones.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(chatHits()).toBe(4 + 6);

    const log = edge.accessLog();
    const slowFailures = log.filter((entry) => String(entry["call_id"]).startsWith("slow-") && entry["status"] === 502);
    expect(slowFailures.length).toBe(failed.length);
    // One attempt each, on the killed gateway.
    for (const entry of slowFailures) expect(entry["upstream_addr"]).toBe(victimAddress);
    // Requests after the kill that tried the dead gateway first moved on to the survivor.
    const afterEntries = log.filter((entry) => String(entry["call_id"]).startsWith("after-"));
    expect(afterEntries.every((entry) => String(entry["upstream_addr"]).endsWith(survivorAddress))).toBe(true);
    expect(afterEntries.some((entry) => entry["upstream_addr"] === `${victimAddress}, ${survivorAddress}`)).toBe(true);
  });
});
