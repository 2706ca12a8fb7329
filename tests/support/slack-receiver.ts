/**
 * Slack, as far as tests can have it: a local HTTP server that records every webhook POST
 * (path and JSON body) and answers like Slack's incoming webhooks ("ok"). It can play a Slack
 * outage: answer 500/429, or hang without answering.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { waitFor } from "./wait-for.ts";

export interface SlackPost {
  readonly path: string;
  readonly body: Record<string, unknown>;
  /** Date.now() when it arrived. */
  readonly at: number;
}

export type SlackBehaviour = { readonly kind: "ok" } | { readonly kind: "status"; readonly status: number } | { readonly kind: "hang" };

export interface SlackReceiver {
  /** Base URL; post to `${url}/services/<anything>`. */
  readonly url: string;
  readonly posts: SlackPost[];
  behave(behaviour: SlackBehaviour): void;
  /** Requests that arrived while hanging or failing (they are not in `posts`). */
  refused(): number;
  /** Every post's text: top-level text, attachments' titles and texts, blocks' texts. */
  texts(filter?: (post: SlackPost) => boolean): string[];
  waitForPost(predicate: (post: SlackPost) => boolean, timeoutMs?: number): Promise<SlackPost>;
  close(): Promise<void>;
}

/** All human-readable text in a Slack payload (attachments and Block Kit included). */
export function slackText(body: unknown): string {
  const parts: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === "string") {
      if (["text", "title", "pretext", "fallback", "footer", "title_link", "url", "alt_text"].includes(key)) parts.push(value);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (value !== null && typeof value === "object") {
      for (const [child, item] of Object.entries(value)) walk(item, child);
    }
  };
  walk(body, "");
  return parts.join("\n");
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startSlackReceiver(): Promise<SlackReceiver> {
  const posts: SlackPost[] = [];
  let behaviour: SlackBehaviour = { kind: "ok" };
  let refused = 0;
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      if (behaviour.kind === "hang") {
        refused += 1;
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      if (behaviour.kind === "status") {
        refused += 1;
        res.writeHead(behaviour.status, { "content-type": "text/plain" }).end(behaviour.status === 429 ? "rate_limited" : "internal_error");
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        res.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload");
        return;
      }
      posts.push({ path: req.url ?? "/", body, at: Date.now() });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    behave: (next) => {
      behaviour = next;
      if (next.kind !== "hang") for (const res of hanging) res.destroy();
    },
    refused: () => refused,
    texts: (filter) => posts.filter(filter ?? (() => true)).map((post) => slackText(post.body)),
    waitForPost: (predicate, timeoutMs = 30_000) => waitFor(() => posts.find(predicate), { timeoutMs, intervalMs: 100, what: "a Slack post" }),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
