/**
 * THE metric catalogue: every instrument Pharos serves is declared here once, with its name,
 * unit, bucket boundaries and allowed attribute keys, and recorded through the typed methods of
 * `metrics` below. Other modules call those methods (or register a source for a gauge); they
 * never create instruments or pass free-form attributes.
 *
 * Names are OpenTelemetry names; `/metrics` serves them as the OTel Prometheus exporter does:
 * dots become `_`, counters get `_total`, units are NOT appended (`gen_ai.server.request.duration`
 * → `gen_ai_server_request_duration_bucket`). docs/metrics.md lists them as served.
 *
 * Attribute rules: model group, deployment id, provider, operation, status class, error type,
 * cache result and other small closed sets only; never a key, user, request id or message.
 * Model groups a client names but the config does not have fold into `unknown`.
 *
 * Recording is cheap (plain JS pre-aggregation, see metric-store.ts): call it on the hot path.
 */
import type { ErrorCode } from "../errors.ts";
import { OPENAI_PARAMS } from "../providers/param-support.ts";
import type { CacheResult } from "../request-state.ts";
import { MetricStore } from "./metric-store.ts";
import type { Counter, Gauge, Histogram, InstrumentSpec, StoreSnapshot } from "./metric-store.ts";

// ---------------------------------------------------------------------------------------------
// Attribute keys (Prometheus label = key with `.` → `_`).

export const ATTR = {
  /** chat | text_completion | embeddings */
  operation: "gen_ai.operation.name",
  /** The model group (the `model` a client sends), folded to `unknown` when not configured. */
  model: "gen_ai.request.model",
  /** openai, ollama, gcp.gemini, voyage, vllm, pharos.fake (the adapter's otelName). */
  provider: "gen_ai.provider.name",
  deployment: "pharos.deployment.id",
  /** The error catalogue code (errors.ts): low cardinality by construction. */
  errorType: "error.type",
  /** input | output */
  tokenType: "gen_ai.token.type",
  /** ROUTE_LABELS (http/route-labels.ts): chat_completions, completions, embeddings, models, health, metrics, key_admin, spend_admin, model_admin, guardrails, unmatched. */
  route: "pharos.route",
  /** 2xx | 3xx | 4xx | 5xx */
  statusClass: "pharos.status_class",
  /** hit | miss | bypass | error (the store unreachable) */
  cacheResult: "pharos.cache.result",
  cacheBackend: "pharos.cache.backend",
  fallbackResult: "pharos.fallback.result",
  cooldownReason: "pharos.cooldown.reason",
  healthResult: "pharos.health_check.result",
  rateLimitScope: "pharos.rate_limit.scope",
  guardrailScanner: "pharos.guardrail.scanner",
  guardrailDirection: "pharos.guardrail.direction",
  dbSystem: "db.system.name",
  /** keys | models | spend_write | spend_read | spend_retention | migrate … (a closed set, see db-manager callers) */
  dbOperation: "db.operation.name",
  /** rpm | tpm */
  limitType: "pharos.limit.type",
  poolName: "db.client.connection.pool.name",
  connectionState: "db.client.connection.state",
  serverAddress: "server.address",
  httpConnectionState: "http.connection.state",
  upstreamRequestState: "pharos.upstream.request.state",
  /** A request field drop_params left out: an OpenAI parameter's name, or `other` (cardinality guard). */
  param: "pharos.request.param",
  cpuMode: "cpu.mode",
  gcType: "v8js.gc.type",
  resourceType: "nodejs.resource.type",
} as const;

/** The value model groups not in the config fold into (cardinality guard). */
export const UNKNOWN_GROUP = "unknown";

/** The value request fields that are not OpenAI parameters fold into (cardinality guard). */
export const OTHER_PARAM = "other";

// ---------------------------------------------------------------------------------------------
// Bucket boundaries.

/** GenAI semantic conventions: gen_ai.server.request.duration / gen_ai.client.operation.duration. */
export const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** GenAI semantic conventions: gen_ai.server.time_to_first_token. */
export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** GenAI semantic conventions: gen_ai.server.time_per_output_token. */
export const TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5];
/** GenAI semantic conventions: gen_ai.client.token.usage. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** Gateway overhead: tens of microseconds to a second. */
export const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
/** Local work: cache lookups, guardrail scans, GC pauses. */
export const FAST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

