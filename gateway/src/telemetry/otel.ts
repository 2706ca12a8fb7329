/**
 * OpenTelemetry SDK boot, once per process, before the app. A metrics-only process (the default)
 * needs just `@opentelemetry/sdk-metrics`' MeterProvider and the Prometheus exporter; with traces
 * exported, `@opentelemetry/sdk-trace`'s batch span processor, sampler and id generator and the
 * OTLP exporter are loaded too (no TracerProvider: RequestTracer hands finished spans to the
 * processor, finished-span.ts says why). Nothing is registered globally and
 * `@opentelemetry/sdk-node` is not used: it installs an AsyncLocalStorage context manager (before
 * Node 24 that puts an async hook on every promise of every request, sampled or not, once the
 * first span batch is exported; Pharos parents its spans explicitly and needs no context), a
 * global propagator and tracer provider, and loads ~9 MB of heap of log and metric exporters
 * Pharos does not use.
 * - resource: service.name=pharos, service.version, service.instance.id (+ OTEL_RESOURCE_ATTRIBUTES);
 * - metrics: the Prometheus exporter as the SDK's reader, fed at collection time by the
 *   catalogue's snapshot (local, or merged across cluster workers) through a MetricProducer.
 *   `scrape()` renders it for `GET /metrics` on the main port; with OTEL_EXPORTER_PROMETHEUS_PORT
 *   the exporter also serves it standalone (host OTEL_EXPORTER_PROMETHEUS_HOST);
 * - traces: only when OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT) is set: OTLP over
 *   OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL (http/protobuf by default as the spec says, http/json or
 *   grpc), batched (OTEL_BSP_*), parent-based ratio sampling from OTEL_TRACES_SAMPLER_ARG (default
 *   1; the decision is RequestTracer's, before any span exists), or OTEL_TRACES_SAMPLER's sampler;
 *   attribute limits from OTEL_SPAN_ATTRIBUTE_* / OTEL_ATTRIBUTE_*; W3C `traceparent` read by
 *   RequestTracer. Otherwise `spans` is undefined: tracing costs one branch per hook.
 * No auto-instrumentation: Pharos's own spans cover the request, routing and every upstream
 * attempt at a fraction of the cost of wrapping every socket (docs/metrics.md, "Traces").
 */
import { createRequire } from "node:module";
import { diag, DiagLogLevel } from "@opentelemetry/api";
import type { DiagLogger } from "@opentelemetry/api";
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { defaultResource, detectResources, resourceAttributesEnvDetector, resourceFromAttributes } from "@opentelemetry/resources";
import type { Resource } from "@opentelemetry/resources";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import type * as SdkTrace from "@opentelemetry/sdk-trace";
import type { Sampler, SpanExporter } from "@opentelemetry/sdk-trace";
import type { Logger } from "pino";
import { ConfigError } from "../config/load.ts";
import { PHAROS_VERSION } from "../version.ts";
import { snapshotProducer } from "./metric-export.ts";
import type { SnapshotSource } from "./metric-export.ts";
import type { InstrumentSpec } from "./metric-store.ts";
import type { AttributeLimits, SpanSink } from "./tracing.ts";

export interface TelemetryOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** The catalogue's instruments, in the order they are served. */
  readonly specs: readonly InstrumentSpec[];
  /** The metrics a scrape serves: this process's, or the cluster's merged. */
  readonly snapshot: SnapshotSource;
  /** service.instance.id: the same in every worker of one gateway (host:port). */
  readonly instanceId: string;
  /** Whether this process handles requests (and so may export traces). */
  readonly traces: boolean;
  /** Serve the standalone metrics port from this process (the primary, in a cluster). */
  readonly standaloneMetrics: boolean;
}

export interface Telemetry {
  /** The Prometheus text of one scrape. */
  scrape(): Promise<string>;
  /** Where request spans go and how requests are sampled; defined only when traces are exported. */
  readonly spans: SpanSink | undefined;
  /** The standalone metrics port, when one is served. */
  readonly metricsPort: number | undefined;
  shutdown(): Promise<void>;
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** Tracing is on when an OTLP endpoint is configured and the traces exporter is not "none". */
export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  const endpoint = nonEmpty(env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]) ?? nonEmpty(env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
  return endpoint !== undefined && env["OTEL_TRACES_EXPORTER"]?.trim().toLowerCase() !== "none" && env["OTEL_SDK_DISABLED"]?.trim().toLowerCase() !== "true";
}

