/**
 * The error catalogue: every error a client can receive from Pharos is declared here once,
 * with its HTTP status, its OpenAI error `type`, whether the router may retry it on another
 * deployment, and the low-cardinality label used for the `error.type` metric attribute.
 *
 * Shared catalogue: extend it (add a code), never fork it.
 */

export interface ErrorSpec {
  /** HTTP status sent to the client (an upstream status may override it, see GatewayError). */
  readonly status: number;
  /** OpenAI error `type`. */
  readonly type: string;
  /** Whether the router may retry this error on another deployment. */
  readonly retryable: boolean;
  /** Whether this error counts towards a deployment's cooldown (litellm-compat.md). */
  readonly coolsDown: boolean;
}

const spec = (status: number, type: string, retryable = false, coolsDown = false): ErrorSpec => ({
  status,
  type,
  retryable,
  coolsDown,
});

export const ERRORS = {
  // -- the client's request ------------------------------------------------------------------
  invalid_json: spec(400, "invalid_request_error"),
  invalid_request: spec(400, "invalid_request_error"),
  unsupported_media_type: spec(415, "invalid_request_error"),
  /** A body sent with a Content-Encoding Pharos does not decode (gzip, br, …): only identity is read. */
  unsupported_content_encoding: spec(415, "invalid_request_error"),
  payload_too_large: spec(413, "invalid_request_error"),
  unknown_model: spec(404, "not_found_error"),
  unsupported_operation: spec(400, "invalid_request_error"),
  /** A field the deployment's provider cannot send (LiteLLM's UnsupportedParamsError); drop_params drops it instead. */
  unsupported_params: spec(400, "invalid_request_error"),
  route_not_found: spec(404, "not_found_error"),
  /** /key/info, /key/update, /key/delete, /model/delete naming something that does not exist. */
  resource_not_found: spec(404, "not_found_error"),
  method_not_allowed: spec(405, "invalid_request_error"),
  // -- authentication and authorisation ------------------------------------------------------
  missing_api_key: spec(401, "auth_error"),
  invalid_api_key: spec(401, "auth_error"),
  expired_api_key: spec(401, "auth_error"),
  /** A virtual key calling a model group outside its `models` list (LiteLLM answers 401). */
  model_access_denied: spec(401, "auth_error"),
  permission_denied: spec(403, "permission_error"),
  // -- limits set on the gateway --------------------------------------------------------------
  rate_limited: spec(429, "rate_limit_error"),
  budget_exceeded: spec(400, "budget_exceeded"),
  guardrail_violation: spec(400, "guardrail_violation"),
  no_healthy_deployment: spec(429, "rate_limit_error"),
  // -- the upstream provider ------------------------------------------------------------------
  upstream_bad_request: spec(400, "invalid_request_error"),
  upstream_auth: spec(401, "authentication_error", false, true),
  upstream_permission: spec(403, "permission_error"),
  upstream_not_found: spec(404, "not_found_error", false, true),
  upstream_unprocessable: spec(422, "invalid_request_error"),
  upstream_rate_limited: spec(429, "rate_limit_error", true, true),
  upstream_timeout: spec(408, "timeout", true, true),
  upstream_server_error: spec(500, "api_error", true, true),
  upstream_connection: spec(502, "api_connection_error", true, true),
  upstream_malformed: spec(502, "api_error", true, true),
  /** A JSON answer over general_settings.max_response_size_mb: the same request would get it again. */
  upstream_response_too_large: spec(502, "api_error"),
  context_window_exceeded: spec(400, "context_window_exceeded"),
  content_policy_violation: spec(400, "content_policy_violation"),
  // -- the gateway itself ---------------------------------------------------------------------
  /** The client went away before the answer (nginx's 499): never sent, used in logs and metrics. */
  client_closed_request: spec(499, "client_closed_request"),
  service_unavailable: spec(503, "service_unavailable"),
  internal_error: spec(500, "internal_server_error"),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

export interface GatewayErrorOptions {
  /** The request field the error is about (OpenAI `param`). */
  param?: string;
  /** Overrides the catalogue status, e.g. to keep an upstream 503 as 503. */
  status?: number;
  /** Seconds the client should wait (sent as Retry-After). */
  retryAfterSeconds?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly retryable: boolean;
  readonly coolsDown: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry: ErrorSpec = ERRORS[code];
    this.name = "GatewayError";
    this.code = code;
    this.status = options.status ?? entry.status;
    this.type = entry.type;
    this.param = options.param ?? null;
    this.retryable = entry.retryable;
    this.coolsDown = entry.coolsDown;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers;
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: String(this.status) } };
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/** Any thrown value as a GatewayError; unknown failures become `internal_error`. */
export function toGatewayError(value: unknown): GatewayError {
  if (value instanceof GatewayError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new GatewayError("internal_error", `Internal error: ${message}`, { cause: value });
}

const SHOWN_STRING_LIMIT = 40;

/** A value a client sent, as an error message shows it: short strings and scalars as they are, others by kind. */
export function shown(input: unknown): string {
  if (typeof input === "string") return input.length <= SHOWN_STRING_LIMIT ? `'${input}'` : `a string of ${input.length} characters`;
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "an object";
  return String(input);
}

/** The 400 for a request field of the wrong kind: "Invalid request: 'param' must be {what} (got …)". */
export function invalidParam(param: string, what: string, value: unknown): GatewayError {
  return new GatewayError("invalid_request", `Invalid request: '${param}' must be ${what} (got ${shown(value)})`, { param });
}

/** Status classes used as metric attributes (`2xx` … `5xx`). */
export function statusClass(status: number): "2xx" | "3xx" | "4xx" | "5xx" {
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  if (status >= 300) return "3xx";
  return "2xx";
}