// ---------------------------------------------------------------------------------------------
// The catalogue.

const A = ATTR;
const GEN_AI = [A.operation, A.model, A.provider, A.deployment] as const;

export const CATALOGUE = {
  // -- GenAI semantic conventions ---------------------------------------------------------------
  requestDuration: {
    name: "gen_ai.server.request.duration",
    kind: "histogram",
    unit: "s",
    description: "Time from a request's arrival to its last byte, per model group and deployment (GenAI semconv).",
    attributes: [...GEN_AI, A.errorType],
    buckets: DURATION_BUCKETS,
  },
  timeToFirstToken: {
    name: "gen_ai.server.time_to_first_token",
    kind: "histogram",
    unit: "s",
    description: "Time from a streaming request's arrival to its first chunk sent to the client (GenAI semconv).",
    attributes: GEN_AI,
    buckets: TTFT_BUCKETS,
  },
  timePerOutputToken: {
    name: "gen_ai.server.time_per_output_token",
    kind: "histogram",
    unit: "s",
    description: "Time per output token after the first, for streamed responses from an upstream (cache hits left out) (GenAI semconv).",
    attributes: GEN_AI,
    buckets: TPOT_BUCKETS,
  },
  operationDuration: {
    name: "gen_ai.client.operation.duration",
    kind: "histogram",
    unit: "s",
    description: "Duration of each upstream attempt (retries and fallbacks included), to the end of the stream (GenAI semconv).",
    attributes: [...GEN_AI, A.errorType],
    buckets: DURATION_BUCKETS,
  },
  tokenUsage: {
    name: "gen_ai.client.token.usage",
    kind: "histogram",
    unit: "{token}",
    description: "Input and output tokens per successful request, as reported by the upstream (GenAI semconv).",
    attributes: [...GEN_AI, A.tokenType],
    buckets: TOKEN_BUCKETS,
    integer: true,
  },
  // -- the gateway --------------------------------------------------------------------------
  overhead: {
    name: "pharos.overhead.duration",
    kind: "histogram",
    unit: "s",
    description: "Time Pharos itself took (total minus upstream wait): the x-litellm-overhead-duration-ms header, in seconds.",
    attributes: [A.route, A.model],
    buckets: OVERHEAD_BUCKETS,
  },
  requests: {
    name: "pharos.requests",
    kind: "counter",
    unit: "{request}",
    description: "Requests answered, by route, model group and status class.",
    attributes: [A.route, A.model, A.statusClass],
    integer: true,
  },
  errors: {
    name: "pharos.errors",
    kind: "counter",
    unit: "{error}",
    description: "Requests that ended in an error, by route, model group and error type (errors.ts code).",
    attributes: [A.route, A.model, A.errorType],
    integer: true,
  },
  inFlight: {
    name: "pharos.requests.in_flight",
    kind: "gauge",
    unit: "{request}",
    description: "Requests being answered right now (a scrape may count itself).",
    attributes: [],
    integer: true,
  },
  cost: {
    name: "pharos.cost.usd",
    kind: "counter",
    unit: "USD",
    description: "Cost of answered requests in US dollars, by model group and deployment.",
    attributes: [A.model, A.deployment],
  },
  paramsDropped: {
    name: "pharos.params.dropped",
    kind: "counter",
    unit: "{param}",
    description: "Request fields left out because the deployment's provider does not support them (drop_params), by model group, provider and field.",
    attributes: [A.model, A.provider, A.param],
    integer: true,
  },
  // -- routing --------------------------------------------------------------------------------
  retries: {
    name: "pharos.retries",
    kind: "counter",
    unit: "{retry}",
    description: "Retries the router made (same model group), by model group.",
    attributes: [A.model],
    integer: true,
  },
  fallbacks: {
    name: "pharos.fallbacks",
    kind: "counter",
    unit: "{request}",
    description: "Requests that fell back to another model group, by original model group and result (success | failure).",
    attributes: [A.model, A.fallbackResult],
    integer: true,
  },
  cooldowns: {
    name: "pharos.cooldowns",
    kind: "counter",
    unit: "{cooldown}",
    description: "Cooldowns started, by deployment and reason.",
    attributes: [A.model, A.deployment, A.cooldownReason],
    integer: true,
  },
  deploymentState: {
    name: "pharos.deployment.state",
    kind: "gauge",
    unit: "1",
    description: "Deployment state: 0 healthy, 1 partially degraded, 2 cooled down or out of rotation (worst across workers).",
    attributes: [A.model, A.deployment, A.provider],
    merge: "max",
    integer: true,
  },
  deploymentLimit: {
    name: "pharos.deployment.limit",
    kind: "gauge",
    unit: "{unit}/min",
    description: "A deployment's configured rpm (requests) or tpm (tokens) per minute; absent when it has none.",
    attributes: [A.model, A.deployment, A.limitType],
    merge: "max",
    integer: true,
  },
  healthChecks: {
    name: "pharos.health_checks",
    kind: "counter",
    unit: "{check}",
    description: "Deployment health checks run, by deployment and result (healthy | unhealthy).",
    attributes: [A.model, A.deployment, A.healthResult],
    integer: true,
  },
  // -- cache ----------------------------------------------------------------------------------
  cacheLookups: {
    name: "pharos.cache.lookups",
    kind: "counter",
    unit: "{lookup}",
    description: "Response cache lookups, by model group, result (hit | miss | bypass | error = the store unreachable) and backend (memory | redis).",
    attributes: [A.model, A.cacheResult, A.cacheBackend],
    integer: true,
  },
  cacheLookupDuration: {
    name: "pharos.cache.lookup.duration",
    kind: "histogram",
    unit: "s",
    description: "Time a response cache lookup took, by backend and result.",
    attributes: [A.cacheBackend, A.cacheResult],
    buckets: FAST_BUCKETS,
  },
  cachedTokens: {
    name: "pharos.cache.tokens",
    kind: "counter",
    unit: "{token}",
    description: "Tokens answered from the cache instead of an upstream, by model group and token type.",
    attributes: [A.model, A.tokenType],
    integer: true,
  },
  // -- limits and guardrails ------------------------------------------------------------------
  rateLimitRejections: {
    name: "pharos.rate_limit.rejections",
    kind: "counter",
    unit: "{request}",
    description: "Requests rejected by a Pharos rate limit, by scope (key | user | team | deployment | global) and model group.",
    attributes: [A.rateLimitScope, A.model],
    integer: true,
  },
  guardrailBlocks: {
    name: "pharos.guardrail.blocks",
    kind: "counter",
    unit: "{request}",
    description: "Requests or responses blocked by a guardrail, by scanner and direction (input | output).",
    attributes: [A.guardrailScanner, A.guardrailDirection],
    integer: true,
  },
  guardrailScanDuration: {
    name: "pharos.guardrail.scan.duration",
    kind: "histogram",
    unit: "s",
    description: "Time one guardrail scanner took, by scanner and direction.",
    attributes: [A.guardrailScanner, A.guardrailDirection],
    buckets: FAST_BUCKETS,
  },
  // -- spend ----------------------------------------------------------------------------------
  spendQueueDepth: {
    name: "pharos.spend.queue.depth",
    kind: "gauge",
    unit: "{row}",
    description: "Spend rows waiting in the batch queue for the database.",
    attributes: [],
    integer: true,
  },
  spendWriteFailures: {
    name: "pharos.spend.write.failures",
    kind: "counter",
    unit: "{batch}",
    description: "Spend batch writes that failed (the rows are retried or dropped, see pharos.spend.rows.dropped).",
    attributes: [],
    integer: true,
  },
  spendRowsDropped: {
    name: "pharos.spend.rows.dropped",
    kind: "counter",
    unit: "{row}",
    description: "Spend rows dropped because the queue was full or the database stayed unavailable.",
    attributes: [],
    integer: true,
  },
  // -- connection pools -----------------------------------------------------------------------
  dbConnections: {
    name: "db.client.connections.usage",
    kind: "gauge",
    unit: "{connection}",
    description: "Connections of the PostgreSQL and Redis pools, by state (used | idle).",
    attributes: [A.dbSystem, A.poolName, A.connectionState],
    integer: true,
  },
  dbConnectionsMax: {
    name: "db.client.connections.max",
    kind: "gauge",
    unit: "{connection}",
    description: "Largest number of connections a PostgreSQL or Redis pool may open.",
    attributes: [A.dbSystem, A.poolName],
    integer: true,
  },
  dbPending: {
    name: "db.client.connections.pending_requests",
    kind: "gauge",
    unit: "{request}",
    description: "Requests waiting for a PostgreSQL connection, or Redis commands sent and not yet answered.",
    attributes: [A.dbSystem, A.poolName],
    integer: true,
  },
  dbOperationDuration: {
    name: "db.client.operation.duration",
    kind: "histogram",
    unit: "s",
    description: "Time a database operation took (a query, or a batch in one transaction), by system and operation.",
    attributes: [A.dbSystem, A.dbOperation],
    buckets: FAST_BUCKETS,
  },
  upstreamConnections: {
    name: "http.client.open_connections",
    kind: "gauge",
    unit: "{connection}",
    description: "Open connections of the upstream (undici) pools, by origin and state (active | idle).",
    attributes: [A.serverAddress, A.httpConnectionState],
    integer: true,
  },
  upstreamRequests: {
    name: "pharos.upstream.pool.requests",
    kind: "gauge",
    unit: "{request}",
    description: "Requests in the upstream (undici) pools, by origin and state (pending = waiting for a connection | running).",
    attributes: [A.serverAddress, A.upstreamRequestState],
    integer: true,
  },
  // -- process and runtime --------------------------------------------------------------------
  workers: {
    name: "pharos.workers",
    kind: "gauge",
    unit: "{process}",
    description: "Worker processes answering requests (summed across the cluster).",
    attributes: [],
    integer: true,
  },
  memoryRss: {
    name: "process.memory.usage",
    kind: "gauge",
    unit: "By",
    description: "Resident memory of the worker processes (summed across the cluster).",
    attributes: [],
    integer: true,
  },
  heapUsed: {
    name: "v8js.memory.heap.used",
    kind: "gauge",
    unit: "By",
    description: "V8 heap in use (summed across the cluster).",
    attributes: [],
    integer: true,
  },
  heapLimit: {
    name: "v8js.memory.heap.limit",
    kind: "gauge",
    unit: "By",
    description: "V8 heap size allocated (summed across the cluster).",
    attributes: [],
    integer: true,
  },
  cpuTime: {
    name: "process.cpu.time",
    kind: "observed_counter",
    unit: "s",
    description: "CPU time used by the worker processes, by mode (user | system); recycled workers' time is kept.",
    attributes: [A.cpuMode],
  },
  eventLoopDelayP50: {
    name: "nodejs.eventloop.delay.p50",
    kind: "gauge",
    unit: "s",
    description: "Median event-loop delay since the previous scrape (worst worker).",
    attributes: [],
    merge: "max",
  },
  eventLoopDelayP99: {
    name: "nodejs.eventloop.delay.p99",
    kind: "gauge",
    unit: "s",
    description: "99th percentile event-loop delay since the previous scrape (worst worker).",
    attributes: [],
    merge: "max",
  },
  eventLoopDelayMax: {
    name: "nodejs.eventloop.delay.max",
    kind: "gauge",
    unit: "s",
    description: "Largest event-loop delay since the previous scrape (worst worker).",
    attributes: [],
    merge: "max",
  },
  eventLoopUtilization: {
    name: "nodejs.eventloop.utilization",
    kind: "gauge",
    unit: "1",
    description: "Fraction of time the event loop was busy since the previous scrape (busiest worker).",
    attributes: [],
    merge: "max",
  },
  gcDuration: {
    name: "v8js.gc.duration",
    kind: "histogram",
    unit: "s",
    description: "Garbage-collection pauses, by type (major | minor | incremental | weakcb).",
    attributes: [A.gcType],
    buckets: FAST_BUCKETS,
  },
  activeResources: {
    name: "nodejs.active_resources",
    kind: "gauge",
    unit: "{resource}",
    description: "Handles and requests keeping the event loop alive (sockets, timers, …), by type.",
    attributes: [A.resourceType],
    integer: true,
  },
  openFds: {
    name: "process.open_file_descriptors",
    kind: "gauge",
    unit: "{file_descriptor}",
    description: "Open file descriptors (sockets included), summed across the cluster.",
    attributes: [],
    integer: true,
  },
} as const satisfies Record<string, InstrumentSpec>;

