/**
 * A real nginx in front of gateway processes, rendered from nginx/ (the same files the compose
 * stack runs) into a temp dir, with a self-signed pair from scripts/certs.sh and free loopback
 * ports for HTTP, HTTPS and stub_status. Stopped by PID (SIGTERM to the master).
 */
import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { renderNginx, REPO_ROOT, spawnNginx, testNginx } from "../../scripts/stack/nginx.ts";
import type { NginxRun } from "../../scripts/stack/nginx.ts";
import { freePort } from "./ports.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

export interface NginxOptions {
  /** Gateway ports on 127.0.0.1 (or host:port strings). */
  readonly upstreams: readonly (number | string)[];
  /** Extra template variables (nginx/render.sh), e.g. { NGINX_RATE_CHAT: "2r/s" }. */
  readonly variables?: Readonly<Record<string, string>>;
  /** The nginx executable (default NGINX_BIN, else `nginx` on PATH). */
  readonly binary?: string;
}

export interface NginxProcess {
  readonly httpUrl: string;
  readonly httpsUrl: string;
  readonly statusUrl: string;
  readonly httpsPort: number;
  readonly run: NginxRun;
  readonly certFile: string;
  readonly child: ChildProcess;
  /** Parsed JSON access-log lines so far. */
  accessLog(): Record<string, unknown>[];
  errorLog(): string;
  stop(): Promise<void>;
}

const running = new Set<NginxProcess>();

/** A self-signed pair (fullchain.pem, privkey.pem) made by scripts/certs.sh in a temp dir. */
export function selfSignedPair(): { dir: string; cert: string; key: string } {
  const dir = tempDir("pharos-certs-");
  const result = spawnSync("bash", [join(REPO_ROOT, "scripts/certs.sh"), dir], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`scripts/certs.sh failed: ${result.stderr}`);
  return { dir, cert: join(dir, "fullchain.pem"), key: join(dir, "privkey.pem") };
}

export async function startNginx(options: NginxOptions): Promise<NginxProcess> {
  const [httpPort, httpsPort, statusPort] = [await freePort(), await freePort(), await freePort()];
  const certs = selfSignedPair();
  const dir = tempDir("pharos-nginx-");
  const accessLogPath = join(dir, "logs", "access.log");
  const variables = {
    NGINX_WORKER_PROCESSES: "1",
    NGINX_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
    NGINX_HTTPS_LISTEN: `127.0.0.1:${httpsPort}`,
    NGINX_HTTPS_PORT_SUFFIX: `:${httpsPort}`,
    NGINX_STATUS_LISTEN: `127.0.0.1:${statusPort}`,
    NGINX_SSL_CERTIFICATE: certs.cert,
    NGINX_SSL_CERTIFICATE_KEY: certs.key,
    NGINX_ACCESS_LOG: accessLogPath,
    NGINX_ACME_ROOT: join(dir, "acme"),
    NGINX_UPSTREAMS: options.upstreams.map((upstream) => (typeof upstream === "number" ? `127.0.0.1:${upstream}` : upstream)).join(" "),
    ...options.variables,
  };
  const run = renderNginx(dir, variables, options.binary);
  testNginx(run);
  const child = spawnNginx(run);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const statusUrl = `http://127.0.0.1:${statusPort}/stub_status`;
  const errorLog = (): string => `${output}${existsSync(run.errorLog) ? readFileSync(run.errorLog, "utf8") : ""}`;
  const handle: NginxProcess = {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    httpsUrl: `https://127.0.0.1:${httpsPort}`,
    statusUrl,
    httpsPort,
    run,
    certFile: certs.cert,
    child,
    accessLog: () =>
      existsSync(accessLogPath)
        ? readFileSync(accessLogPath, "utf8")
            .split("\n")
            .filter((line) => line !== "")
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
    errorLog,
    async stop() {
      running.delete(handle);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(handle);
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
        return (await fetch(statusUrl)).status === 200;
      },
      { timeoutMs: 10_000, what: `nginx on ${handle.httpsUrl}` },
    );
  } catch (error) {
    await handle.stop();
    throw new Error(`${(error as Error).message}\n--- nginx ---\n${errorLog()}`, { cause: error });
  }
  return handle;
}

/** Stops every nginx this test file started (use in afterAll). */
export async function stopAllNginx(): Promise<void> {
  await Promise.all([...running].map((nginx) => nginx.stop()));
}
