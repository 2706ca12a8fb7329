/**
 * `pharos serve`: config → logger → gateway → listen. One process by default; a primary with
 * N workers (cluster.ts) when --num-workers > 1, worker recycling or the separate health app
 * is asked for. SIGTERM drains in-flight requests (streams included), then exits 0.
 */
import cluster from "node:cluster";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { createAlertHubHost } from "../alerting/hub-host.ts";
import { attachWorker, runPrimary } from "../cluster.ts";
import { observeDatabasePool } from "../db/gateway-stores.ts";
import { createDatabaseHost } from "../db/ipc-database.ts";
import type { PrimaryHandle } from "../cluster.ts";
import { loadConfigFile, loadEmbeddedDefault } from "../config/load.ts";
import type { LoadedConfig } from "../config/load.ts";
import { createGateway, healthSources } from "../gateway.ts";
import { buildTable, createTransports } from "../router/deployment-table.ts";
import { createHealthApp } from "../health-app.ts";
import { startHealthChecker } from "../router/create-routing.ts";
import { RouterSyncRelay } from "../state/cluster-state.ts";
import type { HealthSources } from "../http/health.ts";
import { listen } from "../server.ts";
import { startPrimaryTelemetry, startWorkerTelemetry } from "../telemetry/gateway-telemetry.ts";
import { metrics } from "../telemetry/metrics.ts";
import { checkTelemetryEnv } from "../telemetry/otel.ts";
import { createLogger } from "../telemetry/logger.ts";
import { PHAROS_VERSION } from "../version.ts";
import type { ServeArgs } from "./args.ts";
import { planServe } from "./serve-plan.ts";
import type { ServePlan } from "./serve-plan.ts";

/** service.instance.id: the same for every worker of one gateway (they share the port). */
function instanceIdOf(plan: ServePlan): string {
  return `${hostname()}:${plan.port}`;
}

export async function serveCommand(args: ServeArgs, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const loaded = args.config === undefined ? loadEmbeddedDefault(env) : loadConfigFile(args.config, env);
  const logger = createLogger(env, args.debug || loaded.config.litellm_settings.set_verbose === true);
  const plan = planServe(args, loaded, env);
  checkTelemetryEnv(env);
  const clustered = plan.workers > 1 || plan.healthPort !== undefined || plan.maxRequests > 0;
  if (clustered && cluster.isPrimary) return startPrimary(loaded, plan, logger, env);
  return startWorker(loaded, plan, logger, env, clustered);
}

async function startWorker(loaded: LoadedConfig, plan: ServePlan, logger: Logger, env: NodeJS.ProcessEnv, clustered: boolean): Promise<void> {
  const telemetry = startWorkerTelemetry({ env, logger, instanceId: instanceIdOf(plan), clustered, metricsEnabled: loaded.config.general_settings.enable_metrics !== false });
  const gateway = createGateway(loaded, { logger, env, telemetry });
  await gateway.ready;
  const running = await listen(gateway.app, plan.host, plan.port);
  telemetry.metrics.observeInFlight(() => running.inFlight());
  const drain = async (graceMs: number): Promise<void> => {
    await running.drain(graceMs);
    await gateway.close();
    await telemetry.shutdown();
  };
  let served = 0;
  if (clustered) {
    const worker = attachWorker({ maxRequests: plan.maxRequests, served: () => served, drain, beforeExit: () => telemetry.beforeExit() });
    running.server.on("request", () => {
      served += 1;
      worker.noteRequest();
    });
    return;
  }
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, "draining in-flight requests before exit");
    void drain(plan.graceMs).finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  logger.info(
    { version: PHAROS_VERSION, config: loaded.source, groups: gateway.table.groupNames, deployments: gateway.table.all.length },
    `Pharos listening on http://${plan.host}:${running.port}`,
  );
}

function startPrimary(loaded: LoadedConfig, plan: ServePlan, logger: Logger, env: NodeJS.ProcessEnv): void {
  // Validate before forking: a bad config fails once, in the foreground.
  const transports = createTransports();
  const { table } = buildTable(loaded, transports, env);
  // The embedded database (PGlite) lives in the primary; workers reach it over the cluster channel.
  const dbHost = createDatabaseHost(loaded, env, logger);
  const probes = healthSources(loaded, table, plan.healthPort === undefined ? undefined : startHealthChecker(loaded, table), dbHost); // background probes here only feed the health app
  const sources: HealthSources = {
    deployments: () => probes.deployments(),
    readiness: async () => {
      const base = await probes.readiness();
      const listening = handle.listening();
      const stopping = handle.shuttingDown();
      const ready = base.ready && listening > 0 && !stopping;
      return { ready, body: { ...base.body, status: stopping ? "draining" : ready ? "healthy" : "starting", workers: listening } };
    },
  };
  const telemetry = startPrimaryTelemetry({ env, logger, instanceId: instanceIdOf(plan) });
  // The embedded database's one connection belongs to the primary: it reports it, once (the
  // workers reach it over IPC and report no pool). Its PostgreSQL health connection is not a
  // pool the workers use, and is left out.
  const unobserveDbPool = dbHost?.manager.kind === "pglite" ? observeDatabasePool(metrics, dbHost.manager) : undefined;
  // Slack alerting: one hub (batcher, sender, outage counts, budget dedup, daily report) for all workers.
  const alertHub = createAlertHubHost(loaded, env, logger);
  // Workers without Redis share router state (cooldowns, rpm usage, in-flight) through the primary.
  const relay = new RouterSyncRelay(() => handle.workers());
  cluster.on("exit", (worker) => relay.onExit(worker));
  const handle: PrimaryHandle = runPrimary({
    workers: plan.workers,
    graceMs: plan.graceMs,
    logger,
    onMessage: (worker, message) => {
      telemetry.onMessage(worker, message);
      relay.onMessage(worker, message);
      dbHost?.onMessage(worker, message);
      alertHub?.onMessage(worker, message);
    },
    onFirstListening: async () => {
      logger.info({ version: PHAROS_VERSION, config: loaded.source, workers: plan.workers, groups: table.groupNames }, `Pharos listening on http://${plan.host}:${plan.port}`);
      if (plan.healthPort === undefined) {
        return async () => {
          await alertHub?.close();
          await transports.close();
          unobserveDbPool?.();
          await dbHost?.close();
        };
      }
      const healthApp = createHealthApp({ logger, masterKey: loaded.config.general_settings.master_key, sources });
      const running = await listen(healthApp, plan.host, plan.healthPort);
      logger.info(`health app listening on http://${plan.host}:${running.port}`);
      return async () => {
        await running.drain(1000);
        await alertHub?.close();
        await transports.close();
        unobserveDbPool?.();
        await dbHost?.close();
      };
    },
  });
}
