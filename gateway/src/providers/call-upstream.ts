/**
 * One call to one deployment: build the request, send it through the deployment's transport
 * under its timeout, and either parse the whole answer or open the stream up to its first
 * chunk. Every failure comes out as a GatewayError from the catalogue. No retries here.
 */
import { MEGABYTE } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import type { Deployment } from "../router/deployments.ts";
import type { Operation, RequestBody } from "./openai-types.ts";
import { UpstreamStreamFailure } from "./provider.ts";
import type { ParsedResponse, ResponseIds, StreamDecoder, StreamEvent } from "./provider.ts";
import { splitterFor } from "./framing.ts";
import type { FrameSplitter } from "./framing.ts";
import { withExtraHeaders, withRequestDefaults } from "./request-defaults.ts";
import { classifyNetworkError, classifyUpstreamStatus, parseRetryAfter, timeoutError } from "./upstream-errors.ts";
import type { FailureSource } from "./upstream-errors.ts";
import type { UpstreamResponse } from "./transport.ts";

export interface CallRequest {
  readonly op: Operation;
  /** The body to send (gateway-only parameters already removed). */
  readonly body: RequestBody;
  readonly stream: boolean;
  /** The client asked for a usage chunk in the stream. */
  readonly includeUsage: boolean;
  readonly ids: ResponseIds;
  /** Aborts when the client goes away. */
  readonly clientSignal: AbortSignal;
}

export interface JsonResult {
  readonly kind: "json";
  readonly parsed: ParsedResponse;
  /** Milliseconds spent waiting on the upstream. */
  readonly upstreamMs: number;
}

export interface StreamResult {
  readonly kind: "stream";
  readonly stream: UpstreamStream;
}

const CLIENT_GONE = Symbol("client gone");
const TIMED_OUT = Symbol("timed out");

/** Headroom so our own timer (which knows the config value) fires before undici's. */
const TRANSPORT_TIMEOUT_SLACK_MS = 1000;

export function clientGoneError(): GatewayError {
  return new GatewayError("client_closed_request", "The client closed the connection before the answer was complete");
}

function sourceOf(deployment: Deployment): FailureSource {
  return { provider: deployment.adapter.kind, deploymentId: deployment.id, group: deployment.group };
}

/** Any failure during a call, as a GatewayError. */
function toFailure(error: unknown, deployment: Deployment, signal: AbortSignal, timeoutMs: number): GatewayError {
  if (signal.aborted && signal.reason === CLIENT_GONE) return clientGoneError();
  if (signal.aborted && signal.reason === TIMED_OUT) return timeoutError(sourceOf(deployment), timeoutMs / 1000);
  if (error instanceof GatewayError) return error;
  if (error instanceof UpstreamStreamFailure) return classifyUpstreamStatus(error.status, { message: error.message, code: undefined }, sourceOf(deployment));
  const network = classifyNetworkError(error, sourceOf(deployment), timeoutMs / 1000);
  if (network !== undefined) return network;
  const reason = error instanceof Error ? error.message : String(error);
  return new GatewayError("upstream_connection", `call to deployment ${deployment.id} failed: ${reason}`, { cause: error });
}

