/**
 * The native stack's processes: each started detached in its own process group (so workers and
 * helpers it forks belong to it), output to a log file, PID written to `<runDir>/pids/NAME.pid`,
 * and stopped by signalling exactly that group.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface StartedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** The signal that stops it cleanly (PostgreSQL: SIGINT = fast shutdown). */
  readonly stopSignal: NodeJS.Signals;
  /** Human-readable address, printed by `make stack`. */
  readonly url?: string;
}

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly runDir: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly stopSignal?: NodeJS.Signals;
  readonly url?: string;
}

export function startProcess(options: StartOptions): StartedProcess {
  const logDir = join(options.runDir, "logs");
  const pidDir = join(options.runDir, "pids");
  mkdirSync(logDir, { recursive: true });
  mkdirSync(pidDir, { recursive: true });
  const logFile = join(logDir, `${options.name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/tmp", ...options.env },
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  child.unref();
  writeFileSync(join(pidDir, `${options.name}.pid`), `${child.pid}\n`);
  return { name: options.name, pid: child.pid, logFile, stopSignal: options.stopSignal ?? "SIGTERM", url: options.url };
}

/**
 * Whether any process of the group led by `pid` is alive. On Linux, /proc tells zombies apart
 * (an exited process whose parent, here init, has not reaped it yet); elsewhere, kill(-pgid, 0).
 */
export function groupAlive(pid: number): boolean {
  if (existsSync("/proc/self/stat")) {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue;
      }
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pid && fields[0] !== "Z" && fields[0] !== "X") return true;
    }
    return false;
  }
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Stops one started process group: its stop signal, then SIGKILL after `timeoutMs`. */
export async function stopProcess(started: StartedProcess, runDir: string, timeoutMs = 20_000): Promise<"stopped" | "killed" | "not running"> {
  let result: "stopped" | "killed" | "not running" = "not running";
  if (groupAlive(started.pid)) {
    signalGroup(started.pid, started.stopSignal);
    result = "stopped";
    const deadline = Date.now() + timeoutMs;
    while (groupAlive(started.pid) && Date.now() < deadline) await sleep(100);
    if (groupAlive(started.pid)) {
      signalGroup(started.pid, "SIGKILL");
      result = "killed";
      while (groupAlive(started.pid)) await sleep(50);
    }
  }
  rmSync(join(runDir, "pids", `${started.name}.pid`), { force: true });
  return result;
}

export function tailOf(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Polls until `check` is true, the process group died, or the deadline passes. */
export async function waitReady(started: StartedProcess, what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!groupAlive(started.pid)) throw new Error(`${started.name} exited before ${what}:\n${tailOf(started.logFile)}`);
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error(`${started.name}: timed out waiting for ${what}:\n${tailOf(started.logFile)}`);
}

export async function httpOk(url: string, init?: RequestInit): Promise<boolean> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.ok;
}

export function tcpOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
