/**
 * The stateful parts of one gateway process, built in boot order and closed in reverse:
 * Redis pools (cache, rate limits) → database (background connect, migrations) → virtual keys
 * (store, in-memory cache, rate limiter, guard) → spend writer and retention → stored models →
 * response cache. gateway.ts plugs the results in: the key resolver into `authenticate`, the
 * guard and the cache stage into the pipeline, the spend observer into the request observers,
 * the admin routes, readiness, and `ready` (waits for the first database attempt and the
 * stored models: a wrong LITELLM_SALT_KEY fails the boot there).
 *
 * Environment (besides DATABASE_URL, REDIS_*, LITELLM_SALT_KEY):
 * - PHAROS_DATA_DIR                 embedded database and spill files (default ./.pharos/data; off = no database)
 * - PHAROS_KEY_CACHE_TTL_SECONDS    key lookups trusted for this long (default general_settings.user_api_key_cache_ttl, else 10)
 * - PHAROS_SPEND_BATCH_ROWS         spend rows that trigger a write (default 500)
 * - PHAROS_SPEND_QUEUE_MAX          spend rows kept in memory before spilling to disk (default 10000)
 * - PHAROS_MODEL_SYNC_SECONDS       how often stored models are re-read (default 10)
 * - PHAROS_CACHE_MEMORY_MB          size of the memory cache (default 64)
 * - PHAROS_DB_BOOT_WAIT_SECONDS     how long boot waits for the first database attempt (default 10)
 */
import cluster from "node:cluster";
import { join } from "node:path";
import type Router from "@koa/router";
import type { Logger } from "pino";
import { CacheStage } from "../cache/cache-stage.ts";
import { MemoryCacheStore } from "../cache/memory-store.ts";
import { RedisCacheStore } from "../cache/redis-store.ts";
import { ResponseCache } from "../cache/response-cache.ts";
import { ConfigError } from "../config/load.ts";
import type { LoadedConfig } from "../config/load.ts";
import { keyRoutes } from "../http/keys.ts";
import { modelAdminRoutes } from "../http/model-admin.ts";
import { spendRoutes } from "../http/spend.ts";
import { durationSeconds } from "../keys/duration.ts";
import { DEFAULT_KEY_CACHE_TTL_SECONDS, KeyCache } from "../keys/key-cache.ts";
import { KeyGuard } from "../keys/key-guard.ts";
import { KeyStore } from "../keys/key-store.ts";
import { RateLimiter } from "../keys/rate-limiter.ts";
import type { KeyResolver } from "../middleware/authenticate.ts";
import type { RequestObserver, RequestState } from "../request-state.ts";
import type { DeploymentTable, TransportSource } from "../router/deployments.ts";
import type { GroupAliases } from "../router/group-aliases.ts";
import { SpendRetention } from "../spend/retention.ts";
import { SpendQueries } from "../spend/spend-queries.ts";
import { spendRowOf } from "../spend/spend-row.ts";
import { DEFAULT_FLUSH_INTERVAL_SECONDS, SpendWriter } from "../spend/spend-writer.ts";
import { cacheRedisSettings, RedisPools, routerRedisSettings } from "../stores/redis.ts";
import type { RedisSettings } from "../stores/redis.ts";
import type { PharosMetrics } from "../telemetry/metrics.ts";
import { CredentialCipher, credentialSecret } from "./credential-cipher.ts";
import { DatabaseManager } from "./db-manager.ts";
import type { DatabaseReadiness } from "./db-manager.ts";
import { databaseSettings } from "./db-settings.ts";
import { HOSTED_BY_PRIMARY_ENV, workerChannel } from "./ipc-database.ts";
import { DEFAULT_MODEL_SYNC_SECONDS, StoredModels } from "./stored-models.ts";

export interface GatewayStoresOptions {
  readonly loaded: LoadedConfig;
  readonly table: DeploymentTable;
  readonly transports: TransportSource;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly metrics: PharosMetrics;
  readonly bodyLimitBytes: number;
  /** router_settings.model_group_alias, as the routing policy resolved it: keys may list aliases. */
  readonly aliases: GroupAliases;
  /** Redis pools shared with the router state (one per server per process). */
  readonly redisPools?: RedisPools;
  /** Where budget readings and database write failures go (Slack alerting), when configured. */
  readonly alerts?: StoreAlerts;
}

/** The alerts the stores raise (implemented by alerting/alerting.ts). */
export interface StoreAlerts {
  budget(reading: { keyHash: string; keyAlias: string | undefined; spend: number; maxBudget: number }): void;
  dbException(operation: string, error: unknown): void;
}

