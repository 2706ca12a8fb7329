/**
 * Reads a request body as one JSON object, under a size limit. JSON sent with curl's default
 * form content type is accepted, as LiteLLM does; other non-JSON media types get a 415, and so
 * does a compressed body (any Content-Encoding but identity: Pharos reads bodies as sent).
 */
import type { IncomingMessage } from "node:http";
import { GatewayError } from "../errors.ts";
import type { PharosContext } from "../request-state.ts";

const JSON_LIKE = /^(application\/(json|[\w.+-]+\+json|x-www-form-urlencoded)|text\/plain)\s*(;|$)/i;

export async function readJsonBody(ctx: PharosContext, limitBytes: number): Promise<Record<string, unknown>> {
  const type = ctx.get("content-type");
  if (type !== "" && !JSON_LIKE.test(type)) {
    throw new GatewayError("unsupported_media_type", `Content-Type '${type.split(";")[0]}' is not supported: send the request body as application/json`);
  }
  const encoding = unsupportedEncoding(ctx.get("content-encoding"));
  if (encoding !== undefined) {
    // RFC 7694: a 415 for an encoding names the ones the server accepts.
    throw new GatewayError("unsupported_content_encoding", `Content-Encoding '${encoding}' is not supported: send the request body uncompressed`, { headers: { "accept-encoding": "identity" } });
  }
  const declared = Number(ctx.get("content-length") || "0");
  if (declared > limitBytes) throw tooLarge(ctx, limitBytes);
  const text = await readText(ctx.req, limitBytes);
  if (text === undefined) throw tooLarge(ctx, limitBytes);
  if (text.trim() === "") throw new GatewayError("invalid_json", "The request body is empty: expected a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GatewayError("invalid_json", `The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("invalid_json", "The request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** The first coding of a Content-Encoding header other than identity (`"gzip"` for `"identity, gzip"`), if any. */
export function unsupportedEncoding(header: string): string | undefined {
  if (header === "") return undefined;
  return header
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .find((coding) => coding !== "" && coding !== "identity");
}

/** The body as UTF-8 text, or undefined past the limit (the rest is not read). Event-based: no stream iterator per request. */
function readText(req: IncomingMessage, limitBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

function tooLarge(ctx: PharosContext, limitBytes: number): GatewayError {
  // The rest of the body is not read: close the connection rather than drain it.
  ctx.set("connection", "close");
  const megabytes = Math.round((limitBytes / 1024 / 1024) * 100) / 100;
  return new GatewayError("payload_too_large", `The request body is larger than the ${megabytes} MB limit (general_settings.max_request_size_mb)`);
}
