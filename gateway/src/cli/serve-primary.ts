/**
 * The cluster's primary for `pharos serve` (cluster.ts does the worker lifecycle). In boot order:
 * validate the config once, in the foreground; take the separate health app's port, before
 * anything else starts, so a port it cannot have ends the boot at once; host what the workers
 * share (the embedded database, the alert hub, router state, cluster metrics); fork the workers.
 * Resolves once every worker listens; rejects when one cannot start (cluster.ts stops the rest).
 */
import cluster from "node:cluster";
import type { Logger } from "pino";
import { createAlertHubHost } from "../alerting/hub-host.ts";
import { runPrimary } from "../cluster.ts";
import type { PrimaryHandle } from "../cluster.ts";
import type { LoadedConfig } from "../config/load.ts";
import { observeDatabasePool } from "../db/gateway-stores.ts";
import { createDatabaseHost } from "../db/ipc-database.ts";
import type { DatabaseHost } from "../db/ipc-database.ts";
import { healthSources } from "../gateway.ts";
import { createHealthApp } from "../health-app.ts";
import type { HealthSources } from "../http/health.ts";
import { startHealthChecker } from "../router/create-routing.ts";
import { buildTable, createTransports } from "../router/deployment-table.ts";
import { listen } from "../server.ts";
import type { RunningServer } from "../server.ts";
import { RouterSyncRelay } from "../state/cluster-state.ts";
import { startPrimaryTelemetry } from "../telemetry/gateway-telemetry.ts";
import { metrics } from "../telemetry/metrics.ts";
import { PHAROS_VERSION } from "../version.ts";
import { instanceIdOf } from "./serve-plan.ts";
import type { ServePlan } from "./serve-plan.ts";

/** The parts the health app reports on, filled in as they start (it listens before them). */
interface Hosted {
  db?: DatabaseHost | undefined;
  cluster?: PrimaryHandle;
}

export async function startPrimary(loaded: LoadedConfig, plan: ServePlan, logger: Logger, env: NodeJS.ProcessEnv): Promise<void> {
  // Validate before forking: a bad config fails once, in the foreground.
  const transports = createTransports();
  const { table } = buildTable(loaded, transports, env);
  const hosted: Hosted = {};
  const checker = plan.healthPort === undefined ? undefined : startHealthChecker(loaded, table); // background probes here only feed the health app
  const probes = healthSources(loaded, table, checker, { readiness: async () => hosted.db?.readiness() });
  let health: RunningServer | undefined;
  if (plan.healthPort !== undefined) {
    const healthApp = createHealthApp({ logger, masterKey: loaded.config.general_settings.master_key, sources: primaryReadiness(probes, hosted) });
    health = await listen(healthApp, plan.host, plan.healthPort, "the health app").catch(async (error: unknown) => {
      checker?.stop();
      await transports.close();
      throw error;
    });
    logger.info(`health app listening on http://${plan.host}:${health.port}`);
  }
  // The embedded database (PGlite) lives in the primary; workers reach it over the cluster channel.
  const dbHost = createDatabaseHost(loaded, env, logger);
  hosted.db = dbHost;
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
    onFirstListening: () => {
      logger.info({ version: PHAROS_VERSION, config: loaded.source, workers: plan.workers, groups: table.groupNames }, `Pharos listening on http://${plan.host}:${plan.port}`);
    },
    close: async () => {
      await health?.drain(1000);
      checker?.stop();
      await alertHub?.close();
      await transports.close();
      unobserveDbPool?.();
      await dbHost?.close();
    },
  });
  hosted.cluster = handle;
  await handle.started;
}

/** Readiness as the cluster sees it: ready once a worker listens, "draining" from SIGTERM on. */
function primaryReadiness(probes: HealthSources, hosted: Hosted): HealthSources {
  return {
    deployments: () => probes.deployments(),
    readiness: async () => {
      const base = await probes.readiness();
      const listening = hosted.cluster?.listening() ?? 0;
      const stopping = hosted.cluster?.shuttingDown() ?? false;
      const ready = base.ready && listening > 0 && !stopping;
      return { ready, body: { ...base.body, status: stopping ? "draining" : ready ? "healthy" : "starting", workers: listening } };
    },
  };
}
