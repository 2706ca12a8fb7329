import { describe, expect, it } from "vitest";
import { parseCli, UsageError } from "./args.ts";

describe("pharos command line", () => {
  it("parses serve with every flag", () => {
    expect(parseCli(["serve", "--config", "c.yaml", "--port", "4100", "--host", "127.0.0.1", "--health-port", "4101", "--num-workers", "2", "--max-requests-before-restart", "100", "--drain-timeout", "5"])).toEqual({
      command: "serve",
      config: "c.yaml",
      port: 4100,
      host: "127.0.0.1",
      healthPort: 4101,
      numWorkers: 2,
      maxRequestsBeforeRestart: 100,
      drainTimeoutSeconds: 5,
      debug: false,
    });
  });

  it("takes LiteLLM's command line unchanged (no subcommand, underscores, --run_gunicorn)", () => {
    const args = parseCli(["--port", "4000", "--config", "/app/config.yaml", "--num_workers", "4", "--run_gunicorn", "--max_requests_before_restart", "10000"]);
    expect(args).toMatchObject({ command: "serve", port: 4000, config: "/app/config.yaml", numWorkers: 4, maxRequestsBeforeRestart: 10000 });
  });

  it("parses check-config and mock-upstream", () => {
    expect(parseCli(["check-config", "x.yaml"])).toEqual({ command: "check-config", file: "x.yaml" });
    expect(parseCli(["mock-upstream", "--port", "9000", "--latency-ms", "2.5"])).toEqual({ command: "mock-upstream", port: 9000, host: "127.0.0.1", latencyMs: 2.5, chunkDelayMs: 0 });
  });

  it("takes the whole port range: 0 (any free port) to 65535 for the gateway, 1 to 65535 for the health app", () => {
    expect(parseCli(["serve", "--port", "0", "--health-port", "65535"])).toMatchObject({ port: 0, healthPort: 65535 });
    expect(parseCli(["serve", "--port", "65535", "--health-port", "1"])).toMatchObject({ port: 65535, healthPort: 1 });
  });

  it.each([
    [["serve", "--prot", "1"], /Unknown option '--prot'/],
    [["serve", "--port", "http"], /--port: expected a port number 0–65535, got "http"/],
    [["serve", "--num-workers", "0"], /--num-workers: expected an integer >= 1/],
    [["serve", "--port", "99999"], /--port: expected a port number 0–65535, got "99999"/],
    [["serve", "--port", "65536"], /--port: expected a port number 0–65535/],
    [["serve", "--port=-1"], /--port: expected a port number 0–65535, got "-1"/],
    [["serve", "--port", "80.5"], /--port: expected a port number 0–65535, got "80.5"/],
    [["serve", "--health-port", "0"], /--health-port: expected a port number 1–65535, got "0"/],
    [["serve", "--health_port", "70000"], /--health-port: expected a port number 1–65535/],
    [["mock-upstream", "--port", "123456"], /--port: expected a port number 0–65535/],
    [["check-config"], /needs a config file/],
    [["frobnicate"], /unknown command "frobnicate"/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});
