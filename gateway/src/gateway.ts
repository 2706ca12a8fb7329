/**
 * The composition root: from a loaded config, build every part of one gateway process
 * (transports, deployment table, router, pipeline, routes, app) in boot order, and close
 * them in reverse. `serve` runs one of these per worker; tests may build one in-process.
 */
import type Koa from "koa";
import type { Logger } from "pino";
import { createAlerting } from "./alerting/alerting.ts";
import type { Alerting } from "./alerting/alerting.ts";
import { createApp } from "./app.ts";
import { createGatewayStores } from "./db/gateway-stores.ts";
import type { StoreAlerts } from "./db/gateway-stores.ts";
import type { LoadedConfig } from "./config/load.ts";
import type { DatabaseReadiness } from "./db/db-manager.ts";
import { MEGABYTE } from "./config/schema.ts";
import { chatCompletionRoutes } from "./http/chat-completions.ts";
import { completionRoutes } from "./http/completions.ts";
import { embeddingRoutes } from "./http/embeddings.ts";
import { deploymentHealthRoutes, publicHealthRoutes } from "./http/health.ts";
import type { HealthSources, ReadinessReport } from "./http/health.ts";
import { modelRoutes } from "./http/models.ts";
import type { ProxyDeps } from "./http/proxy-handler.ts";
import { createGuardrails } from "./guardrails/guardrails.ts";
import { guardrailListRoutes } from "./guardrails/list-route.ts";
import { Pipeline } from "./pipeline.ts";
import type { RequestObserver, RequestState } from "./request-state.ts";
import type { DeploymentTable } from "./router/deployments.ts";
import { createRouting } from "./router/create-routing.ts";
import { buildTable, createTransports } from "./router/deployment-table.ts";
import { RedisPools } from "./stores/redis.ts";
import type { HealthChecker } from "./router/health-checks.ts";
import { probeAll } from "./router/health-report.ts";
import { metricsOnlyTelemetry, metricsRoutes, observeGateway, pipelineTelemetry, telemetryObservers } from "./telemetry/gateway-telemetry.ts";
import type { GatewayTelemetry } from "./telemetry/gateway-telemetry.ts";
import { PHAROS_VERSION } from "./version.ts";

export interface GatewayOptions {
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** Metrics, traces and logs (cli/serve.ts boots it); defaults to metrics without the SDK. */
  readonly telemetry?: GatewayTelemetry;
  /** Log the config's warnings (default true; in a cluster only the first worker does, so they appear once). */
  readonly logConfigWarnings?: boolean;
}

