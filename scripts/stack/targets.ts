/**
 * Where `make check` and `make probe` look: PHAROS_URL / PHAROS_HEALTH_URL / EDGE_URL /
 * LITELLM_MASTER_KEY from the environment, else the running native stack's (.stack/urls.env),
 * else the compose stack's published ports; the key from .env when not in the environment.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { readEnvFile } from "./compose-map.ts";
import { REPO_ROOT } from "./nginx.ts";

export interface Targets {
  readonly gateway: string;
  readonly health: string;
  readonly edge: string;
  readonly masterKey: string | undefined;
  readonly source: string;
}

export function resolveTargets(env: NodeJS.ProcessEnv = process.env): Targets {
  const runDir = resolve(env["STACK_DIR"] || join(REPO_ROOT, ".stack"));
  const stackUrls = join(runDir, "urls.env");
  const stackRunning = existsSync(stackUrls) && existsSync(join(runDir, "stack.json"));
  const fromStack = stackRunning ? readEnvFile(stackUrls) : {};
  const dotEnv = existsSync(join(REPO_ROOT, ".env")) ? readEnvFile(join(REPO_ROOT, ".env")) : stackRunning ? readEnvFile(join(REPO_ROOT, ".env.example")) : {};
  const pick = (name: string, fallback: string): string => env[name] || fromStack[name] || fallback;
  return {
    gateway: pick("PHAROS_URL", `http://127.0.0.1:${dotEnv["PHAROS_PORT"] || "4000"}`),
    health: pick("PHAROS_HEALTH_URL", `http://127.0.0.1:${dotEnv["PHAROS_HEALTH_PORT"] || "4001"}`),
    edge: pick("EDGE_URL", `https://127.0.0.1:${dotEnv["NGINX_HTTPS_PORT"] || "443"}`),
    masterKey: env["LITELLM_MASTER_KEY"] || dotEnv["LITELLM_MASTER_KEY"] || undefined,
    source: env["PHAROS_URL"] ? "environment" : stackRunning ? `native stack (${stackUrls})` : "compose stack (published ports)",
  };
}
