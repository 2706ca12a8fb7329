/**
 * LiteLLM's exception classes, as `retry_policy` and `allowed_fails_policy` name them, for the
 * catalogue's error codes. Pure: an error code in, the class (or none) out.
 */
import type { ErrorClass } from "../config/schema.ts";
import type { ErrorCode } from "../errors.ts";

const CLASSES: Partial<Record<ErrorCode, ErrorClass>> = {
  upstream_bad_request: "BadRequestError",
  unsupported_params: "BadRequestError",
  upstream_unprocessable: "BadRequestError",
  context_window_exceeded: "BadRequestError",
  upstream_auth: "AuthenticationError",
  upstream_timeout: "TimeoutError",
  upstream_rate_limited: "RateLimitError",
  content_policy_violation: "ContentPolicyViolationError",
  upstream_server_error: "InternalServerError",
  upstream_connection: "InternalServerError",
  upstream_malformed: "InternalServerError",
};

/** The LiteLLM exception class of an error code; undefined for codes no policy names. */
export function errorClassOf(code: ErrorCode): ErrorClass | undefined {
  return CLASSES[code];
}
