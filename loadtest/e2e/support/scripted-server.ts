/**
 * A tiny HTTP server for the harness tests whose answers are scripted per request: status,
 * latency before the headers, headers, and either a body or SSE frames with a delay between
 * them. It counts requests per path. Listens on 127.0.0.1, port 0.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptedReply {
  readonly status?: number;
  readonly delayMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Server-sent event frames, written `frameDelayMs` apart. */
  readonly frames?: readonly string[];
  readonly frameDelayMs?: number;
}

/** `index` counts requests to the same path, from 0. */
export type Script = (request: IncomingMessage, index: number) => ScriptedReply;

export class ScriptedServer {
  readonly hits = new Map<string, number>();
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(script: Script) {
    this.server = createServer((request, response) => {
      request.resume();
      const path = new URL(request.url ?? "/", "http://x").pathname;
      const index = this.hits.get(path) ?? 0;
      this.hits.set(path, index + 1);
      const reply = script(request, index);
      this.later(reply.delayMs ?? 0, () => {
        response.writeHead(reply.status ?? 200, { "content-type": reply.frames === undefined ? "application/json" : "text/event-stream", ...reply.headers });
        if (reply.frames === undefined) return void response.end(reply.body ?? "{}");
        const frames = [...reply.frames];
        const next = (): void => {
          const frame = frames.shift();
          if (frame === undefined) return void response.end();
          response.write(frame);
          this.later(reply.frameDelayMs ?? 0, next);
        };
        next();
      });
    });
    this.server.keepAliveTimeout = 30_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  hitsOf(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Runs `run` no sooner than `ms` of wall time from now. A timer alone can fire a fraction of a
   * millisecond early (libuv measures from the loop's cached clock, taken before this handler
   * ran), which would let a client see less than the scripted latency; the rest is waited out.
   */
  private later(ms: number, run: () => void, due = performance.now() + ms): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const left = due - performance.now();
      if (left > 0) this.later(left, run, due);
      else run();
    }, ms);
    this.timers.add(timer);
  }
}

/** An OpenAI chat stream: a role chunk, one chunk per piece, a usage chunk, [DONE]. */
export function chatStreamFrames(pieces: readonly string[]): string[] {
  const data = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;
  return [
    data({ choices: [{ index: 0, delta: { role: "assistant", content: "" } }] }),
    ...pieces.map((content) => data({ choices: [{ index: 0, delta: { content } }] })),
    data({ choices: [], usage: { prompt_tokens: 3, completion_tokens: pieces.length, total_tokens: 3 + pieces.length } }),
    "data: [DONE]\n\n",
  ];
}