// ---------------------------------------------------------------------------------------------
// Value types of the recording API.

/** `error`: the store (Redis) was unreachable; the request went upstream as on a miss, but a cold cache and an outage stay apart. */
export type CacheLookupResult = CacheResult;
export type CacheBackend = "memory" | "redis";
export type CooldownReason = ErrorCode | "health_check" | "manual";
export type DeploymentStateValue = 0 | 1 | 2;
export type RateLimitScope = "key" | "user" | "team" | "deployment" | "global";
export type GuardrailDirection = "input" | "output";
export type TokenType = "input" | "output";

export interface DeploymentStateReading {
  readonly group: string;
  readonly deploymentId: string;
  /** gen_ai.provider.name of the deployment. */
  readonly provider: string;
  readonly state: DeploymentStateValue;
}

export interface DbPoolReading {
  readonly used: number;
  readonly idle: number;
  /** Requests waiting for a connection (PostgreSQL) or commands awaiting a reply (Redis). */
  readonly pending: number;
  readonly max: number;
}

export interface UpstreamPoolReading {
  readonly origin: string;
  readonly connected: number;
  readonly free: number;
  readonly pending: number;
  readonly running: number;
}

// ---------------------------------------------------------------------------------------------
// The recording API.

type Instruments = {
  readonly [K in keyof typeof CATALOGUE]: (typeof CATALOGUE)[K]["kind"] extends "histogram" ? Histogram : (typeof CATALOGUE)[K]["kind"] extends "counter" ? Counter : Gauge;
};

