import { describe, expect, it } from "vitest";
import { GatewayError } from "../errors.ts";
import { NO_CONTROLS, parseControls } from "./cache-controls.ts";

function rejection(raw: unknown): GatewayError {
  try {
    parseControls(raw);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

describe("per-request cache controls", () => {
  it("parse LiteLLM's names", () => {
    expect(parseControls({ "no-cache": true, "no-store": false, ttl: 60, "s-maxage": 30, namespace: "team-a", "use-cache": true })).toEqual({
      noCache: true,
      noStore: false,
      ttlSeconds: 60,
      sMaxAgeSeconds: 30,
      namespace: "team-a",
      useCache: true,
    });
  });

  it("are none when the body has no cache field, or null", () => {
    expect(parseControls(undefined)).toBe(NO_CONTROLS);
    expect(parseControls(null)).toBe(NO_CONTROLS);
  });

  it.each([
    [true, "cache", "'cache' must be an object of cache controls (no-cache, no-store, ttl, s-maxage, namespace, use-cache) (got true)"],
    ["no-cache", "cache", "'cache' must be an object of cache controls"],
    [[{ ttl: 5 }], "cache", "(got a list)"],
    [{ ttl: "x" }, "cache.ttl", "'cache.ttl' must be a number of seconds >= 0 (got 'x')"],
    [{ ttl: "60" }, "cache.ttl", "(got '60')"],
    [{ ttl: -1 }, "cache.ttl", "(got -1)"],
    [{ "s-maxage": {} }, "cache.s-maxage", "(got an object)"],
    [{ "no-cache": "yes" }, "cache.no-cache", "'cache.no-cache' must be true or false (got 'yes')"],
    [{ "use-cache": 1 }, "cache.use-cache", "must be true or false"],
    [{ namespace: "" }, "cache.namespace", "must be a non-empty string"],
    [{ "max-age": 5 }, "cache.max-age", "'cache.max-age' is not a cache control"],
  ])("reject %j with a 400 naming %s", (raw, param, message) => {
    const error = rejection(raw);
    expect(error.param).toBe(param);
    expect(error.status).toBe(400);
    expect(error.message).toContain(message);
  });
});
