/**
 * Redis connections shared by the router state (router_settings.redis_*) and the cache
 * (litellm_settings.cache_params): explicit host/port/password as the seeds insist, a small
 * set of connections (redis_connection_pool_limit, commands spread round-robin) and a command
 * timeout (redis_connection_pool_timeout). When Redis goes away commands fail fast (no offline
 * queue), the outage is logged once, and the connections keep reconnecting in the background.
 */
import type * as IoRedis from "ioredis";
import type { Redis } from "ioredis";
import { lazyModule } from "../lazy-module.ts";

const ioredis = lazyModule<typeof IoRedis>("ioredis");
import type { Logger } from "pino";
import type { RawConfig } from "../config/schema.ts";

export interface RedisSettings {
  readonly host: string;
  readonly port: number;
  readonly password: string | undefined;
  /** Prefix of every key Pharos writes (PHAROS_REDIS_KEY_PREFIX, default "pharos:"). */
  readonly keyPrefix: string;
  readonly connections: number;
  readonly commandTimeoutMs: number;
}

const DEFAULT_PREFIX = "pharos:";
const DEFAULT_CONNECTIONS = 4;
/** Commands are pipelined on each connection, so more than this only adds sockets (a boot warning says so). */
/** A Lua script sent as a named command (ioredis' defineCommand: EVALSHA, falling back to EVAL). */
export interface RedisScript {
  readonly numberOfKeys: number;
  readonly lua: string;
}

/** Per connection, the script sets already defined on it (a set is defined once, as a whole). */
const definedScripts = new WeakMap<Redis, WeakSet<object>>();

/** The client with these scripts defined as commands (once per connection and set), typed with them. */
export function withScripts<Commands>(client: Redis, scripts: Readonly<Record<string, RedisScript>>): Redis & Commands {
  let defined = definedScripts.get(client);
  if (defined === undefined) definedScripts.set(client, (defined = new WeakSet()));
  if (!defined.has(scripts)) {
    for (const [name, script] of Object.entries(scripts)) client.defineCommand(name, script);
    defined.add(scripts);
  }
  return client as Redis & Commands;
}

export const MAX_REDIS_CONNECTIONS = 16;
const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
const MAX_RECONNECT_DELAY_MS = 2000;

function port(value: string | number | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : undefined;
}

/** Where the router's shared state lives: router_settings.redis_*, else REDIS_HOST/PORT/PASSWORD. */
export function routerRedisSettings(config: RawConfig, env: NodeJS.ProcessEnv): RedisSettings | undefined {
  const router = config.router_settings;
  const host = router.redis_host ?? urlHost(router.redis_url);
  if (host === undefined) return undefined;
  return settings(config, env, host, router.redis_port ?? urlPort(router.redis_url) ?? port(env["REDIS_PORT"]), router.redis_password ?? env["REDIS_PASSWORD"]);
}

/** Where the Redis cache lives: cache_params host/port/password, else REDIS_HOST/PORT/PASSWORD. */
export function cacheRedisSettings(config: RawConfig, env: NodeJS.ProcessEnv): RedisSettings | undefined {
  const params = config.litellm_settings.cache_params;
  const host = params?.host ?? env["REDIS_HOST"];
  if (host === undefined || host === "") return undefined;
  return settings(config, env, host, params?.port ?? port(env["REDIS_PORT"]), params?.password ?? env["REDIS_PASSWORD"]);
}

function settings(config: RawConfig, env: NodeJS.ProcessEnv, host: string, redisPort: number | undefined, password: string | undefined): RedisSettings {
  const router = config.router_settings;
  return {
    host,
    port: redisPort ?? 6379,
    password: password === "" ? undefined : password,
    keyPrefix: env["PHAROS_REDIS_KEY_PREFIX"] ?? DEFAULT_PREFIX,
    connections: Math.max(1, Math.min(router.redis_connection_pool_limit ?? DEFAULT_CONNECTIONS, MAX_REDIS_CONNECTIONS)),
    commandTimeoutMs: (router.redis_connection_pool_timeout ?? DEFAULT_COMMAND_TIMEOUT_MS / 1000) * 1000,
  };
}

