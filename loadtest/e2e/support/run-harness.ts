/** Runs the compiled CLI (dist/, built by the vitest global setup) as a child process with Node 24. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const MAIN = resolve(import.meta.dirname, "../../../dist/loadtest/src/main.js");

export interface HarnessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export interface HarnessOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

const created: string[] = [];

/** A fresh temporary directory (also a cwd without a stray locust.conf), removed by removeTempDirs(). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pharos-load-test-"));
  created.push(dir);
  return dir;
}

/** Removes the directories tempDir() made (afterAll of each test file). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** One user streaming chat completions with usage, a fresh prompt each time. */
export const STREAMING_CHAT_SCENARIO = `
users:
  - name: Streamer
    wait_time: constant(0.05)
    tasks:
      - method: POST
        path: /v1/chat/completions
        body: { model: m, stream: true, stream_options: { include_usage: true }, messages: [{ role: user, content: "{{uuid}}" }] }
`;

export function writeScenario(dir: string, name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

export function runHarness(args: readonly string[], options: HarnessOptions = {}): Promise<HarnessRun> {
  const started = performance.now();
  const env: Record<string, string | undefined> = { ...process.env, HOME: options.cwd ?? tempDir(), ...options.env };
  for (const name of Object.keys(env)) if (name.startsWith("LOCUST_") && options.env?.[name] === undefined) delete env[name];
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: options.cwd ?? tempDir(), env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 25_000);
  return new Promise((resolvePromise) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}
