import { describe, expect, it } from "vitest";
import { NO_CONTROLS } from "../cache/cache-controls.ts";
import { NO_GATEWAY_PARAMS, takeGatewayParams } from "./gateway-params.ts";

describe("the gateway's own request fields", () => {
  it("leave a body without them untouched", () => {
    const body = { model: "m", messages: [] };
    expect(takeGatewayParams(body)).toBe(NO_GATEWAY_PARAMS);
    expect(body).toEqual({ model: "m", messages: [] });
  });

  it("are taken out of the body, with the cache controls parsed once", () => {
    const body: Record<string, unknown> = { model: "m", cache: { "no-cache": true, ttl: 30 }, metadata: { team: "a" } };
    const params = takeGatewayParams(body);
    expect(params.cache).toMatchObject({ noCache: true, ttlSeconds: 30, noStore: false });
    expect(params.metadata).toEqual({ team: "a" });
    expect(body).toEqual({ model: "m" });
    expect(takeGatewayParams({ model: "m", cache: null, tags: ["x"] }).cache).toBe(NO_CONTROLS);
  });

  it.each([
    [true, "cache"],
    ["no-store", "cache"],
    [{ ttl: "x" }, "cache.ttl"],
    [{ "no-store": 1 }, "cache.no-store"],
  ])("refuse cache %j with a 400 naming '%s' (it used to be ignored)", (cache, param) => {
    expect(() => takeGatewayParams({ model: "m", cache })).toThrow(expect.objectContaining({ status: 400, param }));
  });

  it("map LiteLLM's caching flag onto the cache controls: false bypasses the cache, true opts in", () => {
    expect(takeGatewayParams({ model: "m", caching: false }).cache).toMatchObject({ noCache: true, noStore: true, useCache: false });
    expect(takeGatewayParams({ model: "m", caching: true, cache: { ttl: 5 } }).cache).toMatchObject({ useCache: true, ttlSeconds: 5, noCache: false });
  });

  it("take the request's num_retries and fallbacks for the router", () => {
    const body: Record<string, unknown> = { model: "m", num_retries: 3, fallbacks: ["a", "b"] };
    expect(takeGatewayParams(body)).toMatchObject({ numRetries: 3, fallbacks: ["a", "b"] });
    expect(body).toEqual({ model: "m" });
  });

  it.each([
    [{ caching: "yes" }, "caching"],
    [{ num_retries: 1.5 }, "num_retries"],
    [{ num_retries: -1 }, "num_retries"],
    [{ fallbacks: "gpt-4" }, "fallbacks"],
    [{ fallbacks: [{ model: "gpt-4" }] }, "fallbacks"],
    [{ mock_testing_fallbacks: true }, "mock_testing_fallbacks"],
  ])("refuse %j with a 400 naming '%s' (these used to be ignored)", (fields, param) => {
    expect(() => takeGatewayParams({ model: "m", ...fields })).toThrow(expect.objectContaining({ status: 400, param }));
  });
});
