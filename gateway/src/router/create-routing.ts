/**
 * Builds the routing part of a gateway process from the config: the routing policy, the
 * shared state (memory, or Redis when router_settings.redis_* is set), background health
 * checks, the router and its metrics. `ready` resolves once the shared state is loaded (or
 * Redis proved unreachable: the router then serves on local state).
 */
import { sendToPrimary } from "../ipc.ts";
import type { Logger } from "pino";
import { ConfigError } from "../config/load.ts";
import type { LoadedConfig } from "../config/load.ts";
import { ClusterRouterState } from "../state/cluster-state.ts";
import { MemoryRouterState } from "../state/memory-state.ts";
import { RedisRouterState } from "../state/redis-state.ts";
import type { RouterState } from "../state/router-state.ts";
import { RedisPools, routerRedisSettings } from "../stores/redis.ts";
import type { RedisPool } from "../stores/redis.ts";
import type { PharosMetrics } from "../telemetry/metrics.ts";
import { encoding, encodingForModel } from "../tokens/token-count.ts";
import type { DeploymentTable } from "./deployments.ts";
import { RouterEvents } from "./events.ts";
import { HealthChecker, healthCheckSettings } from "./health-checks.ts";
import { Router } from "./router.ts";
import { recordRouterMetrics } from "./router-metrics.ts";
import { resolveRoutingPolicy, unknownFallbackTargets } from "./routing-policy.ts";
import type { RoutingPolicy } from "./routing-policy.ts";

export interface Routing {
  readonly router: Router;
  /** Background health checks, when general_settings.background_health_checks is on. */
  readonly healthChecker: HealthChecker | undefined;
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

function createState(loaded: LoadedConfig, table: DeploymentTable, policy: RoutingPolicy, env: NodeJS.ProcessEnv, logger: Logger, redisPools: RedisPools): { state: RouterState; pool: RedisPool | undefined } {
  const settings = routerRedisSettings(loaded.config, env);
  const usageMatters = policy.strategy === "usage-based-routing" || policy.strategy === "usage-based-routing-v2" || table.all.some((deployment) => deployment.rpm !== undefined || deployment.tpm !== undefined);
  if (settings === undefined) {
    // A cluster worker shares with its siblings through the primary; a lone process keeps it in memory.
    if (env["PHAROS_WORKER"] !== "1" || process.send === undefined) return { state: new MemoryRouterState(), pool: undefined };
    const state = new ClusterRouterState({
      send: (message) => {
        sendToPrimary(message);
      },
      subscribe: (listener) => process.on("message", listener),
      shareUsage: usageMatters,
      shareInFlight: policy.strategy === "least-busy",
    });
    return { state, pool: undefined };
  }
  const pool = redisPools.get(settings, "router-state");
  const syncMs = Number(env["PHAROS_ROUTER_SYNC_MS"]);
  const state = new RedisRouterState({
    pool,
    logger,
    shareUsage: usageMatters,
    shareInFlight: policy.strategy === "least-busy",
    ...(Number.isFinite(syncMs) && syncMs > 0 ? { syncIntervalMs: syncMs } : {}),
  });
  return { state, pool };
}

/** Background health checks for this process, started; undefined when they are off. */
export function startHealthChecker(loaded: LoadedConfig, table: DeploymentTable, events?: RouterEvents, onTransition?: ConstructorParameters<typeof HealthChecker>[0]["onTransition"]): HealthChecker | undefined {
  const settings = healthCheckSettings(loaded.config);
  if (!settings.enabled) return undefined;
  const checker = new HealthChecker({ table, settings, events, onTransition });
  checker.start();
  return checker;
}

/** `metrics`: where cooldowns, health checks and deployment states are recorded (none when metrics are off). */
export function createRouting(loaded: LoadedConfig, table: DeploymentTable, env: NodeJS.ProcessEnv, logger: Logger, metrics?: PharosMetrics, redisPools: RedisPools = new RedisPools(logger)): Routing {
  const problems = unknownFallbackTargets(loaded.config);
  if (problems.length > 0) throw new ConfigError(loaded.source, problems);
  const policy = resolveRoutingPolicy(loaded.config);
  const { state, pool } = createState(loaded, table, policy, env, logger, redisPools);
  const events = new RouterEvents();
  const routerRef: { current: Router | undefined } = { current: undefined };
  const healthChecker = startHealthChecker(loaded, table, events, (deployment, healthy) => {
    logger.warn({ deployment: deployment.id, group: deployment.group }, `deployment ${deployment.id} (${deployment.apiBaseForHeader}) ${healthy ? "passed its health checks: back in service" : "failed its health checks: taken out of service"}`);
    routerRef.current?.refreshCondition(deployment);
  });
  const router = new Router({ table, policy, state, health: healthChecker, events, logger });
  // Pre-call checks tokenize prompts: load the tokenizers at boot, not on the first long prompt.
  if (policy.preCallChecks) for (const deployment of table.all) if (deployment.maxInputTokens !== undefined) encoding(encodingForModel(deployment.model));
  routerRef.current = router;
  const stopMetrics = metrics === undefined ? () => undefined : recordRouterMetrics(router, metrics);
  const ready = state.start().catch((error: unknown) => logger.error({ err: error }, "router state failed to start; serving on local state"));

  return {
    router,
    healthChecker,
    ready,
    async close() {
      stopMetrics();
      healthChecker?.stop();
      await router.close();
      await pool?.close();
    },
  };
}
