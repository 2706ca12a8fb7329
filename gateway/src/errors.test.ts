import { describe, expect, it } from "vitest";
import { ERRORS, GatewayError, shown, statusClass, toGatewayError } from "./errors.ts";

describe("the error catalogue", () => {
  it("gives every code an HTTP error status and an OpenAI type", () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.status, code).toBeLessThan(600);
      expect(spec.type, code).toMatch(/^[a-z_]+$/);
    }
  });

  it("never retries or cools down on a client's own mistake", () => {
    for (const code of ["invalid_json", "invalid_request", "unsupported_params", "unknown_model", "upstream_bad_request", "upstream_unprocessable", "context_window_exceeded", "content_policy_violation"] as const) {
      expect(ERRORS[code], code).toMatchObject({ retryable: false, coolsDown: false });
    }
  });

  it("renders OpenAI's error shape with the status as code", () => {
    const error = new GatewayError("invalid_request", "Invalid request: 'messages' is required", { param: "messages" });
    expect(error.toBody()).toEqual({ error: { message: "Invalid request: 'messages' is required", type: "invalid_request_error", param: "messages", code: "400" } });
  });

  it("keeps an overriding upstream status", () => {
    expect(new GatewayError("upstream_server_error", "x", { status: 503 }).toBody().error.code).toBe("503");
  });

  it("turns unknown throwables into internal errors", () => {
    expect(toGatewayError(new TypeError("oops"))).toMatchObject({ code: "internal_error", status: 500 });
    expect(toGatewayError("text")).toMatchObject({ code: "internal_error", message: "Internal error: text" });
  });

  it("shows a client's value short in a message, never a long text it sent", () => {
    expect(shown("x".repeat(41))).toBe("a string of 41 characters");
    expect([shown("bot"), shown(null), shown([1]), shown({ a: 1 }), shown(false), shown(2.5)]).toEqual(["'bot'", "null", "a list", "an object", "false", "2.5"]);
  });

  it("classes statuses", () => {
    expect([200, 302, 404, 499, 503].map(statusClass)).toEqual(["2xx", "3xx", "4xx", "4xx", "5xx"]);
  });
});
