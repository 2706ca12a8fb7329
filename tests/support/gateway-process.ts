/**
 * Starts `pharos serve` as a real process (the compiled dist/, on the Node that runs the
 * tests) with a config written to a temp file, waits until it answers, and stops it by PID.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { freePort } from "./ports.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

export const ROOT = resolve(import.meta.dirname, "../..");
export const PHAROS_MAIN = join(ROOT, "dist/gateway/src/main.js");

export interface GatewayProcessOptions {
  /** A config object (written as YAML) or YAML text; omitted = the embedded default. */
  readonly config?: Record<string, unknown> | string;
  readonly env?: Record<string, string>;
  /** Extra `serve` flags, e.g. ["--num-workers", "2"]. */
  readonly args?: readonly string[];
  readonly port?: number;
  /** Path polled until it answers 200 (default /health/liveliness). */
  readonly readyPath?: string;
  readonly readyTimeoutMs?: number;
}

export interface GatewayProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly configPath: string | undefined;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends a signal and waits for the exit; returns the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

const running = new Set<GatewayProcess>();

export async function startGateway(options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const port = options.port ?? (await freePort());
  let configPath: string | undefined;
  if (options.config !== undefined) {
    configPath = join(tempDir("pharos-config-"), "config.yaml");
    writeFileSync(configPath, typeof options.config === "string" ? options.config : stringify(options.config));
  }
  const args = [PHAROS_MAIN, "serve", "--host", "127.0.0.1", "--port", String(port), ...(configPath === undefined ? [] : ["--config", configPath]), ...(options.args ?? [])];
  // No embedded database unless a test asks for one (PHAROS_DATA_DIR): booting PGlite costs seconds.
  const env: Record<string, string> = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", LITELLM_LOG: "WARNING", PHAROS_DATA_DIR: "off", ...options.env };
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  const url = `http://127.0.0.1:${port}`;
  const handle: GatewayProcess = {
    url,
    port,
    child,
    configPath,
    output: () => output,
    async stop(signal = "SIGTERM", timeoutMs = 15_000) {
      running.delete(handle);
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  running.add(handle);
  try {
    // Ready when the path answers 200; a process that exits fails at once, not at the deadline.
    const exitedEarly = exited.then((code) => {
      throw new Error(`pharos exited with ${code} before it was ready`);
    });
    const ready = waitFor(
      async () => {
        const response = await fetch(`${url}${options.readyPath ?? "/health/liveliness"}`);
        return response.status === 200;
      },
      { timeoutMs: options.readyTimeoutMs ?? 15_000, what: `pharos on ${url}` },
    );
    await Promise.race([ready, exitedEarly]);
    exitedEarly.catch(() => undefined);
  } catch (error) {
    await handle.stop("SIGKILL");
    throw new Error(`${(error as Error).message}\n--- pharos output ---\n${output}`, { cause: error });
  }
  return handle;
}

/** Stops every gateway this test file started and did not stop (use in afterAll). */
export async function stopAllGateways(): Promise<void> {
  await Promise.all([...running].map((gateway) => gateway.stop("SIGKILL")));
}
