/**
 * A monitoring server (Prometheus, Alertmanager) started as a plain process on 127.0.0.1 with its
 * own temp dir, its output kept for error messages, and stopped by its PID.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { waitFor } from "./wait-for.ts";

export interface Daemon {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<Daemon>();

export function startDaemon(command: string, args: readonly string[]): Daemon {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const daemon: Daemon = {
    child,
    output: () => output,
    async stop() {
      running.delete(daemon);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(daemon);
  return daemon;
}

/** Waits until `url` answers 200, failing early (with the output) if the process exits. */
export async function waitUntilReady(daemon: Daemon, url: string, what: string, timeoutMs = 30_000): Promise<void> {
  try {
    await waitFor(
      async () => {
        if (daemon.child.exitCode !== null) throw new Error(`${what} exited with ${daemon.child.exitCode}`);
        return (await fetch(url)).status === 200;
      },
      { timeoutMs, intervalMs: 100, what },
    );
  } catch (error) {
    await daemon.stop();
    throw new Error(`${(error as Error).message}\n--- ${what} output ---\n${daemon.output().slice(-4000)}`, { cause: error });
  }
}

/** Stops every daemon this test file started and did not stop (use in afterAll). */
export async function stopAllDaemons(): Promise<void> {
  await Promise.all([...running].map((daemon) => daemon.stop()));
}
