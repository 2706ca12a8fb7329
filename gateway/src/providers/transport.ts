/**
 * Moves bytes to an upstream and back. Two implementations: keep-alive undici pools (one per
 * api_base origin) and the in-process mock used by `fake/` models. The transport never retries:
 * retries are the router's decision alone.
 */
import type { IncomingHttpHeaders } from "node:http";
import { Pool } from "undici";
import { dispatchRequest } from "./dispatch-response.ts";
import type { UpstreamRequest } from "./provider.ts";

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body, chunk by chunk. */
  readonly body: AsyncIterable<Uint8Array | string>;
  /** The whole body as text. */
  text(): Promise<string>;
  /** Stops reading and releases the connection. */
  discard(): void;
}

export interface TransportCallOptions {
  readonly signal: AbortSignal;
  /** Milliseconds to wait for response headers. */
  readonly headersTimeoutMs: number;
  /** Milliseconds of silence tolerated between body chunks. */
  readonly bodyTimeoutMs: number;
}

export interface PoolStats {
  readonly origin: string;
  readonly connected: number;
  readonly free: number;
  readonly pending: number;
  readonly running: number;
}

export interface Transport {
  request(request: UpstreamRequest, options: TransportCallOptions): Promise<UpstreamResponse>;
  stats(): PoolStats | undefined;
  close(): Promise<void>;
}

export interface HttpPoolOptions {
  /** Connections per origin; undefined means no limit. */
  readonly connections?: number;
  readonly keepAliveTimeoutMs?: number;
}

/** One undici Pool per origin; deployments on the same server share it. */
export class HttpTransports {
  private readonly pools = new Map<string, HttpTransport>();
  private readonly options: HttpPoolOptions;

  constructor(options: HttpPoolOptions = {}) {
    this.options = options;
  }

  forOrigin(origin: string): HttpTransport {
    let transport = this.pools.get(origin);
    if (transport === undefined) {
      transport = new HttpTransport(origin, this.options);
      this.pools.set(origin, transport);
    }
    return transport;
  }

  all(): HttpTransport[] {
    return [...this.pools.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((transport) => transport.close()));
  }
}

export class HttpTransport implements Transport {
  readonly origin: string;
  private readonly pool: Pool;

  constructor(origin: string, options: HttpPoolOptions) {
    this.origin = origin;
    this.pool = new Pool(origin, {
      ...(options.connections === undefined ? {} : { connections: options.connections }),
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      pipelining: 1,
    });
  }

  request(request: UpstreamRequest, options: TransportCallOptions): Promise<UpstreamResponse> {
    return dispatchRequest(this.pool, request, options);
  }

  stats(): PoolStats {
    const stats = this.pool.stats;
    return { origin: this.origin, connected: stats.connected, free: stats.free, pending: stats.pending, running: stats.running };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
