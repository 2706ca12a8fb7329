/**
 * What `pharos serve` will run, from its flags, the environment and the config: host, ports,
 * workers, recycling and drain time. Pure, and decided before anything boots, so a port that
 * cannot work is a usage error at once rather than a failure after the database has started.
 */
import { hostname } from "node:os";
import type { LoadedConfig } from "../config/load.ts";
import { integerFrom, portFrom, UsageError } from "./args.ts";
import type { ServeArgs } from "./args.ts";

const DEFAULT_PORT = 4000;
const DEFAULT_HEALTH_PORT = 4001;
const DEFAULT_DRAIN_SECONDS = 30;

export interface ServePlan {
  readonly host: string;
  readonly port: number;
  readonly healthPort: number | undefined;
  readonly workers: number;
  readonly maxRequests: number;
  readonly graceMs: number;
}

/** An environment variable's value; empty counts as unset. */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] === "" ? undefined : env[name];
}

/** An integer from the environment, checked like the flag it stands for. */
function envInt(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  return integerFrom(name, envValue(env, name), min);
}

/** A port from the environment, checked like the flag it stands for. */
function envPort(env: NodeJS.ProcessEnv, name: string, min: 0 | 1): number | undefined {
  return portFrom(name, envValue(env, name), min);
}

/** Flags win over environment variables, which win over the config's proxy_server block. */
export function planServe(args: ServeArgs, loaded: LoadedConfig, env: NodeJS.ProcessEnv): ServePlan {
  const separateHealth = env["SEPARATE_HEALTH_APP"] === "1" || env["SEPARATE_HEALTH_APP"]?.toLowerCase() === "true";
  const healthPort = args.healthPort ?? (separateHealth ? (envPort(env, "SEPARATE_HEALTH_PORT", 1) ?? DEFAULT_HEALTH_PORT) : undefined);
  const port = args.port ?? envPort(env, "PORT", 0) ?? loaded.config.proxy_server?.port ?? DEFAULT_PORT;
  if (healthPort === port) throw new UsageError(`the health app and the gateway cannot share port ${port}: give the health app its own (--health-port or SEPARATE_HEALTH_PORT)`);
  return {
    host: args.host ?? loaded.config.proxy_server?.host ?? "0.0.0.0",
    port,
    healthPort,
    workers: args.numWorkers ?? envInt(env, "NUM_WORKERS", 1) ?? loaded.config.proxy_server?.num_workers ?? 1,
    maxRequests: args.maxRequestsBeforeRestart ?? envInt(env, "MAX_REQUESTS_BEFORE_RESTART", 0) ?? 0,
    graceMs: (args.drainTimeoutSeconds ?? envInt(env, "PHAROS_DRAIN_TIMEOUT", 0) ?? DEFAULT_DRAIN_SECONDS) * 1000,
  };
}

/** service.instance.id: the same for every worker of one gateway (they share the port). */
export function instanceIdOf(plan: ServePlan): string {
  return `${hostname()}:${plan.port}`;
}
