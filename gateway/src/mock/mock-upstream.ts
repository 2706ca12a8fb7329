/**
 * A mock LLM server that speaks the real wire formats of OpenAI-compatible servers, Ollama,
 * Gemini and Voyage, with configurable latency, scripted faults and hit counts. Used by
 * `pharos mock-upstream`, by the tests, and in-process by `fake/` models.
 *
 * Control (HTTP only): GET /__mock/stats, POST /__mock/faults {faults?, default?},
 * DELETE /__mock/faults, POST /__mock/reset.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { FaultScript } from "./faults.ts";
import type { Fault } from "./faults.ts";
import { JSON_TYPE } from "./reply.ts";
import type { MockCall, MockReply, MockRoute, WireFormat } from "./reply.ts";
import { geminiWire } from "./wire-gemini.ts";
import { ollamaWire } from "./wire-ollama.ts";
import { openAiWire } from "./wire-openai.ts";
import { voyageWire } from "./wire-voyage.ts";

export interface MockUpstreamOptions {
  /** Milliseconds before every response's headers. */
  readonly latencyMs?: number;
  /** Milliseconds between stream chunks. */
  readonly chunkDelayMs?: number;
  /** How many recent requests `stats().requests` keeps. */
  readonly keepRequests?: number;
  /** The text of every chat and completion answer (litellm_params.mock_response), unless a fault sets one. */
  readonly reply?: string;
}

export interface RecordedRequest {
  readonly route: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

export interface MockStats {
  /** Requests per route name (e.g. "openai chat", "ollama /api/tags"). */
  readonly hits: Record<string, number>;
  readonly total: number;
  /** Requests whose client went away before the response was complete. */
  readonly aborted: number;
  /** The most recent requests, oldest first. */
  readonly requests: readonly RecordedRequest[];
}

const WIRES: readonly WireFormat[] = [voyageWire, openAiWire, ollamaWire, geminiWire];

interface Matched {
  readonly route: MockRoute;
  readonly wire: WireFormat;
  readonly params: Record<string, string>;
}

function match(method: string, path: string): Matched | undefined {
  for (const wire of WIRES) {
    for (const route of wire.routes) {
      if (route.method !== method) continue;
      const found = route.pattern.exec(path);
      if (found !== null) return { route, wire, params: { ...(found.groups ?? {}) } };
    }
  }
  return undefined;
}

export class MockUpstream {
  readonly faults = new FaultScript();
  private readonly options: MockUpstreamOptions;
  private hits: Record<string, number> = {};
  private total = 0;
  private aborted = 0;
  private requests: RecordedRequest[] = [];
  private server: Server | undefined;
  private baseUrl: string | undefined;

  constructor(options: MockUpstreamOptions = {}) {
    this.options = options;
  }

  /** Answers one call: routing, hit counting, faults and latency. */
  async handle(call: MockCall, signal?: AbortSignal): Promise<MockReply> {
    const matched = match(call.method, call.path);
    if (matched === undefined) {
      return { kind: "body", status: 404, headers: JSON_TYPE, text: openAiWire.errorBody(404, `mock upstream has no route ${call.method} ${call.path}`, "not_found") };
    }
    const name = matched.route.name;
    this.hits[name] = (this.hits[name] ?? 0) + 1;
    this.total += 1;
    this.record({ route: name, method: call.method, path: call.path, query: call.query.toString(), headers: call.headers, body: call.body });
    const fault: Fault = this.faults.take(name) ?? {};
    const latency = (this.options.latencyMs ?? 0) + (fault.latencyMs ?? 0);
    if (latency > 0) await sleep(latency, undefined, signal === undefined ? {} : { signal });
    if (fault.hang === true) return { kind: "hang" };
    if (fault.reset === true) return { kind: "reset" };
    if (fault.malformed === true) return { kind: "body", status: 200, headers: JSON_TYPE, text: '{"id": "broken", "choices": [' };
    if (fault.status !== undefined && fault.status >= 400) {
      const headers: Record<string, string> = { ...JSON_TYPE };
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      const message = fault.message ?? `mock upstream scripted error ${fault.status}`;
      return { kind: "body", status: fault.status, headers, text: matched.wire.errorBody(fault.status, message, fault.code) };
    }
    const reply = matched.route.answer({
      call,
      params: matched.params,
      reply: fault.reply ?? this.options.reply,
      toolCalls: fault.toolCalls,
      frameDelayMs: fault.chunkDelayMs ?? this.options.chunkDelayMs ?? 0,
      errorAfterChunks: fault.errorAfterChunks,
    });
    if (reply.kind === "stream" && fault.breakAfterChunks !== undefined) return { ...reply, breakAfter: fault.breakAfterChunks };
    return reply;
  }