export interface GatewayStores {
  readonly db: DatabaseManager;
  readonly keyResolver: KeyResolver | undefined;
  readonly keyGuard: KeyGuard | undefined;
  readonly cacheStage: CacheStage | undefined;
  /** Spend rows (and nothing else) from finished requests. */
  readonly spendObserver: RequestObserver | undefined;
  readonly spendWriter: SpendWriter | undefined;
  /** /key/*, /spend/logs, /model/new|delete|info. */
  routes(router: Router<RequestState>): void;
  readiness(): Promise<DatabaseReadiness>;
  /** Resolves after the first database attempt and the stored models (rejects on a wrong salt key). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

const BUDGET_SWEEP_MS = 30_000;
const DEFAULT_RETENTION_INTERVAL = "1d";
const DEFAULT_BOOT_WAIT_SECONDS = 10;
const DEFAULT_CACHE_MEMORY_MB = 64;

function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`environment variable ${name}`, [`${name}: expected a number > 0, got '${raw}'`]);
  return value;
}

/**
 * The database pool's gauges (db.client.connections.*), read at each scrape, under the pool name
 * `embedded` (PGlite) or `main` (PostgreSQL). Only the process that owns the pool registers it,
 * so a cluster's merged scrape counts each pool once.
 */
export function observeDatabasePool(metrics: PharosMetrics, db: DatabaseManager): () => void {
  return metrics.observeDbPool("postgresql", db.kind === "pglite" ? "embedded" : "main", () => {
    const stats = db.poolStats();
    return stats === undefined ? { used: 0, idle: 0, pending: 0, max: 0 } : { used: stats.inUse, idle: stats.idle, pending: stats.waiting, max: stats.max };
  });
}

function sameRedis(a: RedisSettings, b: RedisSettings): boolean {
  return a.host === b.host && a.port === b.port && a.password === b.password && a.keyPrefix === b.keyPrefix;
}

export function createGatewayStores(options: GatewayStoresOptions): GatewayStores {
  const { loaded, table, env, logger, metrics } = options;
  const config = loaded.config;
  const general = config.general_settings;
  const cleanups: Array<() => void | Promise<void>> = [];

  // -- Redis: one pool for the cache, shared with rate limits when they point at the same server.
  const cacheOn = config.litellm_settings.cache === true;
  const cacheType = config.litellm_settings.cache_params?.type ?? "local";
  const cacheRedis = cacheOn && cacheType === "redis" ? cacheRedisSettings(config, env) : undefined;
  if (cacheOn && cacheType === "redis" && cacheRedis === undefined) {
    throw new ConfigError(loaded.source, ["litellm_settings.cache_params.host: a Redis cache needs a host (cache_params.host or REDIS_HOST)"]);
  }
  const limitRedis = routerRedisSettings(config, env) ?? cacheRedisSettings(config, env);
  const redisPools = options.redisPools ?? new RedisPools(logger);
  const cachePool = cacheRedis === undefined ? undefined : redisPools.get(cacheRedis, "cache");
  const limitPool = limitRedis === undefined ? undefined : cachePool !== undefined && sameRedis(cachePool.settings, limitRedis) ? cachePool : redisPools.get(limitRedis, "rate-limit");
  for (const [pool, name] of [[cachePool, "cache"], [limitPool === cachePool ? undefined : limitPool, "rate-limit"]] as const) {
    if (pool === undefined) continue;
    cleanups.push(metrics.observeDbPool("redis", name, () => {
      const stats = pool.stats();
      return { used: stats.busy, idle: stats.ready - stats.busy, pending: stats.pending, max: stats.connections };
    }));
    cleanups.push(() => pool.close());
  }

  // -- Database.
  const settings = databaseSettings(config, env);
  // Cluster workers reach the embedded database through the primary, which hosts it (ipc-database.ts).
  const hosted = cluster.isWorker && settings.kind === "pglite" && env[HOSTED_BY_PRIMARY_ENV] === "1";
  const db = new DatabaseManager({
    settings,
    logger,
    hostChannel: hosted ? workerChannel() : undefined,
    onOperation: (operation, seconds) => metrics.dbOperation("postgresql", operation, seconds),
  });
  db.start();
  // The pool is reported by the process that owns it: a worker reaching the embedded database
  // through the primary has none of its own (the primary reports it, cli/serve.ts).
  if (!hosted) cleanups.push(observeDatabasePool(metrics, db));
  cleanups.push(() => db.close());
  const hasDb = settings.kind !== "none";

  // -- Virtual keys.
  const store = new KeyStore(db);
  const keyCache = new KeyCache({
    store,
    db,
    logger,
    ttlMs: envNumber(env, "PHAROS_KEY_CACHE_TTL_SECONDS", config.general_settings.user_api_key_cache_ttl ?? DEFAULT_KEY_CACHE_TTL_SECONDS) * 1000,
    allowStaleWhenDbDown: settings.allowRequestsOnUnavailable,
  });
  const limiter = new RateLimiter({ redis: limitPool, logger });
  cleanups.push(() => limiter.close());

  // -- Spend.
  let writer: SpendWriter | undefined;
  if (hasDb) {
    writer = new SpendWriter({
      db,
      logger,
      flushIntervalMs: (general.proxy_batch_write_at ?? DEFAULT_FLUSH_INTERVAL_SECONDS) * 1000,
      batchRows: envNumber(env, "PHAROS_SPEND_BATCH_ROWS", 500),
      maxQueued: envNumber(env, "PHAROS_SPEND_QUEUE_MAX", 10_000),
      spillDir: join(settings.dataDir, "spill"),
      writeRows: general.disable_spend_logs !== true,
      onCommitted: (keyHash, amount) => keyCache.addCommittedSpend(keyHash, amount),
      onWriteFailed: (error) => {
        metrics.spendWriteFailed();
        options.alerts?.dbException("spend log write", error);
      },
      onDropped: (rows) => metrics.spendRowsDropped(rows),
    });
    writer.start();
    const spend = writer;
    cleanups.push(metrics.observeSpendQueue(() => {
      const stats = spend.stats();
      return stats.queued + stats.spilled;
    }));
    cleanups.push(() => spend.close());
  }
  const spendWriter = writer;
  const guard = new KeyGuard({
    cache: keyCache,
    limiter,
    pendingSpend: (keyHash) => spendWriter?.pendingSpend(keyHash) ?? 0,
    onRateLimited: (group) => metrics.rateLimitRejected("key", group),
    onBudgetReading: (reading) => options.alerts?.budget(reading),
  });

  const budgetSweep = setInterval(() => {
    if (db.state !== "connected") return;
    store.resetBudgets().then(
      (reset) => keyCache.expire(reset),
      (error: unknown) => logger.debug({ err: error }, "the budget reset sweep failed"),
    );
  }, BUDGET_SWEEP_MS);
  budgetSweep.unref();
  cleanups.push(() => clearInterval(budgetSweep));

  const retentionPeriod = general.maximum_spend_logs_retention_period;
  if (hasDb && retentionPeriod !== undefined) {
    const retention = new SpendRetention({
      db,
      logger,
      periodSeconds: durationSeconds(retentionPeriod)!,
      intervalSeconds: durationSeconds(general.maximum_spend_logs_retention_interval ?? DEFAULT_RETENTION_INTERVAL)!,
    });
    retention.start();
    cleanups.push(() => retention.close());
  }

  // -- Stored models.
  const secret = credentialSecret(env, general.master_key);
  const storedModels = hasDb
    ? new StoredModels({
        db,
        cipher: secret === undefined ? undefined : new CredentialCipher(secret),
        loaded,
        table,
        transports: options.transports,
        env,
        logger,
        syncMs: envNumber(env, "PHAROS_MODEL_SYNC_SECONDS", DEFAULT_MODEL_SYNC_SECONDS) * 1000,
        onTableChanged: (changed) => metrics.setModelGroups(changed.groupNames),
      })
    : undefined;
  if (storedModels !== undefined) cleanups.push(() => storedModels.close());

  // -- Response cache.
  let cacheStage: CacheStage | undefined;
  if (cacheOn) {
    const cacheStore = cachePool !== undefined ? new RedisCacheStore(cachePool) : new MemoryCacheStore(envNumber(env, "PHAROS_CACHE_MEMORY_MB", DEFAULT_CACHE_MEMORY_MB) * 1024 * 1024);
    const cache = new ResponseCache({ store: cacheStore, params: config.litellm_settings.cache_params, logger });
    cacheStage = new CacheStage(cache, (result, backend, group, seconds) => metrics.cacheLookup(result, backend, group, seconds));
    cleanups.push(() => cacheStore.close());
  }

  const bootWaitMs = envNumber(env, "PHAROS_DB_BOOT_WAIT_SECONDS", DEFAULT_BOOT_WAIT_SECONDS) * 1000;
  const ready = (async () => {
    await db.settled(bootWaitMs);
    if (storedModels !== undefined) {
      if (db.state === "connected") await storedModels.load();
      storedModels.start();
    }
  })();
  // Callers that never await `ready` must not see an unhandled rejection; those that do still get it.
  ready.catch(() => undefined);

  return {
    db,
    keyResolver: hasDb ? keyCache : undefined,
    keyGuard: guard,
    cacheStage,
    spendWriter,
    spendObserver:
      spendWriter === undefined
        ? undefined
        : (record) => {
            const row = spendRowOf(record);
            if (row !== undefined) spendWriter.enqueue(row);
          },
    routes(router) {
      const aliases = [...options.aliases.targets.keys()];
      keyRoutes(router, { store, cache: keyCache, knownGroups: () => new Set([...table.groupNames, ...aliases]), bodyLimitBytes: options.bodyLimitBytes });
      spendRoutes(router, new SpendQueries(db));
      modelAdminRoutes(router, { table, stored: storedModels });
    },
    readiness: () => db.readiness(bootWaitMs),
    ready,
    async close() {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          logger.warn({ err: error }, "closing a store failed");
        }
      }
    },
  };
}
