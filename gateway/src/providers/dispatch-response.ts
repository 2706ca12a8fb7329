/**
 * An upstream call on undici's dispatch API: the response's chunks go straight into a small
 * queue that the pipeline reads (whole, or chunk by chunk for streams), with no stream objects
 * in between — a proxy reads every response, so this is the hot path. Backpressure: a stream
 * whose reader falls behind pauses the upstream socket.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import type { UpstreamRequest } from "./provider.ts";
import type { TransportCallOptions, UpstreamResponse } from "./transport.ts";

/** Queued bytes beyond which the upstream socket is paused until the reader catches up. */
const HIGH_WATER_BYTES = 64 * 1024;

type Waiter = { resolve: (result: IteratorResult<Uint8Array>) => void; reject: (error: unknown) => void };

class ResponseHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private readonly signal: AbortSignal;
  private readonly started: { resolve: (response: UpstreamResponse) => void; reject: (error: unknown) => void };
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private waiter: Waiter | undefined;
  private ended = false;
  private failure: unknown = undefined;
  private responded = false;

  constructor(signal: AbortSignal, started: ResponseHandler["started"]) {
    this.signal = signal;
    this.started = started;
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Aborts the request now, or as soon as undici starts it (a request still queued in the pool). */
  private readonly onAbort = (): void => {
    const reason: unknown = this.signal.reason;
    this.controller?.abort(reason instanceof Error ? reason : new Error("the upstream request was aborted"));
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.signal.aborted) this.onAbort();
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.responded = true;
    const body: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: () => this.next() }) };
    this.started.resolve({ status: statusCode, headers, body, text: () => this.text(), discard: () => this.discard() });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ value: chunk, done: false });
      return;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER_BYTES && !controller.paused) controller.pause();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.settle();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (!this.responded) {
      this.release();
      this.started.reject(error);
      return;
    }
    this.failure = error;
    this.settle();
  }

  /** The next chunk for a stream reader. */
  private next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.queuedBytes -= chunk.length;
      if (this.controller?.paused === true && this.queuedBytes <= HIGH_WATER_BYTES / 2) this.controller.resume();
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** The whole body as text, once the response ended. */
  private async text(): Promise<string> {
    const chunks: Buffer[] = [];
    while (true) {
      const { value, done } = await this.next();
      if (done === true) break;
      chunks.push(value as Buffer);
    }
    return chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
  }

  private discard(): void {
    if (!this.ended && this.failure === undefined) this.controller?.abort(new Error("the response was discarded"));
    this.queue = [];
    this.queuedBytes = 0;
  }

  /** The response ended or failed: wake a waiting reader and stop listening for aborts. */
  private settle(): void {
    this.release();
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    if (this.failure !== undefined) waiter.reject(this.failure);
    else waiter.resolve({ value: undefined, done: true });
  }

  private release(): void {
    this.signal.removeEventListener("abort", this.onAbort);
  }
}

/** Sends `request` on `dispatcher`; resolves with the response once its headers arrived. */
export function dispatchRequest(dispatcher: Dispatcher, request: UpstreamRequest, options: TransportCallOptions): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const handler = new ResponseHandler(options.signal, { resolve, reject });
    dispatcher.dispatch(
      {
        path: request.path,
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
      },
      handler,
    );
  });
}
