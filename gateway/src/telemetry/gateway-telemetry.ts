/**
 * Telemetry as a gateway process uses it, assembled once at boot (cli/serve.ts:
 * config → telemetry → stores → app → listen) and handed to createGateway:
 * - workers: SDK + Prometheus reader over this process's snapshot, or the cluster's merge;
 *   runtime metrics; the tracer when OTLP is configured;
 * - the cluster primary: the merge of every worker (plus its own process metrics), served on
 *   the standalone metrics port when OTEL_EXPORTER_PROMETHEUS_PORT is set.
 * `metricsOnlyTelemetry()` is the no-SDK variant for gateways built in-process (tests).
 */
import type { Worker } from "node:cluster";
import type Router from "@koa/router";
import { PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { millisToHrTime } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { Logger } from "pino";
import type { RequestObserver, RequestState } from "../request-state.ts";
import type { DeploymentTable } from "../router/deployments.ts";
import { PHAROS_VERSION } from "../version.ts";
import { attachClusterMetricsWorker, ClusterMetricsPrimary } from "./cluster-metrics.ts";
import { toScopeMetrics } from "./metric-export.ts";
import { metrics as processMetrics } from "./metrics.ts";
import type { PharosMetrics, UpstreamPoolReading } from "./metrics.ts";
import { PROMETHEUS_CONTENT_TYPE, startTelemetry } from "./otel.ts";
import { requestLogObserver } from "./request-log.ts";
import { recordAttempt, requestMetricsObserver } from "./request-metrics.ts";
import type { PipelineTelemetry } from "./pipeline-telemetry.ts";
import { startRuntimeMetrics } from "./runtime-metrics.ts";
import { RequestTracer, tracingObserver } from "./tracing.ts";

export interface GatewayTelemetry {
  readonly metrics: PharosMetrics;
  /** The Prometheus text of one scrape (cluster-wide in a cluster). */
  scrape(): Promise<string>;
  readonly tracer: RequestTracer | undefined;
  /** Cluster workers: hands the final snapshot to the primary (run after the drain). */
  beforeExit(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface WorkerTelemetryOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** service.instance.id: host:port, the same in every worker. */
  readonly instanceId: string;
  readonly clustered: boolean;
  /** general_settings.enable_metrics (default true); false also stops the runtime collectors. */
  readonly metricsEnabled?: boolean;
}

export function startWorkerTelemetry(options: WorkerTelemetryOptions): GatewayTelemetry {
  const metrics = processMetrics;
  const local = (): ReturnType<PharosMetrics["snapshot"]> => metrics.snapshot();
  const worker = options.clustered ? attachClusterMetricsWorker(local, options.logger) : undefined;
  const stopRuntime = options.metricsEnabled === false ? () => undefined : startRuntimeMetrics(metrics, { servesRequests: true });
  const otel = startTelemetry({
    env: options.env,
    logger: options.logger,
    specs: metrics.store.specs,
    snapshot: worker === undefined ? async () => local() : () => worker.scrapeSnapshot(),
    instanceId: options.instanceId,
    traces: true,
    standaloneMetrics: !options.clustered,
  });
  if (otel.metricsPort !== undefined) options.logger.info(`metrics also served on http://${options.env["OTEL_EXPORTER_PROMETHEUS_HOST"] ?? "0.0.0.0"}:${otel.metricsPort}/metrics`);
  return {
    metrics,
    scrape: otel.scrape,
    tracer: otel.spans === undefined ? undefined : new RequestTracer(otel.spans),
    beforeExit: async () => {
      await worker?.sendFinal();
    },
    shutdown: async () => {
      worker?.stop();
      stopRuntime();
      await otel.shutdown();
    },
  };
}

export interface PrimaryTelemetry {
  /** Feed every worker message here. */
  onMessage(worker: Worker, message: unknown): void;
  scrape(): Promise<string>;
  shutdown(): Promise<void>;
}

export function startPrimaryTelemetry(options: Omit<WorkerTelemetryOptions, "clustered">): PrimaryTelemetry {
  const metrics = processMetrics;
  const stopRuntime = startRuntimeMetrics(metrics, { servesRequests: false });
  const aggregator = new ClusterMetricsPrimary(metrics.store.specs, () => metrics.snapshot());
  const otel = startTelemetry({
    env: options.env,
    logger: options.logger,
    specs: metrics.store.specs,
    snapshot: () => aggregator.collect(),
    instanceId: options.instanceId,
    traces: false,
    standaloneMetrics: true,
  });
  if (otel.metricsPort !== undefined) options.logger.info(`cluster metrics served on http://${options.env["OTEL_EXPORTER_PROMETHEUS_HOST"] ?? "0.0.0.0"}:${otel.metricsPort}/metrics`);
  return {
    onMessage: (worker, message) => aggregator.onMessage(worker, message),
    scrape: otel.scrape,
    shutdown: async () => {
      stopRuntime();
      await otel.shutdown();
    },
  };
}

/** Metrics without the SDK (in-process gateways in tests): this process's snapshot, no traces. */
export function metricsOnlyTelemetry(metrics: PharosMetrics = processMetrics): GatewayTelemetry {
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  const resource = resourceFromAttributes({ "service.name": "pharos", "service.version": PHAROS_VERSION });
  const startTime = millisToHrTime(Date.now());
  return {
    metrics,
    scrape: async () => serializer.serialize({ resource, scopeMetrics: [toScopeMetrics(metrics.store.specs, metrics.snapshot(), startTime, PHAROS_VERSION)] }),
    tracer: undefined,
    beforeExit: async () => undefined,
    shutdown: async () => undefined,
  };
}

/**
 * The request observers telemetry contributes, in order: metrics (unless
 * general_settings.enable_metrics is false), span ends (tracing on), the log line (INFO on).
 */
export function telemetryObservers(telemetry: GatewayTelemetry, logger: Logger, metricsEnabled: boolean): RequestObserver[] {
  const observers: RequestObserver[] = [];
  if (metricsEnabled) observers.push(requestMetricsObserver(telemetry.metrics));
  if (telemetry.tracer !== undefined) observers.push(tracingObserver);
  const log = requestLogObserver(logger);
  if (log !== undefined) observers.push(log);
  return observers;
}

export function pipelineTelemetry(telemetry: GatewayTelemetry, metricsEnabled: boolean): PipelineTelemetry {
  const metrics = telemetry.metrics;
  return {
    tracer: telemetry.tracer,
    attemptEnded: metricsEnabled ? (op, deployment, ms, error) => recordAttempt(metrics, op, deployment, ms, error) : undefined,
    paramsDropped: metricsEnabled ? (deployment, params) => metrics.paramsDropped(deployment.group, deployment.adapter.otelName, params) : undefined,
  };
}

/** GET /metrics: public, exactly this path, 200 with the Prometheus text format. */
export function metricsRoutes(router: Router<RequestState>, scrape: () => Promise<string>): void {
  router.get("/metrics", async (ctx) => {
    ctx.state.route = "metrics";
    ctx.body = await scrape();
    ctx.set("content-type", PROMETHEUS_CONTENT_TYPE);
    ctx.set("cache-control", "no-store");
  });
}

let unobservePools: (() => void) | undefined;
let unobserveLimits: (() => void) | undefined;

/**
 * What telemetry reads from a gateway's parts: its model groups (anything else folds into
 * `unknown`), every deployment's state (0 until the router registers its own source) and rpm/tpm
 * limits, and the upstream pools at scrape time.
 */
export function observeGateway(metrics: PharosMetrics, table: DeploymentTable, transports: { stats(): readonly UpstreamPoolReading[] }): void {
  metrics.setModelGroups(table.groupNames);
  metrics.observeDeploymentStates(() => table.all.map((deployment) => ({ group: deployment.group, deploymentId: deployment.id, provider: deployment.adapter.otelName, state: 0 as const })));
  unobservePools?.();
  unobservePools = metrics.observeUpstreamPools(() => transports.stats());
  const limited = table.all.filter((deployment) => deployment.rpm !== undefined || deployment.tpm !== undefined).map((deployment) => ({ group: deployment.group, deploymentId: deployment.id, rpm: deployment.rpm, tpm: deployment.tpm }));
  unobserveLimits?.();
  unobserveLimits = metrics.observeDeploymentLimits(() => limited);
}