export const OTLP_PROTOCOLS = ["http/protobuf", "http/json", "grpc"] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** The OTLP protocol for traces; an unknown value is a boot error naming the variable. */
export function traceProtocol(env: NodeJS.ProcessEnv): OtlpProtocol {
  for (const name of ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"]) {
    const value = nonEmpty(env[name])?.toLowerCase();
    if (value === undefined) continue;
    if ((OTLP_PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
    throw new ConfigError("the environment", [`${name}: "${env[name]}" is not an OTLP protocol (${OTLP_PROTOCOLS.join(", ")})`]);
  }
  return "http/protobuf";
}

/** Checks the telemetry environment at boot, before any worker starts (throws ConfigError). */
export function checkTelemetryEnv(env: NodeJS.ProcessEnv): void {
  if (tracingEnabled(env)) traceProtocol(env);
}

/** OTEL_TRACES_SAMPLER_ARG as a ratio in [0, 1]; the spec's default 1 when absent or invalid. */
export function samplerRatio(env: NodeJS.ProcessEnv): number {
  const raw = nonEmpty(env["OTEL_TRACES_SAMPLER_ARG"]);
  if (raw === undefined) return 1;
  const ratio = Number(raw);
  return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1;
}

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The OTel SDK's diagnostics, through pino (warnings and errors only unless OTEL_LOG_LEVEL says more). */
function diagLogger(logger: Logger): DiagLogger {
  const child = logger.child({ component: "otel" });
  return {
    error: (message, ...args) => child.error({ args }, message),
    warn: (message, ...args) => child.warn({ args }, message),
    info: (message, ...args) => child.info({ args }, message),
    debug: (message, ...args) => child.debug({ args }, message),
    verbose: (message, ...args) => child.trace({ args }, message),
  };
}

const DIAG_LEVELS: Record<string, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const { env } = options;
  const metricsPort = options.standaloneMetrics ? envNumber(env, "OTEL_EXPORTER_PROMETHEUS_PORT") : undefined;
  const producer = snapshotProducer(options.specs, options.snapshot, PHAROS_VERSION);
  const exporter = new PrometheusExporter({
    preventServerStart: metricsPort === undefined,
    ...(metricsPort === undefined ? {} : { port: metricsPort, host: nonEmpty(env["OTEL_EXPORTER_PROMETHEUS_HOST"]) ?? "0.0.0.0" }),
    withoutScopeInfo: true,
    metricProducers: [producer],
  });
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  // One resource for metrics and traces: the SDK defaults, OTEL_RESOURCE_ATTRIBUTES, then Pharos's own.
  const resource = defaultResource()
    .merge(detectResources({ detectors: [resourceAttributesEnvDetector] }))
    .merge(resourceFromAttributes({ "service.name": "pharos", "service.version": PHAROS_VERSION, "service.instance.id": options.instanceId }));

  diag.setLogger(diagLogger(options.logger), { logLevel: DIAG_LEVELS[env["OTEL_LOG_LEVEL"]?.toLowerCase() ?? "warn"] ?? DiagLogLevel.WARN, suppressOverrideMessage: true });
  const traces = options.traces && tracingEnabled(env);
  const meterProvider = new MeterProvider({ resource, readers: [exporter] });
  const spans = traces ? traceSink(env, resource) : undefined;

  // Without the SDK (OTEL_SDK_DISABLED, or a config file that drops our reader) /metrics still works.
  let bound = true;
  const scrape = async (): Promise<string> => {
    if (bound) {
      try {
        const { resourceMetrics, errors } = await exporter.collect();
        if (errors.length > 0) options.logger.warn({ errors: errors.map(String) }, "metrics collection reported errors");
        return serializer.serialize(resourceMetrics);
      } catch (error) {
        if (!(error instanceof Error) || !/not bound/.test(error.message)) throw error;
        bound = false;
      }
    }
    const { resourceMetrics } = await producer.collect();
    return serializer.serialize({ resource, scopeMetrics: resourceMetrics.scopeMetrics });
  };

  return {
    scrape,
    spans,
    metricsPort,
    shutdown: async () => {
      await Promise.all([spans?.processor.shutdown(), meterProvider.shutdown()]);
    },
  };
}

// Loaded on demand: the trace SDK and its exporters are only needed when traces are exported.
const requireLazily = createRequire(import.meta.url);

const EXPORTER_PACKAGES: Readonly<Record<OtlpProtocol, string>> = {
  "http/protobuf": "@opentelemetry/exporter-trace-otlp-proto",
  "http/json": "@opentelemetry/exporter-trace-otlp-http",
  grpc: "@opentelemetry/exporter-trace-otlp-grpc",
};

/** The span exporter for a protocol (each reads its endpoint, headers and timeout from OTEL_EXPORTER_OTLP_*). */
function traceExporter(protocol: OtlpProtocol): SpanExporter {
  const { OTLPTraceExporter } = requireLazily(EXPORTER_PACKAGES[protocol]) as { OTLPTraceExporter: new () => SpanExporter };
  return new OTLPTraceExporter();
}

/**
 * OTEL_TRACES_SAMPLER (and its OTEL_TRACES_SAMPLER_ARG), as the spec names them; undefined when
 * unset. An unknown name is reported and the default (parent-based, always on) is used.
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv, sdkTrace: Pick<typeof SdkTrace, "AlwaysOffSampler" | "AlwaysOnSampler" | "ParentBasedSampler" | "TraceIdRatioBasedSampler">): Sampler | undefined {
  const name = nonEmpty(env["OTEL_TRACES_SAMPLER"])?.toLowerCase();
  if (name === undefined) return undefined;
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdkTrace;
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(samplerRatio(env));
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatio(env)) });
    default:
      diag.error(`unknown OTEL_TRACES_SAMPLER value "${env["OTEL_TRACES_SAMPLER"]}", using parentbased_always_on`);
      return undefined;
  }
}

/** Attribute limits from OTEL_SPAN_ATTRIBUTE_* / OTEL_ATTRIBUTE_* (the span-specific variable first); unset ones are absent. */
export function attributeLimitsFromEnv(env: NodeJS.ProcessEnv): AttributeLimits {
  const first = (...names: string[]): number | undefined => names.map((name) => envNumber(env, name)).find((value) => value !== undefined);
  const count = first("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT");
  const length = first("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT");
  return { ...(count === undefined ? {} : { attributeCountLimit: count }), ...(length === undefined ? {} : { attributeValueLengthLimit: length }) };
}

/**
 * The traces' sink: the SDK's batch span processor feeding the OTLP exporter, the sampler
 * OTEL_TRACES_SAMPLER names (else OTEL_TRACES_SAMPLER_ARG's ratio, parent-based), the SDK's id
 * generator. No TracerProvider: RequestTracer makes finished spans itself (finished-span.ts).
 */
function traceSink(env: NodeJS.ProcessEnv, resource: Resource): SpanSink {
  const sdkTrace = requireLazily("@opentelemetry/sdk-trace") as typeof SdkTrace;
  const processor = new sdkTrace.BatchSpanProcessor({
    exporter: traceExporter(traceProtocol(env)),
    maxQueueSize: envNumber(env, "OTEL_BSP_MAX_QUEUE_SIZE"),
    maxExportBatchSize: envNumber(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
    scheduledDelayMillis: envNumber(env, "OTEL_BSP_SCHEDULE_DELAY"),
    exportTimeoutMillis: envNumber(env, "OTEL_BSP_EXPORT_TIMEOUT"),
  });
  return {
    processor,
    origin: { resource, scope: { name: "pharos", version: PHAROS_VERSION } },
    ids: new sdkTrace.RandomIdGenerator(),
    sampler: samplerFromEnv(env, sdkTrace),
    // An unknown OTEL_TRACES_SAMPLER falls back to parentbased_always_on, whatever the ratio.
    ratio: nonEmpty(env["OTEL_TRACES_SAMPLER"]) === undefined ? samplerRatio(env) : 1,
    limits: attributeLimitsFromEnv(env),
  };
}
