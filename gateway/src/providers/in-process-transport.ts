/**
 * The transport of `fake/` models: the request is answered by the mock upstream's own code,
 * inside this process, with no socket. Faults and latency behave as over HTTP.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { MockUpstream } from "../mock/mock-upstream.ts";
import type { MockReply } from "../mock/reply.ts";
import type { UpstreamRequest } from "./provider.ts";
import type { PoolStats, Transport, TransportCallOptions, UpstreamResponse } from "./transport.ts";

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

export class InProcessTransport implements Transport {
  readonly mock: MockUpstream;

  constructor(mock: MockUpstream) {
    this.mock = mock;
  }

  async request(request: UpstreamRequest, options: TransportCallOptions): Promise<UpstreamResponse> {
    const url = new URL(request.path, "http://in-process");
    const body: unknown = request.body === undefined ? undefined : JSON.parse(request.body);
    const reply = await this.mock.handle({ method: request.method, path: url.pathname, query: url.searchParams, headers: request.headers, body }, options.signal);
    return this.respond(reply, options.signal);
  }

  private async respond(reply: MockReply, signal: AbortSignal): Promise<UpstreamResponse> {
    switch (reply.kind) {
      case "hang":
        await new Promise<never>((_, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
        });
        throw new Error("unreachable");
      case "reset":
        throw Object.assign(new Error("in-process upstream reset the connection"), { code: "ECONNRESET" });
      case "body":
        return {
          status: reply.status,
          headers: reply.headers,
          body: once(reply.text),
          text: () => Promise.resolve(reply.text),
          discard: () => undefined,
        };
      case "stream": {
        const mock = this.mock;
        const { breakAfter, frameDelayMs } = reply;
        const frames = breakAfter === undefined ? reply.frames : reply.frames.slice(0, breakAfter);
        async function* chunks(): AsyncGenerator<string> {
          for (const frame of frames) {
            if (signal.aborted) {
              mock.noteAborted();
              return;
            }
            yield frame;
            if (frameDelayMs > 0) await sleep(frameDelayMs, undefined, { signal });
          }
          if (breakAfter !== undefined) throw Object.assign(new Error("in-process upstream broke the stream"), { code: "ECONNRESET" });
        }
        return {
          status: reply.status,
          headers: reply.headers,
          body: chunks(),
          text: async () => frames.join(""),
          discard: () => undefined,
        };
      }
    }
  }

  stats(): PoolStats | undefined {
    return undefined;
  }

  async close(): Promise<void> {}
}
