/**
 * Traces end to end, with an in-process OTLP/HTTP receiver: a streaming request produces the
 * span tree `chat {group}` (CLIENT) → `guardrails input`, `cache lookup`, `route {group}` →
 * `chat {upstream model}` (CLIENT, one per attempt) with the GenAI attributes, joins the caller's trace from `traceparent`, and the request
 * log line carries the trace id. Sampling is parent-based: at OTEL_TRACES_SAMPLER_ARG=0 only
 * requests whose `traceparent` is sampled are traced (an unsampled or malformed one is not).
 * With the traces exporter off nothing is exported. The OTLP
 * protocols: protobuf by default, JSON (the receiver above) and gRPC (an HTTP/2 receiver), and a
 * clear boot error for an unknown one.
 */
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { PHAROS_MAIN, startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { freePort } from "../../tests/support/ports.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { waitFor } from "../../tests/support/wait-for.ts";
import { logLines, postJson } from "./telemetry-support.ts";

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: { key: string; value: OtlpValue }[];
  status?: { code?: number; message?: string };
}

const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

function valueOf(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

function attributes(span: OtlpSpan): Record<string, unknown> {
  return Object.fromEntries((span.attributes ?? []).map((attribute) => [attribute.key, valueOf(attribute.value)]));
}

let receiver: Server;
let receiverUrl: string;
const spans: OtlpSpan[] = [];
let exports = 0;
let mock: MockUpstream;
let gateway: GatewayProcess;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      exports += 1;
      if (req.url === "/v1/traces") {
        const parsed = JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
        for (const resource of parsed.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", () => resolve()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  mock = await startMock({ chunkDelayMs: 2 });
  gateway = await startGateway({
    env: { PHAROS_DATA_DIR: "off", LITELLM_LOG: "INFO", OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_TRACES_SAMPLER_ARG: "1", OTEL_BSP_SCHEDULE_DELAY: "50" },
    config: {
      model_list: [
        { model_name: "main", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` }, model_info: { id: "main-a" } },
        { model_name: "main", litellm_params: { model: "openai/mock-gpt-b", api_base: `${mock.url}/v1` }, model_info: { id: "main-b" } },
      ],
      router_settings: { num_retries: 1, retry_after: 0 },
      litellm_settings: { cache: true },
      llm_guard: { enabled: true, input_scanning: { enabled: true, scanners: ["Secrets"] }, output_scanning: { enabled: true, scanners: ["NoCode"] } },
    },
  });
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  removeTempDirs();
});

function treeOf(traceId: string): OtlpSpan[] {
  return spans.filter((span) => span.traceId === traceId);
}

describe("a streaming request", () => {
  it("produces the request span, the routing span and one CLIENT span per upstream attempt", async () => {
    const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";
    mock.faults.push({ status: 503, times: 1, route: "chat" }); // the first attempt fails, the retry succeeds
    const result = await postJson(
      gateway.url,
      "/v1/chat/completions",
      { model: "main", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hello" }] },
      { traceparent: `00-${callerTrace}-${callerSpan}-01` },
    );
    expect(result.status).toBe(200);
    expect(result.body).toContain("data: [DONE]");
    const tree = await waitFor(() => (treeOf(callerTrace).length >= 6 ? treeOf(callerTrace) : undefined), { what: "6 spans of the trace" });
    expect(tree).toHaveLength(6);

    const root = tree.find((span) => span.name === "chat main")!;
    expect(root.kind).toBe(SPAN_KIND_CLIENT);
    expect(root.parentSpanId).toBe(callerSpan);
    const rootAttributes = attributes(root);
    expect(rootAttributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "main",
      "gen_ai.provider.name": "openai",
      "gen_ai.response.finish_reasons": ["stop"],
      "http.response.status_code": 200,
      "pharos.call_id": result.headers["x-litellm-call-id"],
    });
    expect(rootAttributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(rootAttributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);

    // Streams are scanned chunk by chunk on the way out: no "guardrails output" span.
    expect(tree.filter((span) => span.parentSpanId === root.spanId).map((span) => span.name).sort()).toEqual(["cache lookup", "guardrails input", "route main"]);
    const cache = tree.find((span) => span.name === "cache lookup")!;
    expect(cache.kind).toBe(SPAN_KIND_INTERNAL);
    expect(cache.parentSpanId).toBe(root.spanId);
    expect(attributes(cache)["pharos.cache.result"]).toBe("miss");

    const route = tree.find((span) => span.name === "route main")!;
    expect(route.kind).toBe(SPAN_KIND_INTERNAL);
    expect(route.parentSpanId).toBe(root.spanId);
    expect(attributes(route)).toMatchObject({ "pharos.route.retries": 1, "pharos.route.fallbacks": 0 });

    const attempts = tree.filter((span) => span.parentSpanId === route.spanId).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt.kind).toBe(SPAN_KIND_CLIENT);
      expect(attempt.name).toMatch(/^chat mock-gpt(-b)?$/);
      expect(attributes(attempt)).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "server.address": "127.0.0.1", "server.port": Number(new URL(mock.url).port) });
    }
    // Each attempt names its deployment; the request span names the one that answered.
    for (const attempt of attempts) expect(attributes(attempt)["pharos.deployment.id"]).toBe(attempt.name === "chat mock-gpt" ? "main-a" : "main-b");
    expect(rootAttributes["pharos.deployment.id"]).toBe(attributes(attempts[1]!)["pharos.deployment.id"]);
    expect(attempts[0]!.status?.code).toBe(STATUS_ERROR);
    expect(attributes(attempts[0]!)["error.type"]).toBe("upstream_server_error");
    expect(attempts[1]!.status?.code ?? 0).not.toBe(STATUS_ERROR);
    // The successful attempt lasts to the end of the stream, inside the request span.
    expect(BigInt(attempts[1]!.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(root.endTimeUnixNano));
    expect(BigInt(attempts[1]!.endTimeUnixNano)).toBeGreaterThan(BigInt(route.endTimeUnixNano));
    expect(BigInt(root.startTimeUnixNano)).toBeLessThanOrEqual(BigInt(route.startTimeUnixNano));

    const line = logLines(gateway.output()).find((entry) => entry["component"] === "request" && entry["callId"] === result.headers["x-litellm-call-id"]);
    expect(line?.["traceId"]).toBe(callerTrace);
  });

  it("starts a new trace when the caller sends none, and marks a failed request as an error", async () => {
    mock.faults.push({ status: 400, times: 1, route: "chat", message: "bad input" });
    const result = await postJson(gateway.url, "/v1/chat/completions", { model: "main", messages: [{ role: "user", content: "hi" }] });
    expect(result.status).toBe(400);
    const callId = result.headers["x-litellm-call-id"];
    const root = await waitFor(() => spans.find((span) => span.name === "chat main" && attributes(span)["pharos.call_id"] === callId));
    expect(root.parentSpanId ?? "").toBe("");
    expect(root.status?.code).toBe(STATUS_ERROR);
    expect(attributes(root)).toMatchObject({ "error.type": "upstream_bad_request", "http.response.status_code": 400 });
  });
});

describe("guardrails", () => {
  it("run under their own spans, and a block marks the input span as failed", async () => {
    const passed = await postJson(gateway.url, "/v1/chat/completions", { model: "main", messages: [{ role: "user", content: "a harmless question" }] });
    expect(passed.status).toBe(200);
    const root = await waitFor(() => spans.find((span) => span.name === "chat main" && attributes(span)["pharos.call_id"] === passed.headers["x-litellm-call-id"]));
    const children = await waitFor(() => {
      const found = spans.filter((span) => span.parentSpanId === root.spanId).map((span) => span.name);
      return found.includes("guardrails output") ? found.sort() : undefined;
    });
    expect(children).toEqual(["cache lookup", "guardrails input", "guardrails output", "route main"]);

    const blocked = await postJson(gateway.url, "/v1/chat/completions", { model: "main", messages: [{ role: "user", content: "my key is AKIAIOSFODNN7EXAMPLE and the secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }] });
    expect(blocked.status).toBe(400);
    const blockedRoot = await waitFor(() => spans.find((span) => span.name === "chat main" && attributes(span)["pharos.call_id"] === blocked.headers["x-litellm-call-id"]));
    expect(attributes(blockedRoot)["error.type"]).toBe("guardrail_violation");
    const input = spans.find((span) => span.parentSpanId === blockedRoot.spanId && span.name === "guardrails input")!;
    expect(input.status?.code).toBe(STATUS_ERROR);
    expect(spans.filter((span) => span.parentSpanId === blockedRoot.spanId).map((span) => span.name)).toEqual(["guardrails input"]);
  });
});

describe("parent-based sampling at OTEL_TRACES_SAMPLER_ARG=0", () => {
  it("traces only requests whose traceparent is sampled: not those without one, with an unsampled one or a malformed one", async () => {
    const sampler = await startGateway({
      env: { PHAROS_DATA_DIR: "off", OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_TRACES_SAMPLER_ARG: "0", OTEL_BSP_SCHEDULE_DELAY: "50" },
      config: { model_list: [{ model_name: "sampled", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` } }] },
    });
    const body = { model: "sampled", messages: [{ role: "user", content: "to trace or not" }] };
    const send = async (traceparent?: string): Promise<string> => {
      const result = await postJson(sampler.url, "/v1/chat/completions", body, traceparent === undefined ? {} : { traceparent });
      expect(result.status).toBe(200);
      return String(result.headers["x-litellm-call-id"]);
    };
    const unsampledTrace = "5bf92f3577b34da6a3ce929d0e0e4736";
    const sampledTrace = "6bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";
    const untraced: string[] = [];
    for (let i = 0; i < 5; i++) untraced.push(await send());
    untraced.push(await send(`00-${unsampledTrace}-${callerSpan}-00`));
    for (const malformed of [
      `00-${sampledTrace.toUpperCase()}-${callerSpan}-01`, // upper-case hex
      `00-${"0".repeat(32)}-${callerSpan}-01`, // an all-zero trace id is invalid
      `00-${sampledTrace}-${callerSpan}`, // no flags
      "sampled please",
    ]) untraced.push(await send(malformed));
    // The last request is sampled: once its spans are exported, those of the requests before it would be too.
    const traced = await send(`00-${sampledTrace}-${callerSpan}-01`);
    const tree = await waitFor(() => (treeOf(sampledTrace).length >= 3 ? treeOf(sampledTrace) : undefined), { what: "the sampled parent's spans" });
    await new Promise((resolve) => setTimeout(resolve, 200)); // one more export interval, for stragglers
    await sampler.stop();
    const root = tree.find((span) => span.name === "chat sampled")!;
    expect(root.parentSpanId).toBe(callerSpan);
    expect(attributes(root)["pharos.call_id"]).toBe(traced);
    expect(tree.map((span) => span.name).sort()).toEqual(["chat mock-gpt", "chat sampled", "route sampled"]);
    const callIds = new Set(spans.map((span) => attributes(span)["pharos.call_id"]).filter((id) => id !== undefined));
    for (const callId of untraced) expect(callIds.has(callId), `request ${callId} was traced`).toBe(false);
    expect(treeOf(unsampledTrace)).toEqual([]);
    // Every span of this gateway belongs to the one sampled trace.
    expect(spans.filter((span) => span.name.endsWith(" sampled")).every((span) => span.traceId === sampledTrace)).toBe(true);
  });
});