function instrumentsOf(store: MetricStore): Instruments {
  const out: Record<string, Counter | Histogram | Gauge> = {};
  for (const [key, spec] of Object.entries(CATALOGUE) as [string, InstrumentSpec][]) {
    out[key] = spec.kind === "histogram" ? store.histogram(spec) : spec.kind === "counter" ? store.counter(spec) : store.gauge(spec);
  }
  return out as Instruments;
}

export class PharosMetrics {
  readonly store: MetricStore;
  readonly i: Instruments;
  private groups: ReadonlySet<string> = new Set();
  private deploymentStates: (() => Iterable<DeploymentStateReading>) | undefined;

  constructor(store = new MetricStore()) {
    this.store = store;
    this.i = instrumentsOf(store);
    // Unlabelled counters exist from boot (value 0), so `rate()` and alerts see them at once.
    this.i.spendWriteFailures.add(0);
    this.i.spendRowsDropped.add(0);
    store.addCollector(() => {
      if (this.deploymentStates === undefined) return;
      for (const reading of this.deploymentStates()) this.i.deploymentState.observe(reading.state, this.group(reading.group), reading.deploymentId, reading.provider);
    });
  }

  /** The configured model groups; any other name a client sends is recorded as `unknown`. */
  setModelGroups(groups: Iterable<string>): void {
    this.groups = new Set(groups);
  }

