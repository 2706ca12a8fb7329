/**
 * The adapter interface every provider implements. Adapters are pure translators: they build
 * the upstream request from an OpenAI request, and turn upstream bytes back into OpenAI shapes.
 * They never do I/O; the transport (transport.ts) moves the bytes.
 */
import type { Operation, RequestBody, ResponseBody, StreamChunk, Usage } from "./openai-types.ts";
import type { ContentSupport } from "./content-parts.ts";
import type { ParamSupport } from "./param-support.ts";

/** What an adapter needs to know about the deployment it talks to. */
export interface UpstreamTarget {
  /** Upstream model name, without the provider prefix. */
  readonly model: string;
  /** Path prefix of api_base, without a trailing slash (`/v1`, or ``). */
  readonly basePath: string;
  /** Query string of api_base including `?`, or ``. */
  readonly baseQuery: string;
  readonly apiKey: string | undefined;
}

export interface UpstreamRequest {
  readonly method: "GET" | "POST";
  /** Path and query, relative to the api_base origin. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface ParsedResponse {
  readonly body: ResponseBody;
  /** The upstream text itself, when the body needed no change (OpenAI-compatible pass-through). */
  readonly raw?: string;
  readonly usage: Usage | undefined;
}

export interface StreamEvent {
  readonly chunk: StreamChunk;
  /** The upstream JSON text of the chunk, when it needed no change. */
  readonly raw?: string;
}

export interface StreamDecoder {
  /** Usage reported by the upstream so far (complete once the stream ended). */
  readonly usage: Usage | undefined;
  /**
   * Decodes one payload (an SSE event's data, or one NDJSON line) into OpenAI chunks.
   * Throws UpstreamStreamFailure for an error the upstream reports in the stream.
   */
  decode(payload: string): StreamEvent[];
  /** The upstream ended the stream; returns any closing chunks. */
  finish(): StreamEvent[];
}

/** An error the upstream reported inside a stream (an error event or line). */
export class UpstreamStreamFailure extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "UpstreamStreamFailure";
    this.status = status;
  }
}

export interface ErrorDetail {
  /** The upstream's own message, as useful to the client as it gets. */
  readonly message: string;
  /** The upstream's error type or code, used to classify (context window, content policy). */
  readonly code: string | undefined;
}

/** The id and creation time of a response Pharos builds (translated providers). */
export interface ResponseIds {
  readonly id: string;
  readonly created: number;
}

export interface StreamOptions extends ResponseIds {
  /** The client asked for a usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
}

export interface ProviderAdapter {
  /** The provider kind, as written in the model prefix (`openai`, `ollama_chat`, …). */
  readonly kind: string;
  /** OpenTelemetry `gen_ai.provider.name`. */
  readonly otelName: string;
  readonly operations: ReadonlySet<Operation>;
  /**
   * The request fields it sends upstream, per operation (translated or as sent); any other
   * field is refused or dropped by param-support.ts, never silently left out.
   */
  readonly params: Readonly<Record<Operation, ParamSupport>>;
  /** The chat content parts it sends (text, inline images, …); any other part is refused by content-parts.ts. */
  readonly contentParts: ContentSupport;
  /** Stream framing: how the upstream separates events. */
  readonly streamFraming: "sse" | "ndjson";
  buildRequest(op: Operation, body: RequestBody, target: UpstreamTarget, stream: boolean): UpstreamRequest;
  /** Throws GatewayError `upstream_malformed` when the body is not what the provider sends. */
  parseResponse(op: Operation, text: string, target: UpstreamTarget, request: RequestBody, ids: ResponseIds): ParsedResponse;
  createStreamDecoder(op: Operation, target: UpstreamTarget, options: StreamOptions): StreamDecoder;
  parseError(status: number, text: string): ErrorDetail;
  /** A cheap request that tells whether the deployment answers (`/api/tags`, `/v1/models`). */
  healthProbe(target: UpstreamTarget): UpstreamRequest;
}
