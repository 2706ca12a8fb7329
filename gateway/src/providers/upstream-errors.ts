/**
 * Pure classification of upstream failures into the error catalogue: an HTTP status and the
 * upstream's message become a GatewayError with the status LiteLLM clients expect, the
 * upstream's own words, and the deployment that failed.
 */
import { GatewayError } from "../errors.ts";
import type { ErrorCode } from "../errors.ts";
import type { ErrorDetail } from "./provider.ts";

const CONTEXT_WINDOW = /context.?length|context.?window|maximum context|too many tokens|prompt is too long|input (is )?too long|exceeds the maximum number of tokens|reduce the length|token limit/i;
const CONTENT_POLICY = /content.?policy|content management policy|content_filter|safety (system|filter)|flagged|responsible ai/i;

export interface FailureSource {
  readonly provider: string;
  readonly deploymentId: string;
  readonly group: string;
}

function codeForStatus(status: number, detail: ErrorDetail): ErrorCode {
  const hint = `${detail.code ?? ""} ${detail.message}`;
  if (status === 400 || status === 413 || status === 422) {
    if (CONTEXT_WINDOW.test(hint)) return "context_window_exceeded";
    if (CONTENT_POLICY.test(hint)) return "content_policy_violation";
  }
  switch (status) {
    case 400:
      return "upstream_bad_request";
    case 401:
      return "upstream_auth";
    case 403:
      return "upstream_permission";
    case 404:
      return "upstream_not_found";
    case 408:
      return "upstream_timeout";
    case 422:
      return "upstream_unprocessable";
    case 429:
      return "upstream_rate_limited";
    default:
      return status >= 500 ? "upstream_server_error" : "upstream_bad_request";
  }
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date). */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === "") return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

export function classifyUpstreamStatus(status: number, detail: ErrorDetail, source: FailureSource, retryAfterSeconds?: number): GatewayError {
  const code = codeForStatus(status, detail);
  // Keep the upstream's status where it means something to the client (a 503 stays a 503).
  const keepStatus = status >= 500 || (code === "upstream_bad_request" && status >= 400 && status < 500);
  const message = `${source.provider} upstream returned ${status} for model group "${source.group}" (deployment ${source.deploymentId}): ${detail.message}`;
  return new GatewayError(code, message, {
    ...(keepStatus ? { status } : {}),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);

function errorCodeOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === "string" && (CONNECTION_CODES.has(code) || TIMEOUT_CODES.has(code))) return code;
  }
  return undefined;
}

/** A thrown network error as a GatewayError; undefined when it is not a network error. */
export function classifyNetworkError(error: unknown, source: FailureSource, timeoutSeconds: number): GatewayError | undefined {
  const code = errorCodeOf(error);
  if (code === undefined) return undefined;
  if (TIMEOUT_CODES.has(code)) return timeoutError(source, timeoutSeconds, error);
  const reason = error instanceof Error ? error.message : String(error);
  return new GatewayError("upstream_connection", `cannot reach ${source.provider} upstream for model group "${source.group}" (deployment ${source.deploymentId}): ${code} ${reason}`, { cause: error });
}

export function timeoutError(source: FailureSource, timeoutSeconds: number, cause?: unknown): GatewayError {
  return new GatewayError(
    "upstream_timeout",
    `${source.provider} upstream did not answer within ${timeoutSeconds}s for model group "${source.group}" (deployment ${source.deploymentId}); the request was aborted`,
    cause === undefined ? {} : { cause },
  );
}