  /** The model-group attribute value for a client-sent name (cardinality guard). */
  group(name: string | undefined): string {
    if (name === undefined) return "";
    return this.groups.has(name) ? name : UNKNOWN_GROUP;
  }

  // -- cache (issue 5) --------------------------------------------------------------------------

  /** One response-cache lookup; `seconds` is how long the lookup took. */
  cacheLookup(result: CacheLookupResult, backend: CacheBackend, group: string, seconds?: number): void {
    this.i.cacheLookups.add(1, this.group(group), result, backend);
    if (seconds !== undefined) this.i.cacheLookupDuration.record(seconds, backend, result);
  }

  // -- router (issue 3) -------------------------------------------------------------------------

  /** A deployment entered cooldown. */
  cooldownStarted(group: string, deploymentId: string, reason: CooldownReason): void {
    this.i.cooldowns.add(1, this.group(group), deploymentId, reason);
  }

  /** One health check of a deployment finished. */
  healthCheck(group: string, deploymentId: string, healthy: boolean): void {
    this.i.healthChecks.add(1, this.group(group), deploymentId, healthy ? "healthy" : "unhealthy");
  }

  /**
   * The router's view of its deployments, read at each scrape; replaces the previous source.
   * The gateway registers one at boot that reads every deployment as 0 (healthy); the router
   * replaces it with its cooldown/health state.
   */
  observeDeploymentStates(source: () => Iterable<DeploymentStateReading>): void {
    this.deploymentStates = source;
  }