export interface Gateway {
  readonly app: Koa<RequestState>;
  readonly table: DeploymentTable;
  readonly health: HealthSources;
  /** Resolves once the router's shared state is loaded (await before listening). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT_MB = 10;
const DEFAULT_PROBE_TIMEOUT_SECONDS = 10;

/** With background health checks on, /health answers from their cached state instead of probing. */
export function healthSources(loaded: LoadedConfig, table: DeploymentTable, checker?: HealthChecker, database?: { readiness(): Promise<DatabaseReadiness | undefined> }): HealthSources {
  const config = loaded.config;
  const probeTimeoutMs = (config.health_check?.health_check_timeout ?? DEFAULT_PROBE_TIMEOUT_SECONDS) * 1000;
  const cache = config.litellm_settings.cache === true ? (config.litellm_settings.cache_params?.type ?? "local") : null;
  return {
    readiness: async (): Promise<ReadinessReport> => {
      const db = (await database?.readiness()) ?? { ready: true, db: "Not connected" };
      return {
        ready: db.ready,
        body: { status: db.ready ? "healthy" : "unhealthy", db: db.db, ...(db.dbError === undefined ? {} : { db_error: db.dbError }), cache, litellm_version: PHAROS_VERSION, pharos_version: PHAROS_VERSION },
      };
    },
    deployments: () => checker?.report() ?? probeAll(table, { timeoutMs: probeTimeoutMs, expectedField: config.health_check?.expected_response_field }),
  };
}

export function createGateway(loaded: LoadedConfig, options: GatewayOptions): Gateway {
  const env = options.env ?? process.env;
  const logger = options.logger;
  const config = loaded.config;
  const transports = createTransports();
  const { table, warnings } = buildTable(loaded, transports, env);
  if (options.logConfigWarnings !== false) for (const warning of [...loaded.warnings, ...warnings]) logger.warn(warning);
  const telemetry = options.telemetry ?? metricsOnlyTelemetry();
  const metricsEnabled = config.general_settings.enable_metrics !== false;
  observeGateway(telemetry.metrics, table, transports);

  const redisPools = new RedisPools(logger);
  const routing = createRouting(loaded, table, env, logger, metricsEnabled ? telemetry.metrics : undefined, redisPools);
  const router = routing.router;
  const bodyLimitBytes = (config.general_settings.max_request_size_mb ?? DEFAULT_BODY_LIMIT_MB) * MEGABYTE;
  // Alerting reads the database's state, and the stores raise budget and write-failure alerts: bound late.
  const late: { alerting?: Alerting } = {};
  const storeAlerts: StoreAlerts = { budget: (reading) => late.alerting?.budget(reading), dbException: (operation, error) => late.alerting?.dbException(operation, error) };
  const stores = createGatewayStores({ loaded, table, transports, env, logger, metrics: telemetry.metrics, bodyLimitBytes, aliases: router.policy.aliases, redisPools, alerts: storeAlerts });
  const guardrails = createGuardrails(config, { logger, metrics: metricsEnabled ? telemetry.metrics : undefined });
  const pipeline = new Pipeline({ table, router, logger, telemetry: pipelineTelemetry(telemetry, metricsEnabled), keys: stores.keyGuard, cache: stores.cacheStage, guardrails });
  const observers: RequestObserver[] = [...telemetryObservers(telemetry, logger, metricsEnabled)];
  if (stores.spendObserver !== undefined) observers.push(stores.spendObserver);
  // Slack alerting (general_settings.alerting): request records, router events, hanging requests.
  const alerting = createAlerting(loaded, { logger, env, table, database: stores.db });
  late.alerting = alerting;
  if (alerting !== undefined) observers.push(alerting.observer);
  const stopRouterAlerts = alerting === undefined ? undefined : router.events.on(alerting.onRouterEvent);
  const health = healthSources(loaded, table, routing.healthChecker, stores);
  const proxy: ProxyDeps = { pipeline, bodyLimitBytes, requireUser: config.general_settings.enforce_user_param === true };
  const bootEpochSeconds = Math.floor(Date.now() / 1000);

  const masterKey = config.general_settings.master_key;
  if (masterKey === undefined) logger.warn("no master key configured (general_settings.master_key or LITELLM_MASTER_KEY): every route is open");

  const app = createApp({
    logger,
    observers,
    masterKey,
    keyResolver: stores.keyResolver,
    publicRoutes: (routes) => {
      publicHealthRoutes(routes, health);
      metricsRoutes(routes, () => telemetry.scrape());
    },
    apiRoutes: (routes) => {
      if (alerting?.trackHanging !== undefined) routes.use(alerting.trackHanging);
      chatCompletionRoutes(routes, proxy);
      completionRoutes(routes, proxy);
      embeddingRoutes(routes, proxy);
      modelRoutes(routes, table, router.policy.aliases, bootEpochSeconds);
      guardrailListRoutes(routes, config);
      deploymentHealthRoutes(routes, health);
      stores.routes(routes);
    },
  });

  const close = async (): Promise<void> => {
    stopRouterAlerts?.();
    await alerting?.close();
    await stores.close();
    await routing.close();
    await transports.close();
  };
  return {
    app,
    table,
    health,
    // A boot that fails (e.g. a wrong LITELLM_SALT_KEY) releases what it opened, so the process can exit.
    ready: Promise.all([routing.ready, stores.ready]).then(
      () => undefined,
      async (error: unknown) => {
        await close().catch(() => undefined);
        throw error;
      },
    ),
    close,
  };
}
