/**
 * `pharos serve`: config → logger → gateway → listen. One process by default; a primary with
 * N workers (cluster.ts) when --num-workers > 1, worker recycling or the separate health app
 * is asked for. SIGTERM drains in-flight requests (streams included), then exits 0.
 */
import cluster from "node:cluster";
import type { Logger } from "pino";
import { attachWorker, exitWorkerBoot } from "../cluster.ts";
import { loadEmbeddedDefault } from "../config/load.ts";
import type { LoadedConfig } from "../config/load.ts";
import { createGateway } from "../gateway.ts";
import { loadConfigChecked } from "../router/config-checks.ts";
import { listen } from "../server.ts";
import { startWorkerTelemetry } from "../telemetry/gateway-telemetry.ts";
import { checkTelemetryEnv } from "../telemetry/otel.ts";
import { createLogger } from "../telemetry/logger.ts";
import { PHAROS_VERSION } from "../version.ts";
import type { ServeArgs } from "./args.ts";
import { describeFailure } from "./failure.ts";
import { startPrimary } from "./serve-primary.ts";
import { instanceIdOf, planServe } from "./serve-plan.ts";
import type { ServePlan } from "./serve-plan.ts";

export async function serveCommand(args: ServeArgs, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const boot = bootServe(args, env);
  // A cluster worker that cannot start tells the primary why and exits 1 (the primary prints it once).
  return cluster.isWorker ? boot.catch((error: unknown) => exitWorkerBoot(describeFailure(error).text)) : boot;
}

/** Resolves once this process serves (a primary: once every worker listens). */
async function bootServe(args: ServeArgs, env: NodeJS.ProcessEnv): Promise<void> {
  const loaded = args.config === undefined ? loadEmbeddedDefault(env) : await loadConfigChecked(args.config, env);
  const logger = createLogger(env, args.debug || loaded.config.litellm_settings.set_verbose === true);
  const plan = planServe(args, loaded, env);
  checkTelemetryEnv(env);
  const clustered = plan.workers > 1 || plan.healthPort !== undefined || plan.maxRequests > 0;
  if (clustered && cluster.isPrimary) return startPrimary(loaded, plan, logger, env);
  return startWorker(loaded, plan, logger, env, clustered);
}

async function startWorker(loaded: LoadedConfig, plan: ServePlan, logger: Logger, env: NodeJS.ProcessEnv, clustered: boolean): Promise<void> {
  const telemetry = startWorkerTelemetry({ env, logger, instanceId: instanceIdOf(plan), clustered, metricsEnabled: loaded.config.general_settings.enable_metrics !== false });
  // Every worker reads the same config: the first one started says what is wrong with it.
  const gateway = createGateway(loaded, { logger, env, telemetry, logConfigWarnings: !clustered || cluster.worker?.id === 1 });
  await gateway.ready;
  const running = await listen(gateway.app, plan.host, plan.port).catch(async (error: unknown) => {
    await gateway.close().catch(() => undefined);
    await telemetry.shutdown().catch(() => undefined);
    throw error;
  });
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