  // -- requests ---------------------------------------------------------------------------------

  /** drop_params left `params` out of a request to a deployment of `group` (provider: its otelName). */
  paramsDropped(group: string, provider: string, params: readonly string[]): void {
    const model = this.group(group);
    for (const param of params) this.i.paramsDropped.add(1, model, provider, OPENAI_PARAMS.has(param) ? param : OTHER_PARAM);
  }

  // -- limits and guardrails (issues 5, 9) ------------------------------------------------------

  rateLimitRejected(scope: RateLimitScope, group: string | undefined): void {
    this.i.rateLimitRejections.add(1, scope, this.group(group));
  }

  /** One scanner ran; `blocked` when it stopped the request or response. */
  guardrailScanned(scanner: string, direction: GuardrailDirection, seconds: number, blocked: boolean): void {
    this.i.guardrailScanDuration.record(seconds, scanner, direction);
    if (blocked) this.i.guardrailBlocks.add(1, scanner, direction);
  }

  // -- spend (issue 5) --------------------------------------------------------------------------

  spendWriteFailed(): void {
    this.i.spendWriteFailures.add(1);
  }

  spendRowsDropped(rows: number): void {
    this.i.spendRowsDropped.add(rows);
  }

  observeSpendQueue(depth: () => number): () => void {
    return this.store.addCollector(() => this.i.spendQueueDepth.observeAdd(depth()));
  }

  // -- pools ------------------------------------------------------------------------------------

  /** A PostgreSQL or Redis pool, read at each scrape, registered only by the process that owns it. `name`: main | embedded (PostgreSQL), cache | rate-limit (Redis). */
  observeDbPool(system: "postgresql" | "redis", name: string, read: () => DbPoolReading): () => void {
    return this.store.addCollector(() => {
      const reading = read();
      this.i.dbConnections.observe(reading.used, system, name, "used");
      this.i.dbConnections.observe(reading.idle, system, name, "idle");
      this.i.dbConnectionsMax.observe(reading.max, system, name);
      this.i.dbPending.observe(reading.pending, system, name);
    });
  }

  /** One database operation finished. `system` is what Pharos talks to: PGlite speaks PostgreSQL. */
  dbOperation(system: "postgresql", operation: string, seconds: number): void {
    this.i.dbOperationDuration.record(seconds, system, operation);
  }

  /** The deployments' own rpm/tpm limits (static), read at each scrape. */
  observeDeploymentLimits(read: () => Iterable<{ group: string; deploymentId: string; rpm: number | undefined; tpm: number | undefined }>): () => void {
    return this.store.addCollector(() => {
      for (const deployment of read()) {
        if (deployment.rpm !== undefined) this.i.deploymentLimit.observe(deployment.rpm, this.group(deployment.group), deployment.deploymentId, "rpm");
        if (deployment.tpm !== undefined) this.i.deploymentLimit.observe(deployment.tpm, this.group(deployment.group), deployment.deploymentId, "tpm");
      }
    });
  }

  /** Requests being answered by this process, read at each scrape. */
  observeInFlight(read: () => number): () => void {
    return this.store.addCollector(() => this.i.inFlight.observeAdd(read()));
  }

  /** The upstream undici pools, read at each scrape. */
  observeUpstreamPools(read: () => Iterable<UpstreamPoolReading>): () => void {
    return this.store.addCollector(() => {
      for (const pool of read()) {
        this.i.upstreamConnections.observeAdd(pool.connected - pool.free, pool.origin, "active");
        this.i.upstreamConnections.observeAdd(pool.free, pool.origin, "idle");
        this.i.upstreamRequests.observeAdd(pool.pending, pool.origin, "pending");
        this.i.upstreamRequests.observeAdd(pool.running, pool.origin, "running");
      }
    });
  }

  snapshot(): StoreSnapshot {
    return this.store.snapshot();
  }
}

/** The process's metrics: import and record. */
export const metrics = new PharosMetrics();
