/**
 * Writes a server-sent event stream to the client: `data: {json}\n\n` frames, an in-band error
 * event when the upstream fails mid-stream, and always a final `data: [DONE]`. Writes respect
 * backpressure: when the client reads slowly, the upstream is read slowly too.
 */
import type { ServerResponse } from "node:http";

const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  // Tells nginx not to buffer this response even where proxy_buffering is on.
  "x-accel-buffering": "no",
};

const DONE = "data: [DONE]\n\n";

export class SseWriter {
  private readonly res: ServerResponse;

  constructor(res: ServerResponse) {
    this.res = res;
  }

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  /**
   * Sends status and headers (the response is committed from here on). `trailers` names the
   * headers that only the end of the stream knows (sent as HTTP trailers by `end`).
   */
  start(headers: Record<string, string>, trailers: readonly string[] = []): void {
    this.res.writeHead(200, trailers.length === 0 ? { ...SSE_HEADERS, ...headers } : { ...SSE_HEADERS, ...headers, trailer: trailers.join(", ") });
  }

  /** Writes frames (JSON texts) in one write; resolves when the client can take more. */
  async write(payloads: readonly string[]): Promise<void> {
    if (!this.open || payloads.length === 0) return;
    let frames = "";
    for (const payload of payloads) frames += `data: ${payload}\n\n`;
    if (!this.res.write(frames)) await this.drained();
  }

  /** Ends the stream with `data: [DONE]`, after an in-band error event if one is given, then the trailers. */
  end(errorPayload?: string, trailers?: Record<string, string>): void {
    if (!this.open) return;
    if (trailers !== undefined) this.res.addTrailers(trailers);
    this.res.end(errorPayload === undefined ? DONE : `data: ${errorPayload}\n\n${DONE}`);
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.res.off("drain", done);
        this.res.off("close", done);
        resolve();
      };
      this.res.on("drain", done);
      this.res.on("close", done);
    });
  }
}