describe("with OTEL_TRACES_EXPORTER=none", () => {
  it("exports nothing even with an endpoint set", async () => {
    const before = exports;
    const quiet = await startGateway({ env: { PHAROS_DATA_DIR: "off", OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_TRACES_EXPORTER: "none", OTEL_BSP_SCHEDULE_DELAY: "50" }, config: { model_list: [{ model_name: "main", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` } }] } });
    expect((await postJson(quiet.url, "/v1/chat/completions", { model: "main", messages: [{ role: "user", content: "hi" }] })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await quiet.stop();
    expect(exports).toBe(before);
  });
});

describe("OTLP protocols", () => {
  interface Received {
    readonly path: string;
    readonly contentType: string;
    readonly body: Buffer;
  }
  const config = (): Record<string, unknown> => ({ model_list: [{ model_name: "main", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1` } }] });

  /** One traced request through a gateway exporting to `endpoint`, then what the receiver got. */
  async function exportOnce(endpoint: string, env: Record<string, string>, received: readonly Received[]): Promise<Received> {
    const gateway = await startGateway({ env: { PHAROS_DATA_DIR: "off", OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: "50", ...env }, config: config() });
    try {
      expect((await postJson(gateway.url, "/v1/chat/completions", { model: "main", messages: [{ role: "user", content: "which protocol" }] })).status).toBe(200);
      await waitFor(() => received.length > 0, { timeoutMs: 10_000, what: "an OTLP export" });
    } finally {
      await gateway.stop();
    }
    return received[0]!;
  }

  it("sends OTLP/HTTP protobuf by default, the spec's default", async () => {
    const received: Received[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push({ path: req.url ?? "", contentType: String(req.headers["content-type"]), body: Buffer.concat(chunks) });
        res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    try {
      const got = await exportOnce(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {}, received);
      expect(got.path).toBe("/v1/traces");
      expect(got.contentType).toBe("application/x-protobuf");
      expect(got.body[0]).not.toBe("{".charCodeAt(0));
      // Protobuf carries strings as UTF-8 bytes: the span names are there verbatim.
      expect(got.body.includes("chat main")).toBe(true);
      expect(got.body.includes("route main")).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("speaks gRPC with OTEL_EXPORTER_OTLP_PROTOCOL=grpc", async () => {
    const received: Received[] = [];
    const server = createHttp2Server();
    server.on("stream", (stream, headers: IncomingHttpHeaders & { ":path"?: string }) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({ path: headers[":path"] ?? "", contentType: String(headers["content-type"]), body: Buffer.concat(chunks) });
        // An empty ExportTraceServiceResponse in gRPC framing (uncompressed, length 0), then grpc-status 0.
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(Buffer.alloc(5));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    try {
      const got = await exportOnce(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, received);
      expect(got.path).toBe("/opentelemetry.proto.collector.trace.v1.TraceService/Export");
      expect(got.contentType).toBe("application/grpc");
      expect(got.body.includes("chat main")).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("refuses to start with an unknown protocol, naming the variable and the choices", async () => {
    const env = { PATH: process.env["PATH"] ?? "", PHAROS_DATA_DIR: "off", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", OTEL_EXPORTER_OTLP_PROTOCOL: "http/xml" };
    const result = spawnSync(process.execPath, [PHAROS_MAIN, "serve", "--host", "127.0.0.1", "--port", String(await freePort())], { encoding: "utf8", env, timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('OTEL_EXPORTER_OTLP_PROTOCOL: "http/xml" is not an OTLP protocol (http/protobuf, http/json, grpc)');
  });
});
