import { describe, expect, it } from "vitest";
import { classifyNetworkError, classifyUpstreamStatus, parseRetryAfter } from "./upstream-errors.ts";

const source = { provider: "openai", deploymentId: "d1", group: "g" };
const detail = (message: string, code?: string) => ({ message, code });

describe("classifyUpstreamStatus", () => {
  it.each([
    [400, "bad field", "upstream_bad_request", 400],
    [401, "bad key", "upstream_auth", 401],
    [403, "forbidden", "upstream_permission", 403],
    [404, "no model", "upstream_not_found", 404],
    [408, "slow", "upstream_timeout", 408],
    [422, "unprocessable", "upstream_unprocessable", 422],
    [429, "slow down", "upstream_rate_limited", 429],
    [500, "boom", "upstream_server_error", 500],
    [503, "overloaded", "upstream_server_error", 503],
    [418, "teapot", "upstream_bad_request", 418],
  ] as const)("%i → %s with status %i", (status, message, code, expected) => {
    const error = classifyUpstreamStatus(status, detail(message), source);
    expect(error.code).toBe(code);
    expect(error.status).toBe(expected);
    expect(error.message).toContain(message);
    expect(error.message).toContain("deployment d1");
  });

  it("recognises context-window and content-policy errors behind a 400", () => {
    expect(classifyUpstreamStatus(400, detail("This model's maximum context length is 4096 tokens"), source).code).toBe("context_window_exceeded");
    expect(classifyUpstreamStatus(400, detail("too long", "context_length_exceeded"), source).code).toBe("context_window_exceeded");
    expect(classifyUpstreamStatus(400, detail("flagged by our content management policy"), source).code).toBe("content_policy_violation");
  });

  it("keeps Retry-After", () => {
    expect(classifyUpstreamStatus(429, detail("x"), source, 7).retryAfterSeconds).toBe(7);
  });

  it("marks which errors are retryable and which cool a deployment down", () => {
    expect(classifyUpstreamStatus(500, detail("x"), source)).toMatchObject({ retryable: true, coolsDown: true });
    expect(classifyUpstreamStatus(400, detail("x"), source)).toMatchObject({ retryable: false, coolsDown: false });
    expect(classifyUpstreamStatus(429, detail("x"), source)).toMatchObject({ retryable: true, coolsDown: true });
    expect(classifyUpstreamStatus(401, detail("x"), source)).toMatchObject({ retryable: false, coolsDown: true });
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("5")).toBe(5);
    expect(parseRetryAfter(["2.5"])).toBe(2.5);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});

describe("classifyNetworkError", () => {
  it("maps refused and reset connections to upstream_connection, undici timeouts to upstream_timeout", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(classifyNetworkError(refused, source, 30)?.code).toBe("upstream_connection");
    const wrapped = new Error("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
    expect(classifyNetworkError(wrapped, source, 30)?.code).toBe("upstream_connection");
    const timeout = Object.assign(new Error("Headers Timeout Error"), { code: "UND_ERR_HEADERS_TIMEOUT" });
    expect(classifyNetworkError(timeout, source, 30)).toMatchObject({ code: "upstream_timeout", status: 408 });
    expect(classifyNetworkError(new Error("something else"), source, 30)).toBeUndefined();
  });
});
