/**
 * The processes a benchmark measures, each started on a free loopback port and stopped by PID,
 * with their CPU time and resident memory read from /proc.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const DIST = resolve(import.meta.dirname, "..");
const MAIN = join(DIST, "src/main.js");
const CLOCK_TICKS_PER_SECOND = 100;

/** NODE_OPTIONS as `npm start` and the Docker image run Pharos (a 16 MB young generation). */
export const PRODUCTION_NODE_OPTIONS = "--max-semi-space-size=16";

export interface Target {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited: ${output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`${url} did not come up: ${output()}`);
}

async function start(name: string, args: string[], port: number, env: Record<string, string> = {}, probePath = "/"): Promise<Target> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${url}${probePath}`, child, () => output);
  return {
    name,
    url,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function startMock(options: { chunkDelayMs?: number } = {}): Promise<Target> {
  const port = await freePort();
  return start("mock upstream", [MAIN, "mock-upstream", "--port", String(port), "--chunk-delay-ms", String(options.chunkDelayMs ?? 0)], port, {}, "/__mock/stats");
}

export async function startBareProxy(upstream: string, name = "bare node proxy"): Promise<Target> {
  const port = await freePort();
  return start(name, [join(DIST, "bench/bare-proxy.js"), String(port), upstream], port);
}

export async function startPharos(name: string, config: string, env: Record<string, string> = {}, args: string[] = []): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "pharos-bench-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, config);
  // No embedded database unless a scenario asks for one (PHAROS_DATA_DIR): the core bench measures the proxy.
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  const target = await start(name, [MAIN, "serve", "--config", file, "--host", "127.0.0.1", "--port", String(port), ...args], port, { LITELLM_LOG: "ERROR", PHAROS_DATA_DIR: "off", ...env }, "/health/liveliness").catch((error: unknown) => {
    removeDir();
    throw error;
  });
  return {
    ...target,
    stop: async () => {
      await target.stop();
      removeDir();
    },
  };
}

/** User + system CPU seconds the process has used. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match === null ? 0 : Number(match[1]) / 1024;
}
