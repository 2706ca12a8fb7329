/**
 * nginx as a plain process: render nginx/ with nginx/render.sh (the renderer the compose
 * service uses too) into a run directory, check it with `nginx -t`, and start it in the
 * foreground (`daemon off`, pid file and logs in that directory) so its PID is the master's.
 * Used by the native stack, `make validate` and the edge tests.
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess, StdioOptions } from "node:child_process";
import { chmodSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../..").replace(/\/dist$/, "");
export const NGINX_SOURCE_DIR = join(REPO_ROOT, "nginx");

/** Template variables (nginx/render.sh documents each one and its default). */
export type NginxVariables = Readonly<Record<string, string>>;

export interface NginxRun {
  /** The nginx executable the configuration was rendered for (and is tested and run with). */
  readonly binary: string;
  /** The rendered configuration directory, also nginx's prefix (-p). */
  readonly dir: string;
  readonly conf: string;
  readonly pidFile: string;
  readonly errorLog: string;
  /** The `-g` directives: foreground, pid and error log inside `dir`. */
  readonly globals: string;
}

export function nginxBinary(): string {
  return process.env["NGINX_BIN"] ?? "nginx";
}

/**
 * Renders nginx/ into `dir` for the nginx `binary` (default NGINX_BIN, else `nginx`), with the
 * given variables and nothing else from this environment but PATH (render.sh asks that binary
 * its version to pick the HTTP/2 syntax).
 */
export function renderNginx(dir: string, variables: NginxVariables, binary = nginxBinary()): NginxRun {
  mkdirSync(join(dir, "logs"), { recursive: true });
  // When nginx starts as root its workers run as nobody: they must be able to enter the prefix.
  chmodSync(dir, 0o755);
  const env: Record<string, string> = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", NGINX_BIN: binary, ...variables };
  const result = spawnSync("sh", [join(NGINX_SOURCE_DIR, "render.sh"), NGINX_SOURCE_DIR, dir], { env, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`nginx/render.sh failed (${result.status}): ${result.stderr}${result.stdout}`);
  const pidFile = join(dir, "nginx.pid");
  const errorLog = join(dir, "logs", "error.log");
  return { binary, dir, conf: join(dir, "nginx.conf"), pidFile, errorLog, globals: `daemon off; pid ${pidFile}; error_log ${errorLog} info;` };
}

/** `nginx -t` on a rendered directory (`quiet`: errors only); returns its output, throws when the test fails. */
export function testNginx(run: NginxRun, quiet = true): string {
  const result = spawnSync(run.binary, ["-t", ...(quiet ? ["-q"] : []), "-p", run.dir, "-c", run.conf, "-g", run.globals.replace("daemon off; ", "")], { encoding: "utf8" });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`nginx -t failed for ${run.conf}:\n${output}`);
  return output;
}

export function spawnNginx(run: NginxRun, stdio: StdioOptions = ["ignore", "pipe", "pipe"], detached = false): ChildProcess {
  return spawn(run.binary, ["-p", run.dir, "-c", run.conf, "-g", run.globals], { stdio, detached });
}