  stats(): MockStats {
    return { hits: { ...this.hits }, total: this.total, aborted: this.aborted, requests: [...this.requests] };
  }

  resetStats(): void {
    this.hits = {};
    this.total = 0;
    this.aborted = 0;
    this.requests = [];
  }

  /** Counts a request whose client disconnected early (the in-process transport reports these too). */
  noteAborted(): void {
    this.aborted += 1;
  }

  get url(): string {
    if (this.baseUrl === undefined) throw new Error("mock upstream is not listening");
    return this.baseUrl;
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = createServer((req, res) => {
      this.serveHttp(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, JSON_TYPE);
        res.end(openAiWire.errorBody(500, `mock upstream failed: ${String(error)}`, undefined));
      });
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.baseUrl = `http://${host}:${address.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private record(request: RecordedRequest): void {
    this.requests.push(request);
    const keep = this.options.keepRequests ?? 100;
    if (this.requests.length > keep) this.requests.splice(0, this.requests.length - keep);
  }

  private async serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://mock");
    const text = await readBody(req);
    if (url.pathname.startsWith("/__mock/")) return this.control(req.method ?? "GET", url.pathname, text, res);
    let body: unknown;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        res.writeHead(400, JSON_TYPE);
        res.end(openAiWire.errorBody(400, "mock upstream: request body is not JSON", "invalid_json"));
        return;
      }
    }
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) {
        this.noteAborted();
        controller.abort();
      }
    });
    const call: MockCall = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, body };
    let reply: MockReply;
    try {
      reply = await this.handle(call, controller.signal);
    } catch (error) {
      if (controller.signal.aborted) return;
      throw error;
    }
    await writeReply(reply, res, controller.signal);
  }

  private control(method: string, path: string, text: string, res: ServerResponse): void {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, JSON_TYPE);
      res.end(JSON.stringify(body));
    };
    if (method === "GET" && path === "/__mock/stats") return send(200, this.stats());
    if (method === "DELETE" && path === "/__mock/faults") {
      this.faults.clear();
      return send(200, { ok: true });
    }
    if (method === "POST" && path === "/__mock/reset") {
      this.faults.clear();
      this.resetStats();
      return send(200, { ok: true });
    }
    if (method === "POST" && path === "/__mock/faults") {
      let parsed: { faults?: Fault[]; default?: Fault | null };
      try {
        parsed = JSON.parse(text || "{}") as typeof parsed;
      } catch {
        return send(400, { error: "body is not JSON" });
      }
      if (Array.isArray(parsed.faults)) this.faults.push(...parsed.faults);
      if (parsed.default !== undefined) this.faults.setDefault(parsed.default ?? undefined);
      return send(200, { ok: true, pending: this.faults.pending() });
    }
    send(404, { error: `no control route ${method} ${path}` });
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function writeReply(reply: MockReply, res: ServerResponse, signal: AbortSignal): Promise<void> {
  switch (reply.kind) {
    case "hang":
      return; // the connection stays open until the client gives up
    case "reset":
      res.socket?.destroy();
      return;
    case "body":
      res.writeHead(reply.status, { ...reply.headers, "content-length": Buffer.byteLength(reply.text) });
      res.end(reply.text);
      return;
    case "stream": {
      res.writeHead(reply.status, reply.headers);
      const frames = reply.breakAfter === undefined ? reply.frames : reply.frames.slice(0, reply.breakAfter);
      if (reply.frameDelayMs <= 0) {
        res.write(frames.join(""));
      } else {
        for (const frame of frames) {
          if (signal.aborted) return;
          res.write(frame);
          try {
            await sleep(reply.frameDelayMs, undefined, { signal });
          } catch {
            return;
          }
        }
      }
      if (reply.breakAfter !== undefined) {
        // Let the frames leave before the connection dies mid-stream.
        await sleep(20);
        res.socket?.destroy();
        return;
      }
      res.end();
      return;
    }
  }
}
