/**
 * The harness' HTTP client: an undici Pool per target (keep-alive, one request per connection at
 * a time, at most `connections` sockets, like one Locust HttpSession per user). `send` times the
 * request from the moment it is handed to the pool to the last byte of the body, reading server-
 * sent events as they arrive when the request asked for a stream.
 */
import { Pool } from "undici";
import type { Dispatcher } from "undici";
import { StreamMeter } from "./stream-meter.ts";
import type { StreamTiming } from "./stream-meter.ts";

export interface HttpRequest {
  readonly method: string;
  /** Appended to the target's base URL, as Locust does (`host + path`). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly stream: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Body bytes received. */
  readonly bytes: number;
  /** performance.now() when the request was handed to the pool. */
  readonly sentAt: number;
  /** Send → last body byte, in milliseconds. */
  readonly durationMs: number;
  readonly stream: StreamTiming | undefined;
}

export class HttpClient {
  readonly baseUrl: string;
  private readonly prefix: string;
  private readonly pool: Pool;

  constructor(baseUrl: string, connections: number) {
    const url = new URL(baseUrl);
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.prefix = url.pathname.replace(/\/+$/, "");
    this.pool = new Pool(url.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  urlOf(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** Rejects on network errors and on abort; HTTP error statuses resolve. */
  async send(request: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    const sentAt = performance.now();
    const response = await this.pool.request({
      path: `${this.prefix}${request.path}`,
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers,
      body: request.body ?? null,
      signal,
    });
    const meter = request.stream && response.statusCode < 300 ? new StreamMeter(sentAt) : undefined;
    let bytes = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      meter?.feed(chunk, performance.now());
    }
    return { status: response.statusCode, headers: response.headers, bytes, sentAt, durationMs: performance.now() - sentAt, stream: meter?.result() };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
