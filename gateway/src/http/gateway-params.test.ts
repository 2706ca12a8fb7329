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
});
