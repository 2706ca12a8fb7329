/**
 * The command line as a newcomer meets it: the README's first command starts a working gateway
 * on the embedded default, check-config answers with exit codes and config paths, and the mock
 * upstream runs as its own process and takes scripted faults over HTTP.
 */
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PHAROS_MAIN, ROOT, startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import { openaiClient } from "../../tests/support/openai-client.ts";
import { freePort } from "../../tests/support/ports.ts";
import { removeTempDirs, tempDir } from "../../tests/support/temp-dir.ts";
import { waitFor } from "../../tests/support/wait-for.ts";
import { processAlive } from "../src/process-alive.ts";
import { OLD_NODE } from "../../tests/support/old-node.ts";

afterAll(() => removeTempDirs());

/** Every process below `pid` (children, grandchildren, …). */
function descendants(pid: number): number[] {
  const children = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
    .stdout.split("\n")
    .map((line) => Number(line.trim()))
    .filter((child) => child > 0);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Runs `pharos` to its exit; one that hangs is killed at `timeoutMs` (status null). */
function pharos(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [PHAROS_MAIN, ...args], { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: timeoutMs, killSignal: "SIGKILL" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the README's first command", () => {
  it("starts Pharos on the embedded default, and a chat completion works", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const runLine = firstBlock.split("\n")[0]!.replace(/#.*$/, "").trim();
    expect(runLine).toBe("npm install && npm start");
    // `npm install` already ran for this test suite; run the rest of the line as written.
    const port = await freePort();
    // The embedded database lives under PHAROS_DATA_DIR (default ./.pharos): keep the test's out of the tree.
    const dataDir = tempDir("pharos-readme-");
    const child = spawn("npm", ["start"], { cwd: ROOT, env: { ...process.env, PORT: String(port), LITELLM_LOG: "ERROR", PHAROS_DATA_DIR: dataDir }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}: ${output}`);
          return (await fetch(`${url}/health/liveliness`)).status === 200;
        },
        { timeoutMs: 60_000, what: "npm start to serve" },
      );
      const client = openaiClient(url, "no-key-needed");
      const completion = await client.chat.completions.create({ model: "fake-openai-endpoint", messages: [{ role: "user", content: "Hello!" }] });
      expect(completion.choices[0]?.message.content).toBe('This is a mock response from Pharos to "Hello!".');
      const models = await client.models.list();
      expect(models.data.map((model) => model.id)).toContain("fake-openai-endpoint");
    } finally {
      // npm runs the script in its own process group: stop every process npm started, by PID.
      const pids = descendants(child.pid!);
      for (const pid of [child.pid!, ...pids]) signal(pid, "SIGTERM");
      await waitFor(() => pids.every((pid) => !processAlive(pid)), { timeoutMs: 15_000, what: "npm start's processes to exit" });
    }
  }, 90_000);
});

describe("pharos check-config", () => {
  it("exits 0 for a good config and lists the warnings", () => {
    const result = pharos(["check-config", join(ROOT, "gateway/test/fixtures/seed-configs/seed-001-load-balancing.yaml")]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/OK — 3 model group\(s\), 5 deployment\(s\)/);
    expect(result.stdout).toContain("warning: load_balancing_config: translated");
  });

  it("lists a model_info key Pharos does not read as a warning, exit 0", () => {
    const file = join(tempDir(), "typo.yaml");
    writeFileSync(file, "model_list:\n  - model_name: a\n    litellm_params: { model: openai/gpt-4o }\n    model_info: { input_cost_per_tokn: 0.001 }\n");
    const result = pharos(["check-config", file]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('  warning: model_list[0].model_info.input_cost_per_tokn: unknown key, kept as metadata (did you mean "input_cost_per_token"?)');
  });

  it("exits 1 and lists every problem by config path, the schema's and the cross-references' in one run", () => {
    const file = join(tempDir(), "bad.yaml");
    writeFileSync(
      file,
      "model_list:\n  - model_name: a\n    litellm_params:\n      model: openai/x\n      api_base: nope\n      rpm: -1\n  - model_name: b\n    litellm_params: { model: bedrock/claude }\n    model_info: { input_cost_per_tokn: 0.001 }\nrouter_settings:\n  num_retires: 2\n  fallbacks: [{ a: [nope] }]\n",
    );
    const result = pharos(["check-config", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`config error in ${file}: 5 problems`);
    expect(result.stderr).toContain("model_list[0].litellm_params.api_base: expected a URL");
    expect(result.stderr).toContain("model_list[0].litellm_params.rpm: expected an integer >= 1");
    expect(result.stderr).toContain('router_settings.num_retires: unknown key (did you mean "num_retries"?)');
    expect(result.stderr).toContain('router_settings.fallbacks[0].a: fallback "nope" is not a model group in model_list');
    expect(result.stderr).toContain('model_list[1].litellm_params.model: provider "bedrock" is not supported');
    expect(result.stderr).toContain('  warning: model_list[1].model_info.input_cost_per_tokn: unknown key, kept as metadata (did you mean "input_cost_per_token"?)');
  });

  it("exits 1 when an os.environ reference is unset, naming the path", () => {
    const result = pharos(["check-config", join(ROOT, "gateway/test/fixtures/seed-configs/seed-004-production-setup.yaml")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("model_list[0].litellm_params.api_key: environment variable OLLAMA_API_KEY is not set");
  });

  it("exits 2 with usage for a bad command line", () => {
    const result = pharos(["serve", "--prot", "1"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--prot'");
    expect(result.stderr).toContain("Usage:");
  });

  it("refuses to serve a config with problems, before listening", () => {
    const file = join(tempDir(), "bad.yaml");
    writeFileSync(file, "model_list:\n  - model_name: a\n    litellm_params: { model: azure/gpt-4o }\n");
    const result = pharos(["serve", "--config", file, "--port", "0"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('provider "azure" is not supported');
  });
});

describe("pharos serve with a port that cannot work", () => {
  it.each([
    [["--port", "99999"], {}, '--port: expected a port number 0–65535, got "99999"'],
    [["--port=-1"], {}, '--port: expected a port number 0–65535, got "-1"'],
    [["--port", "4000.5"], {}, '--port: expected a port number 0–65535, got "4000.5"'],
    [["--health-port", "0"], {}, '--health-port: expected a port number 1–65535, got "0"'],
    [[], { PORT: "70000" }, 'PORT: expected a port number 0–65535, got "70000"'],
    [["--port", "4100", "--health-port", "4100"], {}, "the health app and the gateway cannot share port 4100"],
  ])("%j %j: a usage error (exit 2) before the embedded database starts", (args, env, message) => {
    const dataDir = tempDir("pharos-ports-");
    const result = pharos(["serve", "--host", "127.0.0.1", ...args], { PHAROS_DATA_DIR: dataDir, ...env });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`pharos: ${message}`);
    expect(result.stderr).toContain("Usage:");
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

/** A port some other process holds, as an operator finds one. */
async function heldPort(): Promise<{ port: number; release(): Promise<void> }> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  return { port: (holder.address() as AddressInfo).port, release: () => new Promise((resolve) => holder.close(() => resolve())) };
}

/** Processes whose command line contains `marker` (a pharos and its workers share their argv). */
function processesWith(marker: string): string[] {
  return spawnSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" }).stdout.split("\n").filter((line) => line.includes(marker));
}

describe("pharos serve on a port it cannot have", () => {
  const held: Array<{ release(): Promise<void> }> = [];
  afterAll(async () => {
    await Promise.all(held.map((port) => port.release()));
  });

  it.each([
    ["one process", []],
    ["--num-workers 2", ["--num-workers", "2"]],
  ])("%s: exits 1 with one line that names the port, and leaves no process behind", async (_mode, extra) => {
    const busy = await heldPort();
    held.push(busy);
    // A config file of its own: its path marks this run's processes (workers are forked with the same argv).
    const config = join(tempDir("pharos-busy-"), "config.yaml");
    writeFileSync(config, "model_list:\n  - model_name: fake-openai-endpoint\n    litellm_params: { model: fake/gpt }\n");
    const result = pharos(["serve", "--config", config, "--host", "127.0.0.1", "--port", String(busy.port), ...extra], { PHAROS_DATA_DIR: "off", LITELLM_LOG: "ERROR" });
    expect(result.status).toBe(1);
    const message = `pharos: the gateway cannot listen: port ${busy.port} on 127.0.0.1 is in use`;
    expect(result.stderr.split("\n").filter((line) => line === message)).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(processesWith(config)).toEqual([]);
  });

  it.each([
    ["--health-port", (port: number) => ({ args: ["--health-port", String(port)], env: {} })],
    ["SEPARATE_HEALTH_APP=1", (port: number) => ({ args: [], env: { SEPARATE_HEALTH_APP: "1", SEPARATE_HEALTH_PORT: String(port) } })],
  ] as const)("the health app's port (%s): exits 1, before the embedded database or any worker starts", async (_form, setting) => {
    const busy = await heldPort();
    held.push(busy);
    const gatewayPort = await freePort();
    const dataDir = tempDir("pharos-health-busy-");
    const { args, env } = setting(busy.port);
    const result = pharos(["serve", "--host", "127.0.0.1", "--port", String(gatewayPort), ...args], { PHAROS_DATA_DIR: dataDir, LITELLM_LOG: "ERROR", ...env });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`pharos: the health app cannot listen: port ${busy.port} on 127.0.0.1 is in use`);
    expect(readdirSync(dataDir)).toEqual([]);
    // No worker ever listened on the gateway's port.
    expect(result.stdout).not.toContain("Pharos listening");
  });
});

describe("a cluster that has started", () => {
  afterAll(() => stopAllGateways());

  it("replaces a worker that dies later, instead of stopping", async () => {
    const gateway = await startGateway({ args: ["--num-workers", "2"], readyPath: "/health/readiness" });
    const workers = descendants(gateway.child.pid!);
    expect(workers).toHaveLength(2);
    process.kill(workers[0]!, "SIGKILL");
    const replaced = await waitFor(() => {
      const now = descendants(gateway.child.pid!);
      return now.length === 2 && !now.includes(workers[0]!) ? now : undefined;
    }, { timeoutMs: 15_000, what: "a replacement worker" });
    expect(replaced).toContain(workers[1]);
    expect(gateway.child.exitCode).toBeNull();
    expect((await fetch(`${gateway.url}/health/liveliness`)).status).toBe(200);
    expect(await gateway.stop("SIGTERM")).toBe(0);
  });
});


describe("pharos on a Node.js that is too old", () => {
  it.skipIf(OLD_NODE === undefined)(`says which Node it needs and exits 1 (${OLD_NODE?.version ?? "no old Node here"})`, () => {
    for (const args of [["serve", "--port", "0"], ["check-config", join(ROOT, "gateway/test/fixtures/seed-configs/seed-001-load-balancing.yaml")], ["--version"]]) {
      const result = spawnSync(OLD_NODE!.path, [PHAROS_MAIN, ...args], { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "", PHAROS_DATA_DIR: "off" }, timeout: 30_000 });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(`pharos needs Node.js >= 22.19 (this is ${OLD_NODE!.version})\n`);
      expect(result.stdout).toBe("");
    }
  });
});

describe("pharos mock-upstream", () => {
  it("serves the wire formats and takes faults and stats over HTTP", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [PHAROS_MAIN, "mock-upstream", "--port", String(port), "--latency-ms", "1"], { stdio: "ignore" });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${url}/api/tags`)).status === 200, { what: "the mock upstream" });
      await fetch(`${url}/__mock/faults`, { method: "POST", body: JSON.stringify({ faults: [{ status: 503, message: "scripted" }] }) });
      const failed = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }) });
      expect(failed.status).toBe(503);
      const ok = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }) });
      expect(ok.status).toBe(200);
      const stats = (await (await fetch(`${url}/__mock/stats`)).json()) as { hits: Record<string, number> };
      expect(stats.hits).toEqual({ "ollama /api/tags": 1, "openai chat": 2 });
    } finally {
      child.kill("SIGTERM");
    }
  });
});
