/**
 * Reads an OpenAI-style server-sent event stream as it arrives and times it:
 * - TTFT: send → the first event that carries content (a non-empty `delta.content` or `text`);
 *   the role-only first chunk many servers send does not count;
 * - inter-token latency: the gaps between consecutive content-carrying events (per event, so a
 *   server that packs several tokens into one event shows fewer, longer gaps);
 * - output tokens: `usage.completion_tokens` of the final usage chunk (asked for with
 *   `stream_options.include_usage`);
 * - an in-band `{"error": ...}` event marks the stream as failed.
 */
import { createParser } from "eventsource-parser";
import type { EventSourceParser } from "eventsource-parser";

export interface StreamTiming {
  /** Milliseconds from send to the first content event; undefined when none came. */
  readonly ttftMs: number | undefined;
  readonly gapsMs: readonly number[];
  readonly outputTokens: number | undefined;
  readonly error: string | undefined;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function contentOf(event: Record<string, unknown>): string {
  const choices = event["choices"];
  if (!Array.isArray(choices)) return "";
  const choice = record(choices[0]);
  const delta = record(choice["delta"]);
  const content = delta["content"] ?? choice["text"];
  return typeof content === "string" ? content : "";
}

function errorOf(event: Record<string, unknown>): string | undefined {
  const error = event["error"];
  if (error === undefined || error === null) return undefined;
  const message = record(error)["message"];
  return typeof message === "string" ? message : JSON.stringify(error);
}

export class StreamMeter {
  private readonly sentAt: number;
  private readonly decoder = new TextDecoder();
  private readonly parser: EventSourceParser;
  private ttftMs: number | undefined;
  private lastContentAt: number | undefined;
  private readonly gapsMs: number[] = [];
  private outputTokens: number | undefined;
  private error: string | undefined;
  private now = 0;

  /** `sentAt` and the times given to `feed` are on the same millisecond clock (performance.now). */
  constructor(sentAt: number) {
    this.sentAt = sentAt;
    this.parser = createParser({ onEvent: (event) => this.onData(event.data) });
  }

  feed(chunk: Uint8Array, at: number): void {
    this.now = at;
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
  }

  result(): StreamTiming {
    return { ttftMs: this.ttftMs, gapsMs: this.gapsMs, outputTokens: this.outputTokens, error: this.error };
  }

  private onData(data: string): void {
    if (data === "[DONE]") return;
    let event: Record<string, unknown>;
    try {
      event = record(JSON.parse(data));
    } catch {
      this.error ??= `stream event is not JSON: ${data.slice(0, 80)}`;
      return;
    }
    this.error ??= errorOf(event);
    const tokens = record(event["usage"])["completion_tokens"];
    if (typeof tokens === "number") this.outputTokens = tokens;
    if (contentOf(event) === "") return;
    if (this.lastContentAt === undefined) this.ttftMs = this.now - this.sentAt;
    else this.gapsMs.push(this.now - this.lastContentAt);
    this.lastContentAt = this.now;
  }
}
