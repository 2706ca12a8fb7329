import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.ts";
import { parseCli, UsageError } from "./args.ts";
import type { ServeArgs } from "./args.ts";
import { planServe } from "./serve-plan.ts";

const noConfig = parseConfigText("model_list: []\n", "test", {});

function serveArgs(argv: string[]): ServeArgs {
  const args = parseCli(["serve", ...argv]);
  if (args.command !== "serve") throw new Error("expected serve");
  return args;
}

describe("the serve plan", () => {
  it("takes flags over the environment over the config's proxy_server block", () => {
    const config = parseConfigText("proxy_server: { port: 7000, num_workers: 3 }\n", "test", {});
    expect(planServe(serveArgs([]), config, {})).toMatchObject({ port: 7000, workers: 3, healthPort: undefined });
    expect(planServe(serveArgs([]), config, { PORT: "7100", NUM_WORKERS: "2" })).toMatchObject({ port: 7100, workers: 2 });
    expect(planServe(serveArgs(["--port", "7200", "--num-workers", "4"]), config, { PORT: "7100", NUM_WORKERS: "2" })).toMatchObject({ port: 7200, workers: 4 });
    expect(planServe(serveArgs([]), noConfig, { MAX_REQUESTS_BEFORE_RESTART: "10000", PHAROS_DRAIN_TIMEOUT: "5", NUM_WORKERS: "" })).toMatchObject({ maxRequests: 10000, graceMs: 5000, workers: 1 });
  });

  it("runs the separate health app on SEPARATE_HEALTH_PORT, 4001 by default", () => {
    expect(planServe(serveArgs([]), noConfig, { SEPARATE_HEALTH_APP: "1" }).healthPort).toBe(4001);
    expect(planServe(serveArgs([]), noConfig, { SEPARATE_HEALTH_APP: "true", SEPARATE_HEALTH_PORT: "4101" }).healthPort).toBe(4101);
    expect(planServe(serveArgs([]), noConfig, { SEPARATE_HEALTH_PORT: "4101" }).healthPort).toBeUndefined();
  });

  it.each([
    [{ PORT: "99999" }, 'PORT: expected a port number 0–65535, got "99999"'],
    [{ PORT: "http" }, 'PORT: expected a port number 0–65535, got "http"'],
    [{ SEPARATE_HEALTH_APP: "1", SEPARATE_HEALTH_PORT: "0" }, 'SEPARATE_HEALTH_PORT: expected a port number 1–65535, got "0"'],
    [{ SEPARATE_HEALTH_APP: "1", SEPARATE_HEALTH_PORT: "4000" }, "the health app and the gateway cannot share port 4000"],
    [{ NUM_WORKERS: "four" }, 'NUM_WORKERS: expected an integer >= 1, got "four"'],
    [{ NUM_WORKERS: "0" }, 'NUM_WORKERS: expected an integer >= 1, got "0"'],
    [{ MAX_REQUESTS_BEFORE_RESTART: "10k" }, 'MAX_REQUESTS_BEFORE_RESTART: expected an integer >= 0, got "10k"'],
    [{ PHAROS_DRAIN_TIMEOUT: "-5" }, 'PHAROS_DRAIN_TIMEOUT: expected an integer >= 0, got "-5"'],
  ])("refuses %j as a usage error", (env, message) => {
    expect(() => planServe(serveArgs([]), noConfig, env)).toThrow(UsageError);
    expect(() => planServe(serveArgs([]), noConfig, env)).toThrow(message);
  });

  it("refuses the same port for the gateway and the health app from flags too", () => {
    expect(() => planServe(serveArgs(["--port", "4100", "--health-port", "4100"]), noConfig, {})).toThrow("cannot share port 4100");
  });
});

describe("proxy_server.port in the config", () => {
  it("is a port number", () => {
    expect(() => parseConfigText("proxy_server: { port: 70000 }\n", "test", {})).toThrow("proxy_server.port: expected a port number 1–65535");
  });
});