/** The body as text, refusing one over the deployment's max_response_size_mb (the upstream read is stopped). */
export async function boundedText(response: UpstreamResponse, limit: number, deploymentId: string): Promise<string> {
  const tooLarge = (bytes: string): GatewayError => {
    response.discard();
    return new GatewayError("upstream_response_too_large", `The response of deployment ${deploymentId} is larger than general_settings.max_response_size_mb (${Number((limit / MEGABYTE).toPrecision(3))} MB): ${bytes}`);
  };
  const declared = Number(response.headers["content-length"]);
  if (declared > limit) throw tooLarge(`${declared} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += buffer.byteLength;
    if (size > limit) throw tooLarge(`more than ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function callDeployment(deployment: Deployment, request: CallRequest): Promise<JsonResult | StreamResult> {
  if (request.clientSignal.aborted) throw clientGoneError();
  const body = withRequestDefaults(request.op, request.body, deployment.requestDefaults);
  const upstreamRequest = withExtraHeaders(deployment.adapter.buildRequest(request.op, body, deployment.target, request.stream), deployment.extraHeaders);
  const timeoutMs = request.stream ? deployment.streamTimeoutMs : deployment.timeoutMs;
  const controller = new AbortController();
  const onClientGone = (): void => controller.abort(CLIENT_GONE);
  request.clientSignal.addEventListener("abort", onClientGone, { once: true });
  const timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs);
  const release = (): void => {
    clearTimeout(timer);
    request.clientSignal.removeEventListener("abort", onClientGone);
  };
  const started = performance.now();
  let response: UpstreamResponse | undefined;
  try {
    const transportTimeout = timeoutMs + TRANSPORT_TIMEOUT_SLACK_MS;
    response = await deployment.transport.request(upstreamRequest, { signal: controller.signal, headersTimeoutMs: transportTimeout, bodyTimeoutMs: transportTimeout });
    if (response.status < 200 || response.status >= 300) {
      const text = await response.text();
      const detail = deployment.adapter.parseError(response.status, text);
      throw classifyUpstreamStatus(response.status, detail, sourceOf(deployment), parseRetryAfter(response.headers["retry-after"]));
    }
    if (!request.stream) {
      const text = deployment.maxResponseBytes === undefined ? await response.text() : await boundedText(response, deployment.maxResponseBytes, deployment.id);
      const upstreamMs = performance.now() - started;
      const parsed = deployment.adapter.parseResponse(request.op, text, deployment.target, body, request.ids);
      release();
      return { kind: "json", parsed, upstreamMs };
    }
    const decoder = deployment.adapter.createStreamDecoder(request.op, deployment.target, { ...request.ids, includeUsage: request.includeUsage });
    const headersMs = performance.now() - started;
    const frames = splitterFor(deployment.adapter.streamFraming);
    const stream = new UpstreamStream({ deployment, response, frames, decoder, controller, timer, release, timeoutMs, started, headersMs });
    await stream.open();
    return { kind: "stream", stream };
  } catch (error) {
    release();
    response?.discard();
    throw toFailure(error, deployment, controller.signal, timeoutMs);
  }
}

interface StreamParts {
  readonly deployment: Deployment;
  readonly response: UpstreamResponse;
  readonly frames: FrameSplitter;
  readonly decoder: StreamDecoder;
  readonly controller: AbortController;
  /** The call's timer: re-armed by every chunk, so the timeout is an idle timeout. */
  readonly timer: NodeJS.Timeout;
  readonly release: () => void;
  readonly timeoutMs: number;
  /** performance.now() when the request was sent. */
  readonly started: number;
  /** Milliseconds from sending to the response headers. */
  readonly headersMs: number;
}

/**
 * An upstream stream opened up to its first chunk. `next()` yields the following chunks;
 * the timeout is an idle timeout, re-armed by every chunk.
 */
export class UpstreamStream {
  readonly deployment: Deployment;
  /** The chunks decoded while opening (sent once the response is committed). */
  first: StreamEvent[] = [];
  /** Milliseconds from sending the request to the first decoded chunk. */
  firstChunkMs = 0;
  /** Milliseconds spent waiting on the upstream so far (from sending the request). */
  waitedMs: number;
  private readonly parts: StreamParts;
  private readonly iterator: AsyncIterator<Uint8Array | string>;
  private readonly text = new TextDecoder();
  private ended = false;
  private pendingFailure: unknown = undefined;

  constructor(parts: StreamParts) {
    this.parts = parts;
    this.deployment = parts.deployment;
    this.waitedMs = parts.headersMs;
    this.iterator = parts.response.body[Symbol.asyncIterator]();
  }

  /** performance.now() when the request was sent (the attempt's start). */
  get startedAt(): number {
    return this.parts.started;
  }

  get usage(): StreamDecoder["usage"] {
    return this.parts.decoder.usage;
  }

  /** Reads until the first chunk; throws (retryable) when the stream fails before it. */
  async open(): Promise<void> {
    const events = await this.next();
    if (events === undefined) throw new GatewayError("upstream_malformed", `${this.deployment.adapter.kind} upstream ended the stream before sending any chunk (deployment ${this.deployment.id})`);
    this.first = events;
    this.firstChunkMs = performance.now() - this.parts.started;
  }

  /**
   * The next chunks, or undefined when the upstream finished. An error the upstream reports
   * in the stream is thrown (as a GatewayError) after the chunks that preceded it.
   */
  async next(): Promise<StreamEvent[] | undefined> {
    if (this.pendingFailure !== undefined) return this.fail(this.pendingFailure);
    if (this.ended) return undefined;
    try {
      while (true) {
        const waitStart = performance.now();
        const { value, done } = await this.iterator.next();
        this.waitedMs += performance.now() - waitStart;
        this.parts.timer.refresh();
        const payloads = done === true ? this.parts.frames.end() : this.parts.frames.push(typeof value === "string" ? value : this.text.decode(value, { stream: true }));
        const events = this.decodeAll(payloads);
        if (done === true) {
          this.finish();
          if (this.pendingFailure === undefined) events.push(...this.parts.decoder.finish());
        }
        if (events.length > 0) return events;
        if (this.pendingFailure !== undefined) return this.fail(this.pendingFailure);
        if (done === true) return undefined;
      }
    } catch (error) {
      return this.fail(error);
    }
  }

  /** Decodes payloads until one carries an error, which is kept for the next call. */
  private decodeAll(payloads: readonly string[]): StreamEvent[] {
    const events: StreamEvent[] = [];
    for (const payload of payloads) {
      try {
        events.push(...this.parts.decoder.decode(payload));
      } catch (error) {
        this.pendingFailure = error;
        break;
      }
    }
    return events;
  }

  private fail(error: unknown): never {
    const failure = toFailure(error, this.deployment, this.parts.controller.signal, this.parts.timeoutMs);
    this.pendingFailure = undefined;
    this.close();
    throw failure;
  }

  /** Stops the upstream request (client gone, or an error already sent). */
  close(): void {
    if (this.ended) return;
    this.finish();
    if (!this.parts.controller.signal.aborted) this.parts.controller.abort(CLIENT_GONE);
    this.parts.response.discard();
  }

  private finish(): void {
    this.ended = true;
    this.parts.release();
  }
}
