/**
 * Scripted faults for the mock upstream: a queue consumed one entry per matching request,
 * plus an optional default applied when the queue has nothing for the request.
 */

/** A function call the mock answers with. */
export interface MockToolCall {
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
}

export interface Fault {
  /** Answer with this HTTP status and the provider's error body. */
  readonly status?: number;
  /** The error message (e.g. "This model's maximum context length is 4096 tokens"). */
  readonly message?: string;
  /** The error code/type the provider would send (e.g. "context_length_exceeded"). */
  readonly code?: string;
  /** Seconds, sent as Retry-After (with 429 or 503). */
  readonly retryAfter?: number;
  /** Never answer: the request hangs until the client gives up. */
  readonly hang?: boolean;
  /** Destroy the connection without answering. */
  readonly reset?: boolean;
  /** Answer 200 with a body that is not valid JSON. */
  readonly malformed?: boolean;
  /** Streaming: send this many chunks, then destroy the connection. */
  readonly breakAfterChunks?: number;
  /** Streaming: send this many chunks, then an in-band error event, then end. */
  readonly errorAfterChunks?: number;
  /** Extra latency before the response headers, in milliseconds. */
  readonly latencyMs?: number;
  /** Milliseconds between stream chunks for this request. */
  readonly chunkDelayMs?: number;
  /** Reply text instead of the default. */
  readonly reply?: string;
  /** Chat: answer with these function calls instead of text (in the provider's own format; streamed one per chunk). */
  readonly toolCalls?: readonly MockToolCall[];
  /** Only requests whose route name contains this text (e.g. "chat", "/api/tags"). */
  readonly route?: string;
  /** How many requests this entry applies to (default 1). */
  readonly times?: number;
}

interface QueuedFault {
  readonly fault: Fault;
  remaining: number;
}

export class FaultScript {
  private queue: QueuedFault[] = [];
  private fallback: Fault | undefined;

  push(...faults: Fault[]): void {
    for (const fault of faults) this.queue.push({ fault, remaining: fault.times ?? 1 });
  }

  /** A fault applied to every request the queue does not cover; undefined clears it. */
  setDefault(fault: Fault | undefined): void {
    this.fallback = fault;
  }

  clear(): void {
    this.queue = [];
    this.fallback = undefined;
  }

  /** The fault for a request to `route`, consuming one use of a queued entry. */
  take(route: string): Fault | undefined {
    const index = this.queue.findIndex((entry) => entry.fault.route === undefined || route.includes(entry.fault.route));
    if (index === -1) {
      const fallback = this.fallback;
      return fallback !== undefined && (fallback.route === undefined || route.includes(fallback.route)) ? fallback : undefined;
    }
    const entry = this.queue[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.queue.splice(index, 1);
    return entry.fault;
  }

  pending(): number {
    return this.queue.length;
  }
}