function urlHost(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

function urlPort(url: string | undefined): number | undefined {
  if (url === undefined) return undefined;
  try {
    return port(new URL(url).port);
  } catch {
    return undefined;
  }
}

export interface RedisPoolStats {
  readonly connections: number;
  readonly ready: number;
  /** Commands sent and not yet answered, over all connections. */
  readonly pending: number;
  /** Ready connections with at least one command awaiting its reply (in use). */
  readonly busy: number;
}

export class RedisPool {
  readonly settings: RedisSettings;
  private readonly clients: Redis[];
  private readonly logger: Logger;
  private next = 0;
  private down = false;
  /** Users sharing this pool (RedisPools); the connections close with the last one. */
  private users = 1;

  constructor(settings: RedisSettings, logger: Logger, name: string) {
    this.settings = settings;
    this.logger = logger.child({ redis: name });
    this.clients = Array.from({ length: settings.connections }, () => this.connect());
  }

  private connect(): Redis {
    const client = new (ioredis().Redis)({
      host: this.settings.host,
      port: this.settings.port,
      ...(this.settings.password === undefined ? {} : { password: this.settings.password }),
      keyPrefix: this.settings.keyPrefix,
      commandTimeout: this.settings.commandTimeoutMs,
      connectTimeout: Math.max(this.settings.commandTimeoutMs, 1000),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
      lazyConnect: false,
    });
    client.on("ready", () => {
      if (this.down) {
        this.down = false;
        this.logger.warn(`Redis at ${this.settings.host}:${this.settings.port} is back`);
      }
    });
    client.on("error", (error: Error) => {
      if (!this.down) {
        this.down = true;
        this.logger.error({ err: error.message }, `Redis at ${this.settings.host}:${this.settings.port} is unreachable; continuing without it until it returns`);
      }
    });
    return client;
  }

  /** A connected client (round-robin), or undefined while Redis is unreachable. */
  client(): Redis | undefined {
    for (let tries = 0; tries < this.clients.length; tries++) {
      const client = this.clients[this.next]!;
      this.next = (this.next + 1) % this.clients.length;
      if (client.status === "ready") return client;
    }
    return undefined;
  }

  get available(): boolean {
    return this.clients.some((client) => client.status === "ready");
  }

  /** Resolves once at least one connection is ready (or rejects after `timeoutMs`). */
  async ready(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.available) {
      if (Date.now() > deadline) throw new Error(`Redis at ${this.settings.host}:${this.settings.port} not ready within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  stats(): RedisPoolStats {
    let ready = 0;
    let pending = 0;
    let busy = 0;
    for (const client of this.clients) {
      const queued = (client as unknown as { commandQueue?: { length: number } }).commandQueue?.length ?? 0;
      if (client.status === "ready") {
        ready += 1;
        if (queued > 0) busy += 1;
      }
      pending += queued;
    }
    return { connections: this.clients.length, ready, pending, busy };
  }

  /** One more user of this pool (see RedisPools). */
  retain(): void {
    this.users += 1;
  }

  /** Releases this user's share; the connections close when the last user closes. */
  async close(): Promise<void> {
    this.users -= 1;
    if (this.users > 0) return;
    await Promise.all(this.clients.map((client) => client.quit().catch(() => client.disconnect())));
  }
}

function poolKey(settings: RedisSettings): string {
  return `${settings.host}\0${settings.port}\0${settings.password ?? ""}\0${settings.keyPrefix}`;
}

/**
 * One pool per Redis server for the whole process: the router state, the cache and the rate
 * limits share connections (and log an outage once) when they point at the same server.
 */
export class RedisPools {
  private readonly pools = new Map<string, RedisPool>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** The pool for this server, created on first use; `name` labels it in logs. Close it when done. */
  get(settings: RedisSettings, name: string): RedisPool {
    const key = poolKey(settings);
    const existing = this.pools.get(key);
    if (existing !== undefined) {
      existing.retain();
      return existing;
    }
    const pool = new RedisPool(settings, this.logger, name);
    this.pools.set(key, pool);
    return pool;
  }
}
