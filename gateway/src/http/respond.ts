/**
 * Writes a proxied JSON answer straight to the socket: one writeHead with every header and one
 * end, instead of Koa's per-header setters and body inspection (the hot path of every request).
 */
import type { PharosContext } from "../request-state.ts";

const JSON_TYPE = "application/json; charset=utf-8";

export function sendJsonText(ctx: PharosContext, text: string, headers: Record<string, string>): void {
  ctx.respond = false;
  ctx.status = 200;
  headers["content-type"] = JSON_TYPE;
  headers["content-length"] = String(Buffer.byteLength(text));
  ctx.res.writeHead(200, headers);
  ctx.res.end(text);
}
